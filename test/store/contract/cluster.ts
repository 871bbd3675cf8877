/**
 * The store contract suite, part five: what nodes sharing one store need (`ClusterStore`): leases,
 * the reaping of dead nodes' bound sessions, fencing of bound inserts, and hints between nodes.
 *
 * Several nodes are several stores over the same data, so the driver's test gives a harness rather than
 * one `make`. Lease times are the store's clock, so lease expiry is waited for in real time: short
 * leases (200 ms) keep those waits short.
 *
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { SessionError } from "../../../src/core/errors.ts";
import type { SessionEvent } from "../../../src/core/events.ts";
import type { ClusterMessage, ClusterStore, Store, StoreHint } from "../../../src/core/store/index.ts";
import type { Binding } from "../../../src/core/types.ts";
import { until } from "../../helpers/until.ts";
import { type ContractOptions, numbers, session } from "./fixtures.ts";

/** How a driver's test gives the cluster suite its stores. */
export interface ClusterHarness {
  /** A fresh, empty store (sessions and leases) speaking for node `nodeId`. */
  make(nodeId: string): Promise<Store>;
  /** Another node's store over the same data as the last store `make` gave. */
  join(nodeId: string): Promise<Store>;
  /** Cuts `store`'s listening connection from the backend's side, as a restart or a network cut would. */
  breakListener(store: Store): Promise<void>;
}

/** A short lease, to wait out in real time. */
const SHORT_TTL = 200;
/** A lease that outlives any test. */
const LONG_TTL = 600_000;

/** Asserts that `promise` rejects as a fenced bound insert. */
async function rejectsFenced(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SessionError, `expected a SessionError, got ${String(error)}`);
    assert.equal(error.code, "STORE_UNAVAILABLE");
    assert.equal(error.details.reason, "fenced");
    return true;
  });
}

function event(n: number, overrides: Partial<SessionEvent> = {}): SessionEvent {
  return {
    type: "terminated",
    at: 1_000 + n,
    sessionKey: session(n).key,
    sessionNumber: n,
    realm: "default",
    userName: `user${n}`,
    protocol: "api",
    actor: "root",
    ipAddress: "127.0.0.1",
    detail: `hint ${n}`,
    ...overrides,
  };
}

/** Everything a store's subscription hears, kept in order. */
function listenTo(cluster: ClusterStore): { heard: ClusterMessage[]; stop: () => void } {
  const heard: ClusterMessage[] = [];
  const stop = cluster.subscribe((message) => heard.push(message));
  return { heard, stop };
}

const hintsOf = (heard: readonly ClusterMessage[]) => heard.filter((m) => m.kind === "hint");

