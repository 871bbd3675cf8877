/**
 * The store contract suite, part six: failed-login counts (`LoginFailureStore`), which the brute-force
 * throttle keeps in the store so that every node counts the same failures.
 *
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { LoginFailureCount, LoginFailureStore } from "../../../src/core/store/index.ts";
import type { Closable, ContractOptions } from "./fixtures.ts";

const HOUR = 3_600_000;

function byKey(counts: LoginFailureCount[]): Record<string, Omit<LoginFailureCount, "key">> {
  return Object.fromEntries(counts.map(({ key, ...count }) => [key, count]));
}

export function loginFailureStoreContract(
  name: string,
  make: () => Promise<LoginFailureStore & Closable>,
  options: ContractOptions = {},
): void {
  describe(`Store contract, failed-login counts: ${name}`, { skip: options.skip }, () => {
    let store: LoginFailureStore & Closable;

    beforeEach(async () => {
      store = await make();
    });

    afterEach(async () => {
      await store.close();
    });

    it("getLoginFailures leaves out keys without failures", async () => {
      assert.deepEqual(await store.getLoginFailures(["user:a", "address:127.0.0.1"]), []);
      assert.deepEqual(await store.getLoginFailures([]), []);
    });

    it("addLoginFailure counts each key and answers the new counts", async () => {
      assert.deepEqual(byKey(await store.addLoginFailure(["user:a", "address:10.0.0.1"], 1000, 0)), {
        "user:a": { failures: 1, lastFailureAt: 1000 },
        "address:10.0.0.1": { failures: 1, lastFailureAt: 1000 },
      });
      assert.deepEqual(byKey(await store.addLoginFailure(["user:a"], 2000, 0)), {
        "user:a": { failures: 2, lastFailureAt: 2000 },
      });
      assert.deepEqual(byKey(await store.getLoginFailures(["user:a", "address:10.0.0.1", "user:b"])), {
        "user:a": { failures: 2, lastFailureAt: 2000 },
        "address:10.0.0.1": { failures: 1, lastFailureAt: 1000 },
      });
    });

    it("addLoginFailure starts a count again once its last failure is older than forgetBefore", async () => {
      await store.addLoginFailure(["user:a"], 1000, 0);
      await store.addLoginFailure(["user:a"], 2000, 0);
      const [count] = await store.addLoginFailure(["user:a"], 20 * HOUR, 20 * HOUR - 12 * HOUR);
      assert.deepEqual(count, { key: "user:a", failures: 1, lastFailureAt: 20 * HOUR });
    });

    it("addLoginFailure counts every one of many failures made at once", async () => {
      await Promise.all(Array.from({ length: 25 }, (_, i) => store.addLoginFailure(["user:a"], 1000 + i, 0)));
      const [count] = await store.getLoginFailures(["user:a"]);
      assert.equal(count?.failures, 25);
      assert.equal(count?.lastFailureAt, 1024, "the latest failure, whatever order the writes landed in");
    });

    it("clearLoginFailures forgets one key and leaves the others", async () => {
      await store.addLoginFailure(["user:a", "address:10.0.0.1"], 1000, 0);
      await store.clearLoginFailures("user:a");
      await store.clearLoginFailures("user:never-failed");
      assert.deepEqual(byKey(await store.getLoginFailures(["user:a", "address:10.0.0.1"])), {
        "address:10.0.0.1": { failures: 1, lastFailureAt: 1000 },
      });
    });

    it("pruneLoginFailures forgets counts whose last failure is older, and says how many", async () => {
      await store.addLoginFailure(["user:old"], 1000, 0);
      await store.addLoginFailure(["user:new"], 5000, 0);
      assert.equal(await store.pruneLoginFailures(5000), 1);
      assert.deepEqual(
        (await store.getLoginFailures(["user:old", "user:new"])).map((count) => count.key),
        ["user:new"],
      );
    });
  });
}
