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
import { afterEach, beforeEach, describe, it } from "node:test";
import type { Store } from "../../../src/core/store/index.ts";
import { directoryStoreContract } from "./directory.ts";
import { type ContractOptions, session, user } from "./fixtures.ts";
import { sessionStoreContract } from "./sessions.ts";
import { settingsAndAuditStoreContract } from "./settings.ts";
import { ticketStoreContract } from "./tickets.ts";

export { directoryStoreContract, sessionStoreContract, settingsAndAuditStoreContract, ticketStoreContract };

/** Every part of the contract, and the whole-store checks, against fresh stores from `make`. */
export function storeContract(name: string, make: () => Promise<Store>, options: ContractOptions = {}): void {
  sessionStoreContract(name, make, options);
  directoryStoreContract(name, make, options);
  ticketStoreContract(name, make, options);
  settingsAndAuditStoreContract(name, make, options);
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
