/**
 * The cluster link's pings and session notices, against a fake shared store whose messages the test
 * delivers by hand: a ping that comes back vouches for the node's cache only once the listener is
 * proven to listen (the first ping back since it started or came back forgets what was cached
 * before), never for a moment later than now, and never across a reconnect; announced sessions are
 * forgotten, and a table emptied at once forgets them all. The real store is tested in
 * `test/store/contract/cluster.ts` and `test/core/shared-cache-postgres.test.ts`.
 */

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type ClusterHooks, createClusterLink, DEFAULT_CLUSTER_SETTINGS } from "../../src/core/cluster-link.ts";
import type { ClusterMessage, ClusterStore, Store } from "../../src/core/store/index.ts";

/** A shared store that grants every lease, records pings, and lets the test deliver messages. */
function fakeCluster(time: { now: number }) {
  const pings: number[] = [];
  let listener: ((message: ClusterMessage) => void) | undefined;
  const cluster: ClusterStore = {
    nodeId: "a",
    // The store's clock agrees with the node's: the start-up check passes.
    clockNow: async () => time.now,
    registerNode: async (nodeId) => ({ nodeId, epoch: 1, expiresAt: Date.now() + 60_000 }),
    renewNode: async (nodeId) => ({ nodeId, epoch: 1, expiresAt: Date.now() + 60_000 }),
    releaseNode: async () => {},
    takeSessionsOfDeadNodes: async () => [],
    publish: async () => {},
    ping: async (seq) => {
      pings.push(seq);
    },
    subscribe: (next) => {
      listener = next;
      return () => {
        listener = undefined;
      };
    },
  };
  const deliver = (message: ClusterMessage) => {
    assert.ok(listener, "the link subscribed");
    listener(message);
  };
  return { cluster, pings, deliver };
}

/** Everything the link asked of the engine, in order. */
function recordingHooks() {
  const calls: string[] = [];
  const hooks: ClusterHooks = {
    forgetSession: (key, ended) => calls.push(`forget ${key}${ended ? " ended" : ""}`),
    forgetDirectory: () => {},
    forgetAllSessions: () => calls.push("forget all"),
    confirmFresh: (sentAt) => calls.push(`confirm ${sentAt}`),
    relay: () => {},
    fence: async () => {},
    warn: () => {},
    info: () => {},
  };
  return { calls, hooks };
}

describe("cluster link: pings and session notices", () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  /** A started link pinging every 5 ms on a clock the test sets. */
  async function startedLink() {
    const time = { now: 1_000_000 };
    const fake = fakeCluster(time);
    const { calls, hooks } = recordingHooks();
    const link = createClusterLink({
      cluster: fake.cluster,
      store: {} as Store,
      clock: { now: () => time.now },
      nodeId: "a",
      settings: { ...DEFAULT_CLUSTER_SETTINGS, reconcileMs: 3_600_000 },
      hooks,
      pingMs: 5,
    });
    await link.start();
    stops.push(() => link.stop());
    /** Waits until the link has sent `count` pings in all, and answers the last one's number. */
    const pinged = async (count: number) => {
      while (fake.pings.length < count) await sleep(2);
      return fake.pings[count - 1] as number;
    };
    const back = (seq: number, from = "a") => fake.deliver({ kind: "ping", from, seq });
    return { ...fake, calls, time, pinged, back, link };
  }

  it("the first ping back proves the listener: what was cached before is forgotten, then the ping vouches", async () => {
    const { calls, time, pings, pinged, back, link } = await startedLink();
    const early = await pinged(1);
    time.now += 1_000;
    const first = await pinged(pings.length + 1);
    back(first);
    assert.deepEqual(calls, ["forget all", `confirm ${time.now}`]);
    // An older ping arriving late is answered already; a later one only vouches.
    back(early);
    time.now += 500;
    back(await pinged(pings.length + 1));
    assert.deepEqual(calls.slice(2), [`confirm ${time.now}`]);
    assert.equal(link.hintCounts().pingsConfirmed, 2);
  });

  it("never vouches for a moment later than now: a clock stepped back keeps the cache to its bound", async () => {
    const { calls, time, pings, pinged, back } = await startedLink();
    time.now = 5_000_000;
    const seq = await pinged(pings.length + 1);
    time.now = 4_000_000;
    back(seq);
    assert.deepEqual(calls, ["forget all", "confirm 4000000"]);
  });

  it("a ping sent before the listener came back vouches for nothing; the next one back starts over", async () => {
    const { calls, deliver, pinged, back, pings } = await startedLink();
    const before = await pinged(1);
    back(before);
    calls.length = 0;
    const lost = await pinged(2);
    deliver({ kind: "reconnected" });
    back(lost);
    assert.deepEqual(calls, ["forget all"], "the reconnect forgot the cache; the old ping confirmed nothing");
    const after = await pinged(pings.length + 1);
    back(after);
    assert.deepEqual(calls.slice(1), ["forget all", `confirm 1000000`]);
  });

  it("ignores other nodes' pings, forgets announced sessions, and all of them when the table was emptied", async () => {
    const { calls, deliver, pinged, back } = await startedLink();
    back(await pinged(1), "b");
    assert.deepEqual(calls, [], "another node's ping says nothing of this node's listener");
    deliver({ kind: "sessions-changed", keys: ["k1", "k2"] });
    deliver({ kind: "all-sessions-changed" });
    assert.deepEqual(calls, ["forget k1", "forget k2", "forget all"]);
  });
});
