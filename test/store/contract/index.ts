/**
 * The one store contract suite every driver passes: each part of the contract (`src/core/store/`) in a
 * file of its own, so a driver can be written and tested a part at a time, and what only a whole store
 * can show (parts that touch each other, closing).
 *
 * A driver's test file calls `storeContract(name, make)`; `make` returns a fresh, empty store.
 *
 * @module
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { Store } from "../../../src/core/store/index.ts";
import { directoryStoreContract } from "./directory.ts";
import { type ContractOptions, ROOMY, session, user } from "./fixtures.ts";
import { loginFailureStoreContract } from "./login-failures.ts";
import { outboxStoreContract } from "./outbox.ts";
import { sessionStoreContract } from "./sessions.ts";
import { settingsAndAuditStoreContract } from "./settings.ts";
import { ticketStoreContract } from "./tickets.ts";

export {
  directoryStoreContract,
  loginFailureStoreContract,
  outboxStoreContract,
  sessionStoreContract,
  settingsAndAuditStoreContract,
  ticketStoreContract,
};

/** Every part of the contract, and the whole-store checks, against fresh stores from `make`. */
export function storeContract(name: string, make: () => Promise<Store>, options: ContractOptions = {}): void {
  sessionStoreContract(name, make, options);
  directoryStoreContract(name, make, options);
  ticketStoreContract(name, make, options);
  settingsAndAuditStoreContract(name, make, options);
  loginFailureStoreContract(name, make, options);
  outboxStoreContract(name, make, options);
  describe(`Store contract, the whole store: ${name}`, { skip: options.skip }, () => {
    let store: Store;

    beforeEach(async () => {
      store = await make();
    });

    afterEach(async () => {
      await store.close();
    });

    it("names a known driver", () => {
      assert.ok(["memory", "sqlite", "postgres"].includes(store.driver));
    });

    // @see issue 15, part 3: the database size is reported and can be capped.
    it("databaseBytes reports a size that grows as sessions and their attributes are written", async () => {
      const before = await store.databaseBytes();
      assert.ok(Number.isSafeInteger(before) && before >= 0, `databaseBytes is a byte count: ${before}`);
      for (let n = 1; n <= 40; n++) {
        await store.insertSession(session(n, { userName: null, loginAt: null }));
        // Random text, so that no driver can store it in much less than its length.
        const value = randomBytes(6_000).toString("base64");
        assert.equal(await store.putAttributes(session(n).key, [["state", value]], ROOMY), "ok");
      }
      const after = await store.databaseBytes();
      assert.ok(after >= before + 100_000, `about 320 kB written: ${before} -> ${after}`);
    });

    it("deleteUser leaves the user's sessions alone", async () => {
      await store.putUser(user("default", "alice", 1));
      await store.insertSession(session(1, { userName: "alice" }));
      assert.equal(await store.deleteUser("default", "alice"), true);
      assert.deepEqual(await store.getSessionByKey(session(1).key), session(1, { userName: "alice" }));
    });

    describe("lifecycle", () => {
      it("close is idempotent", async () => {
        await store.close();
        await store.close();
      });
    });
  });
}
