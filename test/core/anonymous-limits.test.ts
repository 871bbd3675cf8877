/**
 * The limits on anonymous sessions in the engine, with a manual clock: the live count per address is
 * the store's, so engines (nodes) sharing a store share it; the creation rate is each engine's own;
 * the server's own sessions are not a stranger's. And the token buckets behind the rate, which must
 * stay bounded whatever number of addresses calls.
 *
 * @see issue 15, part 3
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionError } from "../../src/core/errors.ts";
import * as ops from "../../src/core/ops/index.ts";
import { createTokenBuckets } from "../../src/core/token-buckets.ts";
import { createMemoryStore } from "../../src/store/memory/index.ts";
import { startEngine, type TestEngine } from "../helpers/engine.ts";

const limited = (error: unknown) => error instanceof SessionError && error.code === "LIMIT_EXCEEDED";

const from = (ipAddress: string) => ({ ipAddress });

async function create(t: TestEngine, ipAddress: string) {
  return t.call(ops.createSession, undefined, {}, from(ipAddress));
}

describe("anonymous sessions across engines sharing a store", () => {
  it("counts an address's live sessions in the store, so a second node refuses past the count", async () => {
    const store = createMemoryStore();
    const limits = { anonymousSessionsPerAddress: 2 };
    const nodeA = await startEngine({ store, limits, nodeId: "a" });
    const nodeB = await startEngine({ store, limits, nodeId: "b", clock: nodeA.clock });
    await create(nodeA, "10.0.0.7");
    await create(nodeB, "10.0.0.7");
    await assert.rejects(create(nodeA, "10.0.0.7"), limited);
    await assert.rejects(create(nodeB, "10.0.0.7"), limited);
    await create(nodeB, "10.0.0.8");
  });

  it("counts the creation rate on each node alone, as documented", async () => {
    const store = createMemoryStore();
    const limits = { anonymousCreationsPerMinute: 2 };
    const nodeA = await startEngine({ store, limits, nodeId: "a" });
    const nodeB = await startEngine({ store, limits, nodeId: "b", clock: nodeA.clock });
    await create(nodeA, "10.0.0.7");
    await create(nodeA, "10.0.0.7");
    await assert.rejects(create(nodeA, "10.0.0.7"), (error: unknown) => {
      assert.ok(limited(error));
      assert.equal((error as SessionError).details.retryAfterSeconds, 30, "one token comes back every 30 s");
      return true;
    });
    await create(nodeB, "10.0.0.7");
  });

  it("leaves the server's own sessions and callers without an address to the other limits", async () => {
    const t = await startEngine({ limits: { anonymousCreationsPerMinute: 1, anonymousSessionsPerAddress: 1 } });
    for (let i = 0; i < 3; i++) {
      const made = await t.engine.call(ops.createSession, { protocol: "cli", trusted: true }, { binding: "server" });
      assert.equal(made.session.idleTimeoutMs, null, "a server-bound session has no timers");
    }
    for (let i = 0; i < 3; i++) await t.call(ops.createSession, undefined, {}, { ipAddress: undefined });
  });
});

describe("token buckets", () => {
  it("spend a burst, then refill at the rate, per key", () => {
    const buckets = createTokenBuckets({ capacity: 3, periodMs: 60_000 });
    for (let i = 0; i < 3; i++) assert.equal(buckets.take("a", 0), true);
    assert.equal(buckets.take("a", 0), false);
    assert.equal(buckets.waitMs("a", 0), 20_000);
    assert.equal(buckets.take("b", 0), true, "another key has its own bucket");
    assert.equal(buckets.take("a", 19_999), false);
    assert.equal(buckets.take("a", 20_000), true);
    assert.equal(buckets.take("a", 200_000), true);
    assert.equal(buckets.take("a", 200_000), true);
    assert.equal(buckets.take("a", 200_000), true, "never more than the burst, however long the wait");
    assert.equal(buckets.take("a", 200_000), false);
  });

  it("track a bounded number of keys, forgetting full buckets first, then the least recent", () => {
    const buckets = createTokenBuckets({ capacity: 2, periodMs: 1000, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) {
      buckets.take(`k${i}`, 0);
      buckets.take(`k${i}`, 0);
      assert.ok(buckets.size <= 100, `${buckets.size} keys`);
    }
    // The most recent keys are still known to be empty.
    assert.equal(buckets.take("k9999", 0), false);
  });
});
