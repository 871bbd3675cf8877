/**
 * A failed login by a name no user has is audited as a keyed digest of that name, never the name,
 * which may be a password typed into the wrong field; names of users that exist stay as they are. The
 * digest still lets an operator see the same name tried again, on every engine sharing the store.
 *
 * @see issue 15, part 4
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AUDIT_NAME_KEY_SETTING } from "../../src/core/audit-names.ts";
import { SessionError } from "../../src/core/errors.ts";
import type { Store } from "../../src/core/store/index.ts";
import type { AuditEntry } from "../../src/core/types.ts";
import { createMemoryStore } from "../../src/store/memory/index.ts";
import { startEngine, type TestEngine } from "../helpers/engine.ts";

/** Lets the audit subscriber's writes land: it reads the key, digests, then appends. */
async function settled(store: Store): Promise<AuditEntry[]> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  return store.listAudit(null, 1000);
}

async function failLogin(t: TestEngine, userName: string, password = "wrong-password"): Promise<void> {
  await assert.rejects(t.login(userName, { password }), (error: unknown) => {
    return error instanceof SessionError && error.code === "INVALID_LOGIN";
  });
}

const failedNames = (audit: AuditEntry[]) => audit.filter((e) => e.type === "login-failed").map((e) => e.userName);

describe("audit log: unknown user names", () => {
  it("records an unknown name only as a keyed digest, the same one each time, and a known name as it is", async () => {
    const t = await startEngine();
    const typedPassword = "Correct-Horse-Battery-1";
    await failLogin(t, typedPassword);
    await failLogin(t, typedPassword);
    await failLogin(t, "someone-else");
    await failLogin(t, "alice");
    const audit = await settled(t.store);
    const [first, again, other, alice] = failedNames(audit);
    assert.match(first ?? "", /^unknown:[0-9a-f]{16}$/);
    assert.equal(again, first, "the same typed name gives the same digest");
    assert.match(other ?? "", /^unknown:[0-9a-f]{16}$/);
    assert.notEqual(other, first);
    assert.equal(alice, "alice", "a user that exists is named");
    const text = JSON.stringify(audit);
    assert.ok(!text.includes(typedPassword) && !text.includes("someone-else"), "no typed name is in the log");
  });

  it("keeps the key in the store: engines sharing it digest alike, another store differs", async () => {
    const store = createMemoryStore();
    const first = await startEngine({ store });
    await failLogin(first, "typed-secret");
    const key = await store.getSetting(AUDIT_NAME_KEY_SETTING);
    assert.equal(typeof key, "string");
    const second = await startEngine({ store });
    await failLogin(second, "typed-secret");
    const [a, b] = failedNames(await settled(store));
    assert.equal(b, a, "a restarted engine (or another node) correlates with the first");
    assert.equal(await store.getSetting(AUDIT_NAME_KEY_SETTING), key, "the key is made once");

    const elsewhere = await startEngine();
    await failLogin(elsewhere, "typed-secret");
    const [c] = failedNames(await settled(elsewhere.store));
    assert.notEqual(c, a, "the digest is keyed: without the key it cannot be recomputed");
  });
});