export function clusterStoreContract(name: string, harness: ClusterHarness, options: ContractOptions = {}): void {
  describe(`Store contract, cluster: ${name}`, { skip: options.skip }, () => {
    const opened: Store[] = [];
    const open = async (store: Promise<Store>) => {
      const s = await store;
      opened.push(s);
      assert.ok(s.cluster, "a shared store has a cluster part");
      return { store: s, cluster: s.cluster };
    };
    const make = (nodeId: string) => open(harness.make(nodeId));
    const join = (nodeId: string) => open(harness.join(nodeId));

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    /**
     * Publishes from `publisher` until every listener heard something: a subscription listens some time
     * after `subscribe` returns, and hints sent before are lost. Then sends a marker and waits for it:
     * hints from one publisher arrive in the order sent, so once the marker is heard no probe is still on
     * its way, and what the listeners heard can be forgotten.
     */
    async function untilListening(publisher: ClusterStore, listeners: { heard: ClusterMessage[] }[]) {
      await until("every subscriber listens", async () => {
        await publisher.publish({ kind: "directory-changed" });
        await sleep(30);
        return listeners.every((l) => l.heard.length > 0);
      });
      const marker: StoreHint = { kind: "event", event: event(0, { detail: `marker ${Math.random()}` }) };
      await publisher.publish(marker);
      const heardMarker = (l: { heard: ClusterMessage[] }) =>
        l.heard.some(
          (m) => m.kind === "hint" && m.hint.kind === "event" && m.hint.event.detail === marker.event.detail,
        );
      await until("every subscriber heard the marker", () => listeners.every(heardMarker));
      for (const l of listeners) l.heard.length = 0;
    }

    describe("leases", () => {
      it("clockNow is the store's clock: near this machine's, and never going back", async () => {
        const { cluster } = await make("node-a");
        const first = await cluster.clockNow();
        assert.ok(Math.abs(first - Date.now()) < 5_000, `${first} is near ${Date.now()}`);
        assert.ok((await cluster.clockNow()) >= first);
      });

      it("registerNode gives a lease of ttlMs on the store's clock, with a new epoch at each registration", async () => {
        const { cluster } = await make("node-a");
        const before = await cluster.clockNow();
        const lease = await cluster.registerNode("node-a", 60_000);
        const after = await cluster.clockNow();
        assert.ok(lease);
        assert.equal(lease.nodeId, "node-a");
        assert.ok(lease.expiresAt >= before + 60_000 && lease.expiresAt <= after + 60_000, `${lease.expiresAt}`);
        await cluster.releaseNode("node-a", lease.epoch);
        const again = await cluster.registerNode("node-a", 60_000);
        assert.ok(again);
        assert.notEqual(again.epoch, lease.epoch);
      });

      it("registerNode answers null while another epoch's lease is live, on any node, and changes nothing", async () => {
        const a = await make("node-a");
        const b = await join("node-b");
        const lease = await a.cluster.registerNode("node-a", 60_000);
        assert.ok(lease);
        assert.equal(await a.cluster.registerNode("node-a", 60_000), null);
        assert.equal(await b.cluster.registerNode("node-a", 60_000), null);
        const renewed = await a.cluster.renewNode("node-a", lease.epoch, 60_000);
        assert.equal(renewed?.epoch, lease.epoch, "the live lease is still the first one's");
        assert.ok(await b.cluster.registerNode("node-b", 60_000), "other ids are free");
      });

      it("concurrent registrations of one id: exactly one wins", async () => {
        const a = await make("node-a");
        const b = await join("node-b");
        const leases = await Promise.all(
          Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).cluster.registerNode("contested", 60_000)),
        );
        assert.equal(leases.filter((l) => l !== null).length, 1);
      });

      it("renewNode extends the lease of its own epoch only", async () => {
        const { cluster } = await make("node-a");
        const lease = await cluster.registerNode("node-a", 1_000);
        assert.ok(lease);
        const renewed = await cluster.renewNode("node-a", lease.epoch, 60_000);
        assert.ok(renewed);
        assert.equal(renewed.epoch, lease.epoch);
        assert.equal(renewed.nodeId, "node-a");
        assert.ok(renewed.expiresAt > lease.expiresAt);
        assert.equal(await cluster.renewNode("node-a", lease.epoch + 1_000, 60_000), null, "another epoch");
        assert.equal(await cluster.renewNode("node-z", lease.epoch, 60_000), null, "another node");
      });

      it("releaseNode ends its epoch's lease at once, is idempotent, and leaves other epochs alone", async () => {
        const { cluster } = await make("node-a");
        const lease = await cluster.registerNode("node-a", 60_000);
        assert.ok(lease);
        await cluster.releaseNode("node-a", lease.epoch);
        await cluster.releaseNode("node-a", lease.epoch);
        assert.equal(await cluster.renewNode("node-a", lease.epoch, 60_000), null);
        const next = await cluster.registerNode("node-a", 60_000);
        assert.ok(next, "a released id may be registered at once");
        await cluster.releaseNode("node-a", lease.epoch);
        assert.ok(await cluster.renewNode("node-a", next.epoch, 60_000), "releasing an old epoch ends nothing");
      });

      it("a lease that runs out is fenced: its epoch cannot renew, and another node may take the id", async () => {
        const a = await make("node-a");
        const b = await join("node-b");
        const lease = await a.cluster.registerNode("node-a", SHORT_TTL);
        assert.ok(lease);
        await until("the lease ran out", async () => (await b.cluster.clockNow()) > lease.expiresAt);
        assert.equal(await a.cluster.renewNode("node-a", lease.epoch, 60_000), null);
        const taken = await b.cluster.registerNode("node-a", 60_000);
        assert.ok(taken);
        assert.notEqual(taken.epoch, lease.epoch);
        assert.equal(await a.cluster.renewNode("node-a", lease.epoch, 60_000), null);
      });
    });

    describe("dead nodes' sessions", () => {
      const server = (node: string): Binding => ({ kind: "server", node });
      const connection = (node: string, id: string): Binding => ({ kind: "connection", node, connection: id });

      it("takeSessionsOfDeadNodes takes, whole and once, only the bound sessions of nodes without a live lease", async () => {
        const { store, cluster } = await make("node-a");
        await cluster.registerNode("live", LONG_TTL);
        const dead = await cluster.registerNode("dead", LONG_TTL);
        assert.ok(dead);
        const bindings: Record<number, Binding | null> = {
          1: server("live"),
          2: connection("live", "c1"),
          3: server("dead"),
          4: connection("dead", "c1"),
          5: connection("dead", "c2"),
          6: null,
          // A node whose id begins with another's is another node.
          7: connection("dead-not", "c1"),
        };
        await cluster.registerNode("dead-not", LONG_TTL);
        for (const [n, binding] of Object.entries(bindings)) await store.insertSession(session(Number(n), { binding }));
        await cluster.releaseNode("dead", dead.epoch);

        const taken = await cluster.takeSessionsOfDeadNodes(100);
        assert.deepEqual(numbers(taken), [3, 4, 5]);
        assert.deepEqual(
          taken.find((s) => s.number === 4),
          session(4, { binding: bindings[4] ?? null }),
        );
        assert.deepEqual(await cluster.takeSessionsOfDeadNodes(100), []);
        assert.deepEqual(numbers((await store.listSessions({}, null, 100)).sessions), [1, 2, 6, 7]);
      });

      it("takeSessionsOfDeadNodes returns at most limit sessions, the rest later", async () => {
        const { store, cluster } = await make("node-a");
        const lease = await cluster.registerNode("dead", LONG_TTL);
        assert.ok(lease);
        for (let n = 1; n <= 5; n++) await store.insertSession(session(n, { binding: connection("dead", `c${n}`) }));
        await cluster.releaseNode("dead", lease.epoch);
        const counts = [];
        for (let i = 0; i < 4; i++) counts.push((await cluster.takeSessionsOfDeadNodes(2)).length);
        assert.deepEqual(counts, [2, 2, 1, 0]);
      });

      it("takeSessionsOfDeadNodes takes the sessions of a node whose lease ran out", async () => {
        const { store, cluster } = await make("node-a");
        const registered = await cluster.registerNode("short", LONG_TTL);
        assert.ok(registered);
        await store.insertSession(session(1, { binding: server("short") }));
        assert.deepEqual(await cluster.takeSessionsOfDeadNodes(10), [], "not while the lease is live");
        // Renewed for a moment only, so that it runs out soon.
        const lease = await cluster.renewNode("short", registered.epoch, SHORT_TTL);
        assert.ok(lease);
        await until("the lease ran out", async () => (await cluster.clockNow()) > lease.expiresAt);
        assert.deepEqual(numbers(await cluster.takeSessionsOfDeadNodes(10)), [1]);
      });

      it("two nodes reaping at once take each dead session exactly once", async () => {
        const a = await make("node-a");
        const b = await join("node-b");
        const leases = [
          await a.cluster.registerNode("dead-1", LONG_TTL),
          await a.cluster.registerNode("dead-2", LONG_TTL),
        ];
        for (let n = 1; n <= 40; n++) {
          await a.store.insertSession(session(n, { binding: connection(n % 2 ? "dead-1" : "dead-2", `c${n}`) }));
        }
        await a.store.insertSession(session(41));
        for (const lease of leases) if (lease) await a.cluster.releaseNode(lease.nodeId, lease.epoch);

        const reap = async (cluster: ClusterStore) => {
          const taken: number[] = [];
          for (;;) {
            const batch = await cluster.takeSessionsOfDeadNodes(3);
            if (batch.length === 0) return taken;
            taken.push(...batch.map((s) => s.number));
          }
        };
        // Three reapers, two of them on one node: each session to exactly one of them.
        const taken = (await Promise.all([reap(a.cluster), reap(b.cluster), reap(a.cluster)])).flat();
        assert.equal(new Set(taken).size, taken.length, "no session taken twice");
        assert.deepEqual(
          taken.sort((x, y) => x - y),
          Array.from({ length: 40 }, (_, i) => i + 1),
        );
        assert.equal(await a.store.countSessions({}), 1);
      });
    });

    describe("fencing", () => {
      it("a session bound to a node is inserted only while that node holds a live lease", async () => {
        const { store, cluster } = await make("node-a");
        const bound = session(1, { binding: { kind: "connection", node: "ghost", connection: "c1" } });
        await rejectsFenced(store.insertSession(bound));
        assert.equal(await store.getSessionByKey(bound.key), null, "nothing inserted");

        const lease = await cluster.registerNode("ghost", LONG_TTL);
        assert.ok(lease);
        await store.insertSession(bound);
        assert.deepEqual(await store.getSessionByKey(bound.key), bound);

        await cluster.releaseNode("ghost", lease.epoch);
        await rejectsFenced(store.insertSession(session(2, { binding: { kind: "server", node: "ghost" } })));
        await store.insertSession(session(3));
        assert.deepEqual(numbers((await store.listSessions({}, null, 10)).sessions), [1, 3]);
      });

      it("a fenced capped insert changes nothing: no session, no eviction", async () => {
        const { store } = await make("node-a");
        const older = session(1, { realm: "r", userName: "alice", loginAt: 1_000 });
        await store.insertSession(older);
        const bound = session(2, { realm: "r", userName: "alice", binding: { kind: "server", node: "ghost" } });
        await rejectsFenced(store.insertSessionCapped(bound, { max: 1, policy: "evict-oldest" }));
        assert.deepEqual(await store.getSessionByKey(older.key), older);
        assert.equal(await store.getSessionByKey(bound.key), null);
      });

      it("a lease that runs out fences the node's bound inserts", async () => {
        const { store, cluster } = await make("node-a");
        const registered = await cluster.registerNode("node-a", LONG_TTL);
        assert.ok(registered);
        await store.insertSession(session(1, { binding: { kind: "server", node: "node-a" } }));
        const lease = await cluster.renewNode("node-a", registered.epoch, SHORT_TTL);
        assert.ok(lease);
        await until("the lease ran out", async () => (await cluster.clockNow()) > lease.expiresAt);
        await rejectsFenced(store.insertSession(session(2, { binding: { kind: "server", node: "node-a" } })));
      });
    });

    describe("hints", () => {
      const hint = (n: number): StoreHint => ({ kind: "event", event: event(n) });

      it("publish reaches every subscriber, the publisher's own included, with from, in the order sent", async () => {
        const a = await make("node-a");
        const b = await join("node-b");
        const atA = listenTo(a.cluster);
        const atB = listenTo(b.cluster);
        await untilListening(a.cluster, [atA, atB]);

        for (let n = 1; n <= 3; n++) await a.cluster.publish(hint(n));
        await b.cluster.publish({ kind: "directory-changed" });
        const expected: ClusterMessage[] = [
          { kind: "hint", from: "node-a", hint: hint(1) },
          { kind: "hint", from: "node-a", hint: hint(2) },
          { kind: "hint", from: "node-a", hint: hint(3) },
          { kind: "hint", from: "node-b", hint: { kind: "directory-changed" } },
        ];
        await until("both heard four hints", () => atA.heard.length >= 4 && atB.heard.length >= 4);
        assert.deepEqual(atA.heard, expected);
        assert.deepEqual(atB.heard, expected);
      });

      it("a subscriber that stopped listening hears nothing more; the others still do", async () => {
        const a = await make("node-a");
        const first = listenTo(a.cluster);
        const second = listenTo(a.cluster);
        await untilListening(a.cluster, [first, second]);
        first.stop();
        await a.cluster.publish(hint(1));
        await until("the other subscriber heard it", () => second.heard.length === 1);
        await sleep(50);
        assert.deepEqual(first.heard, []);
      });

      it("after the listening connection is lost, subscribers are told reconnected, and hints flow again", async () => {
        const a = await make("node-a");
        const b = await join("node-b");
        const atA = listenTo(a.cluster);
        await untilListening(b.cluster, [atA]);

        await harness.breakListener(a.store);
        await until("node-a heard reconnected", () => atA.heard.some((m) => m.kind === "reconnected"));
        await b.cluster.publish(hint(7));
        await until("node-a heard the hint", () => hintsOf(atA.heard).length > 0);
        assert.deepEqual(hintsOf(atA.heard), [{ kind: "hint", from: "node-b", hint: hint(7) }]);
      });
    });

    describe("session notices and pings", () => {
      /** The keys announced in what a subscription heard, in order. */
      const announced = (heard: readonly ClusterMessage[]) =>
        heard.flatMap((m) => (m.kind === "sessions-changed" ? m.keys : []));
      const key = (n: number) => session(n).key;

      /**
       * Pings from `cluster` until `listener` hears one back: everything committed before that ping has
       * been heard by then. (Pinged again while unheard: a new subscription listens a little later.)
       */
      async function pingedBack(cluster: ClusterStore, listener: { heard: ClusterMessage[] }, seq: number) {
        const heardPing = () => listener.heard.some((m) => m.kind === "ping" && m.seq === seq);
        await until(`ping ${seq} came back`, async () => {
          await cluster.ping(seq);
          await sleep(20);
          return heardPing();
        });
      }

      /** `pingedBack`, then forgets what was heard: what follows is what the test does next. */
      async function settled(cluster: ClusterStore, listener: { heard: ClusterMessage[] }, seq: number) {
        await pingedBack(cluster, listener, seq);
        listener.heard.length = 0;
      }

      it("a ping reaches every subscriber with its node and number, after every notice committed before it", async () => {
        const a = await make("node-a");
        const b = await join("node-b");
        const atA = listenTo(a.cluster);
        const atB = listenTo(b.cluster);
        await settled(a.cluster, atA, 1);
        await settled(a.cluster, atB, 2);
        await a.store.insertSession(session(1));
        await a.store.updateSession(key(1), { locale: "de_DE" });
        await a.cluster.ping(3);
        const expected: ClusterMessage[] = [
          { kind: "sessions-changed", keys: [key(1)] },
          { kind: "ping", from: "node-a", seq: 3 },
        ];
        // Late repeats of the pings that waited for the subscriptions may still arrive: not what is checked.
        const checked = (heard: readonly ClusterMessage[]) =>
          heard.filter((m) => m.kind === "sessions-changed" || (m.kind === "ping" && m.seq === 3));
        await until("both heard the ping", () => checked(atA.heard).length >= 2 && checked(atB.heard).length >= 2);
        assert.deepEqual(checked(atA.heard), expected);
        assert.deepEqual(checked(atB.heard), expected);
      });

      it("every change or deletion of a session row is announced with its key, once committed", async () => {
        const a = await make("node-a");
        const b = await join("node-b");
        const atB = listenTo(b.cluster);
        await settled(a.cluster, atB, 1);
        await a.cluster.registerNode("dead", LONG_TTL);
        const dead = await a.cluster.registerNode("gone", LONG_TTL);
        assert.ok(dead);
        const bound = (node: string, connection: string): Binding => ({ kind: "connection", node, connection });
        for (let n = 1; n <= 8; n++) {
          const binding = n === 6 ? bound("dead", "c1") : n === 7 ? bound("gone", "c1") : null;
          await a.store.insertSession(session(n, { userName: n === 4 || n === 8 ? "capped" : `user${n}`, binding }));
        }
        await a.store.applyActivity([{ key: key(1), lastActiveAt: 9_000, calls: 2, userActiveAt: 9_000 }]);
        await settled(a.cluster, atB, 2);
        assert.deepEqual(announced(atB.heard), [], "neither an insert nor activity is announced");

        await a.store.updateSession(key(1), { locale: "de_DE" });
        await a.store.updateSession(key(99), { locale: "de_DE" });
        await a.store.takeSession(key(2));
        await a.store.takeSession(key(99));
        const login = await a.store.updateSessionCapped(
          key(3),
          { userName: "capped", loginAt: 3_000 },
          {
            max: 2,
            policy: "evict-oldest",
          },
        );
        assert.deepEqual(numbers(login.evicted), [4]);
        assert.deepEqual(numbers(await a.store.takeSessionsByBinding("connection:dead/")), [6]);
        await a.cluster.releaseNode("gone", dead.epoch);
        assert.deepEqual(numbers(await a.cluster.takeSessionsOfDeadNodes(100)), [7]);
        await a.store.insertSession(session(9, { expiresAt: 2_500 }));
        assert.deepEqual(numbers(await a.store.takeExpiredSessions(3_000, 100)), [9]);
        await pingedBack(a.cluster, atB, 3);
        // Changes that matched no row (99) announce nothing; the capped login announces its session and
        // the one it evicted.
        assert.deepEqual(
          [...announced(atB.heard)].sort(),
          [key(1), key(2), key(3), key(4), key(6), key(7), key(9)].sort(),
        );
      });

      it("a change of many rows announces every key, once", async () => {
        const a = await make("node-a");
        const atA = listenTo(a.cluster);
        await settled(a.cluster, atA, 1);
        const many = 450;
        await a.cluster.registerNode("bulk", LONG_TTL);
        for (let n = 1; n <= many; n++) {
          await a.store.insertSession(session(n, { binding: { kind: "server", node: "bulk" } }));
        }
        assert.equal((await a.store.takeSessionsByBinding("server:bulk/")).length, many);
        await pingedBack(a.cluster, atA, 2);
        const keys = announced(atA.heard);
        assert.equal(keys.length, many);
        assert.equal(new Set(keys).size, many);
      });
    });
  });
}
