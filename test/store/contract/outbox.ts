/**
 * The store contract suite, part seven: the webhook outbox (`OutboxStore`): claims with a lease,
 * one entry of a key at a time, and only the claim's holder may finish an entry.
 *
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { NewOutboxEntry, OutboxStore } from "../../../src/core/store/index.ts";
import type { Closable, ContractOptions } from "./fixtures.ts";

const RECEIVER = "http://127.0.0.1:9/hook";
const OTHER_RECEIVER = "http://127.0.0.1:9/other";

function entry(n: number, overrides: Partial<NewOutboxEntry> = {}): NewOutboxEntry {
  return {
    id: `msg_${String(n).padStart(4, "0")}`,
    endpoint: RECEIVER,
    orderKey: null,
    eventType: "session.login",
    payload: JSON.stringify({ type: "session.login", n }),
    createdAt: 1_000 + n,
    ...overrides,
  };
}

const ids = (entries: readonly { id: string }[]) => entries.map((e) => e.id);

export function outboxStoreContract(
  name: string,
  make: () => Promise<OutboxStore & Closable>,
  options: ContractOptions = {},
): void {
  describe(`Store contract, webhook outbox: ${name}`, { skip: options.skip }, () => {
    let store: OutboxStore & Closable;

    beforeEach(async () => {
      store = await make();
    });

    afterEach(async () => {
      await store.close();
    });

    it("claims due entries oldest first, as written, counting the attempt", async () => {
      await store.enqueueOutbox([entry(1), entry(2)]);
      await store.enqueueOutbox([entry(3, { createdAt: 50_000 })]);
      assert.equal(await store.countOutbox(), 3);
      const claimed = await store.claimOutbox(10_000, 20_000, 10, "claim-a");
      assert.deepEqual(claimed, [
        { ...entry(1), attempts: 1, lastError: null, claim: "claim-a" },
        { ...entry(2), attempts: 1, lastError: null, claim: "claim-a" },
      ]);
      assert.equal(await store.countOutbox(), 3, "claimed entries still wait until completed");
    });

    it("claims at most the limit", async () => {
      await store.enqueueOutbox([entry(1), entry(2), entry(3)]);
      assert.deepEqual(ids(await store.claimOutbox(10_000, 20_000, 2, "a")), ["msg_0001", "msg_0002"]);
      assert.deepEqual(ids(await store.claimOutbox(10_000, 20_000, 2, "b")), ["msg_0003"]);
      assert.deepEqual(await store.claimOutbox(10_000, 20_000, 2, "c"), []);
    });

    it("hides a claimed entry until its lease has passed, then lets it be claimed again", async () => {
      await store.enqueueOutbox([entry(1)]);
      assert.equal((await store.claimOutbox(10_000, 20_000, 10, "a")).length, 1);
      assert.deepEqual(await store.claimOutbox(19_999, 30_000, 10, "b"), []);
      const [again] = await store.claimOutbox(20_000, 30_000, 10, "b");
      assert.equal(again?.attempts, 2);
      assert.equal(again?.claim, "b");
      assert.equal(await store.completeOutbox("msg_0001", "a"), false, "a lapsed claim cannot complete it");
      assert.equal(await store.retryOutbox("msg_0001", "a", 0, "late"), false, "nor reschedule it");
      assert.equal(await store.completeOutbox("msg_0001", "b"), true);
      assert.equal(await store.countOutbox(), 0);
    });

    it("completeOutbox deletes the entry for its claim only, once", async () => {
      await store.enqueueOutbox([entry(1)]);
      await store.claimOutbox(10_000, 20_000, 10, "a");
      assert.equal(await store.completeOutbox("msg_0001", "not-a"), false);
      assert.equal(await store.completeOutbox("msg_0001", "a"), true);
      assert.equal(await store.completeOutbox("msg_0001", "a"), false);
      assert.equal(await store.countOutbox(), 0);
    });

    it("retryOutbox releases the entry until its new due time and keeps the error", async () => {
      await store.enqueueOutbox([entry(1)]);
      await store.claimOutbox(10_000, 20_000, 10, "a");
      assert.equal(await store.retryOutbox("msg_0001", "a", 15_000, "HTTP 500"), true);
      assert.equal(await store.retryOutbox("msg_0001", "a", 15_000, "HTTP 500"), false, "released: no claim");
      assert.deepEqual(await store.claimOutbox(14_999, 30_000, 10, "b"), []);
      const [again] = await store.claimOutbox(15_000, 30_000, 10, "b");
      assert.deepEqual(again, { ...entry(1), attempts: 2, lastError: "HTTP 500", claim: "b" });
    });

    it("claims one entry of a key at a time, in order, until the earlier one is completed", async () => {
      await store.enqueueOutbox([
        entry(1, { orderKey: "session-a" }),
        entry(2, { orderKey: "session-a" }),
        entry(3, { orderKey: "session-b" }),
        entry(4, { orderKey: null }),
        entry(5, { orderKey: null }),
      ]);
      assert.deepEqual(ids(await store.claimOutbox(10_000, 20_000, 10, "a")), [
        "msg_0001",
        "msg_0003",
        "msg_0004",
        "msg_0005",
      ]);
      for (const done of ["msg_0003", "msg_0004", "msg_0005"])
        assert.equal(await store.completeOutbox(done, "a"), true);
      // Even with the first one's lease over and retried later, the second waits behind it.
      assert.equal(await store.retryOutbox("msg_0001", "a", 40_000, "HTTP 500"), true);
      assert.deepEqual(await store.claimOutbox(30_000, 35_000, 10, "b"), []);
      assert.deepEqual(ids(await store.claimOutbox(40_000, 45_000, 10, "c")), ["msg_0001"]);
      assert.equal(await store.completeOutbox("msg_0001", "c"), true);
      assert.deepEqual(ids(await store.claimOutbox(40_000, 45_000, 10, "d")), ["msg_0002"]);
    });

    it("orders a key per endpoint: another endpoint's entries of the same key do not wait", async () => {
      await store.enqueueOutbox([
        entry(1, { orderKey: "session-a" }),
        entry(2, { orderKey: "session-a", endpoint: OTHER_RECEIVER }),
      ]);
      assert.deepEqual(ids(await store.claimOutbox(10_000, 20_000, 10, "a")), ["msg_0001", "msg_0002"]);
    });

    it("gives each entry to one of several claims made at once", async () => {
      await store.enqueueOutbox(Array.from({ length: 40 }, (_, i) => entry(i + 1)));
      const claims = await Promise.all(
        ["a", "b", "c", "d"].map((claim) => store.claimOutbox(10_000, 20_000, 40, claim)),
      );
      const all = claims.flatMap(ids).sort();
      assert.equal(all.length, 40);
      assert.equal(new Set(all).size, 40);
    });

    it("refuses a duplicate id", async () => {
      await store.enqueueOutbox([entry(1)]);
      await assert.rejects(store.enqueueOutbox([entry(1)]), { code: "ALREADY_EXISTS" });
      assert.equal(await store.countOutbox(), 1);
    });
  });
}
