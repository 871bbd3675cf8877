/**
 * Start-up provisioning gives a new realm a cap on the idle timeouts clients choose: a client can no
 * longer keep a session for a year by asking (issue 15, part 3). A realm that exists keeps what it has,
 * and `null` in the configuration turns the cap off.
 *
 * @see issue 15, part 3
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_MAX_IDLE_TIMEOUT_SECONDS, parseConfig } from "../../src/core/config.ts";
import * as ops from "../../src/core/ops/index.ts";
import { provisionDirectory } from "../../src/server/provision.ts";
import { defaultRealm, startEngine } from "../helpers/engine.ts";

describe("provisioning: the cap on chosen idle timeouts", () => {
  it("gives a realm created without one a day, which cuts a client's choice", async () => {
    const t = await startEngine({ realms: [defaultRealm(), { name: "other" }] });
    assert.equal(DEFAULT_MAX_IDLE_TIMEOUT_SECONDS, 86_400);
    for (const name of ["default", "other"]) {
      assert.equal((await t.store.getRealm(name))?.maxIdleTimeoutSeconds, DEFAULT_MAX_IDLE_TIMEOUT_SECONDS, name);
    }
    const { session } = await t.login("alice", { idleTimeoutSeconds: 366 * 24 * 3600 });
    assert.equal(session.idleTimeoutMs, DEFAULT_MAX_IDLE_TIMEOUT_SECONDS * 1000);
  });

  it("keeps null (no cap) when the configuration says so, and what an existing realm has", async () => {
    const t = await startEngine({ realms: [defaultRealm({ maxIdleTimeoutSeconds: null })] });
    assert.equal((await t.store.getRealm("default"))?.maxIdleTimeoutSeconds, null);
    const { session } = await t.login("alice", { idleTimeoutSeconds: 7 * 24 * 3600 });
    assert.equal(session.idleTimeoutMs, 7 * 24 * 3600 * 1000);

    await t.engine.call(
      ops.putRealm,
      { protocol: "cli", trusted: true },
      {
        name: "default",
        mode: "upsert",
        maxIdleTimeoutSeconds: 600,
      },
    );
    await provisionDirectory(t.engine, parseConfig({ realms: [defaultRealm()] }));
    assert.equal((await t.store.getRealm("default"))?.maxIdleTimeoutSeconds, 600, "a restart keeps it");
  });
});
