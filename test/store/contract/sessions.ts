/**
 * The store contract suite, part one: sessions and their attributes (`SessionStore`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { bindingPrefix, bindingToText } from "../../../src/core/binding.ts";
import type { SessionFilter, SessionPage, SessionStore } from "../../../src/core/store/index.ts";
import type { Binding, SessionRecord } from "../../../src/core/types.ts";
import { type Closable, type ContractOptions, numbers, ROOMY, rejectsWith, session } from "./fixtures.ts";

export function sessionStoreContract(
  name: string,
  make: () => Promise<SessionStore & Closable>,
  options: ContractOptions = {},
): void {
  describe(`Store contract, sessions and attributes: ${name}`, { skip: options.skip }, () => {
    let store: SessionStore & Closable;

    beforeEach(async () => {
      store = await make();
    });

    afterEach(async () => {
      await store.close();
    });

    describe("sessions", () => {
      it("getSessionByDigest, getSessionByKey and getSessionByNumber return null for an unknown session", async () => {
        assert.equal(await store.getSessionByDigest("f".repeat(64)), null);
        assert.equal(await store.getSessionByKey(session(1).key), null);
        assert.equal(await store.getSessionByNumber(1), null);
      });

      it("a session with every field set round-trips exactly by digest, key and number", async () => {
        const record = session(7, {
          impersonatedBy: "root",
          userActiveAt: 1_900,
          idleTimeoutMs: 60_000,
          idleTimeoutChosen: true,
          expiresAt: 90_000,
          protocol: "agent",
          binding: { kind: "connection", node: "node-a", connection: "42" },
        });
        await store.insertSession(record);
        assert.deepEqual(await store.getSessionByDigest(record.secretDigest), record);
        assert.deepEqual(await store.getSessionByKey(record.key), record);
        assert.deepEqual(await store.getSessionByNumber(record.number), record);
      });

      it("a session with null fields, an empty client and a server binding round-trips exactly", async () => {
        const anonymous = session(8, {
          userName: null,
          loginAt: null,
          callCount: 0,
          client: {},
          protocol: "astrogrid",
          binding: { kind: "server", node: "node-a" },
        });
        const partialClient = session(9, { client: { ipAddress: "::1" } });
        await store.insertSession(anonymous);
        await store.insertSession(partialClient);
        assert.deepEqual(await store.getSessionByKey(anonymous.key), anonymous);
        assert.deepEqual(await store.getSessionByKey(partialClient.key), partialClient);
      });

      it("getSessionsByKeys returns the sessions that exist, once each, and leaves out absent keys", async () => {
        await store.insertSession(session(1));
        await store.insertSession(session(2));
        assert.deepEqual(await store.getSessionsByKeys([]), []);
        const found = await store.getSessionsByKeys([session(2).key, session(9).key, session(1).key, session(2).key]);
        assert.deepEqual(
          found.sort((a, b) => a.number - b.number),
          [session(1), session(2)],
        );
      });

      it("insertSession rejects a duplicate key with ALREADY_EXISTS and keeps the original", async () => {
        const original = session(1);
        await store.insertSession(original);
        await rejectsWith(store.insertSession(session(2, { key: original.key })), "ALREADY_EXISTS");
        assert.deepEqual(await store.getSessionByKey(original.key), original);
        assert.equal(await store.getSessionByNumber(2), null);
        assert.equal(await store.countSessions({}), 1);
      });

      it("insertSession rejects a duplicate number with ALREADY_EXISTS", async () => {
        await store.insertSession(session(1));
        await rejectsWith(store.insertSession(session(2, { number: 1 })), "ALREADY_EXISTS");
        assert.equal(await store.getSessionByKey(session(2).key), null);
        assert.equal(await store.countSessions({}), 1);
      });

      it("insertSession rejects a duplicate secret digest with ALREADY_EXISTS", async () => {
        await store.insertSession(session(1));
        await rejectsWith(store.insertSession(session(2, { secretDigest: session(1).secretDigest })), "ALREADY_EXISTS");
        assert.equal(await store.getSessionByKey(session(2).key), null);
        assert.deepEqual(await store.getSessionByDigest(session(1).secretDigest), session(1));
      });

      it("nextSessionNumber is strictly increasing, also for concurrent callers", async () => {
        const sequential: number[] = [];
        for (let i = 0; i < 5; i++) sequential.push(await store.nextSessionNumber());
        for (let i = 1; i < sequential.length; i++) {
          assert.ok((sequential[i] as number) > (sequential[i - 1] as number), `${sequential}`);
        }
        const concurrent = await Promise.all(Array.from({ length: 10 }, () => store.nextSessionNumber()));
        assert.equal(new Set(concurrent).size, concurrent.length);
        assert.ok(Math.min(...concurrent) > Math.max(...sequential));
      });

      it("reserveSessionNumbers makes later numbers greater, and never moves the counter back", async () => {
        const first = await store.nextSessionNumber();
        await store.reserveSessionNumbers(first + 1000);
        const next = await store.nextSessionNumber();
        assert.ok(next > first + 1000, `${next} after reserving ${first + 1000}`);
        await store.reserveSessionNumbers(5);
        assert.ok((await store.nextSessionNumber()) > next, "a smaller reservation changes nothing");
      });

      it("nextSessionNumber never goes back after sessions are deleted", async () => {
        const a = await store.nextSessionNumber();
        const b = await store.nextSessionNumber();
        await store.insertSession(session(a));
        await store.insertSession(session(b));
        await store.takeSession(session(b).key);
        await store.takeSession(session(a).key);
        assert.ok((await store.nextSessionNumber()) > b);
      });

      it("updateSession changes only the given fields and returns the updated record", async () => {
        const original = session(1, { userName: null, loginAt: null, expiresAt: 50_000, idleTimeoutMs: 1_000 });
        await store.insertSession(original);
        const updated = await store.updateSession(original.key, {
          userName: "alice",
          impersonatedBy: "root",
          loginAt: 2_500,
          locale: "de_DE",
          messageLocale: "de",
        });
        const expected = {
          ...original,
          userName: "alice",
          impersonatedBy: "root",
          loginAt: 2_500,
          locale: "de_DE",
          messageLocale: "de",
        };
        assert.deepEqual(updated, expected);
        assert.deepEqual(await store.getSessionByKey(original.key), expected);
      });

      it("updateSession with an empty patch returns the record unchanged", async () => {
        await store.insertSession(session(1));
        assert.deepEqual(await store.updateSession(session(1).key, {}), session(1));
      });

      it("updateSession sets fields to null when given null", async () => {
        await store.insertSession(session(1, { impersonatedBy: "root", expiresAt: 50_000 }));
        const updated = await store.updateSession(session(1).key, {
          userName: null,
          impersonatedBy: null,
          loginAt: null,
          expiresAt: null,
        });
        const expected = session(1, { userName: null, impersonatedBy: null, loginAt: null, expiresAt: null });
        assert.deepEqual(updated, expected);
        assert.deepEqual(await store.getSessionByKey(session(1).key), expected);
      });

      it("updateSession with a new secret digest files the session under it; the old one finds nothing", async () => {
        await store.insertSession(session(1));
        await store.insertSession(session(2));
        const rotated = "f".repeat(64);
        const updated = await store.updateSession(session(1).key, { secretDigest: rotated, userName: "alice" });
        assert.deepEqual(updated, session(1, { secretDigest: rotated, userName: "alice" }));
        assert.equal(await store.getSessionByDigest(session(1).secretDigest), null);
        assert.deepEqual(await store.getSessionByDigest(rotated), updated);
        assert.deepEqual(await store.getSessionByDigest(session(2).secretDigest), session(2));
        await store.takeSession(session(1).key);
        assert.equal(await store.getSessionByDigest(rotated), null, "a rotated session is deleted by its new digest");
      });

      it("updateSession of an absent session returns null and never creates it", async () => {
        assert.equal(await store.updateSession(session(1).key, { userName: "alice" }), null);
        assert.equal(await store.getSessionByKey(session(1).key), null);
        await store.insertSession(session(2));
        await store.takeSession(session(2).key);
        assert.equal(await store.updateSession(session(2).key, { locale: "de" }), null);
        assert.equal(await store.getSessionByKey(session(2).key), null);
        assert.equal(await store.countSessions({}), 0);
      });

      it("applyActivity keeps the later lastActiveAt and adds calls", async () => {
        await store.insertSession(session(1, { lastActiveAt: 2_000, callCount: 3 }));
        await store.applyActivity([{ key: session(1).key, lastActiveAt: 3_000, calls: 4, userActiveAt: null }]);
        let got = await store.getSessionByKey(session(1).key);
        assert.equal(got?.lastActiveAt, 3_000);
        assert.equal(got?.callCount, 7);
        // An older timestamp (a slow node's flush) never moves lastActiveAt back, but its calls count.
        await store.applyActivity([{ key: session(1).key, lastActiveAt: 2_500, calls: 1, userActiveAt: null }]);
        got = await store.getSessionByKey(session(1).key);
        assert.equal(got?.lastActiveAt, 3_000);
        assert.equal(got?.callCount, 8);
        assert.deepEqual(got, session(1, { lastActiveAt: 3_000, callCount: 8 }));
      });

      it("applyActivity sets userActiveAt when given and keeps it when null", async () => {
        await store.insertSession(session(1));
        await store.applyActivity([{ key: session(1).key, lastActiveAt: 2_100, calls: 1, userActiveAt: 2_100 }]);
        assert.equal((await store.getSessionByKey(session(1).key))?.userActiveAt, 2_100);
        await store.applyActivity([{ key: session(1).key, lastActiveAt: 2_200, calls: 1, userActiveAt: null }]);
        assert.equal((await store.getSessionByKey(session(1).key))?.userActiveAt, 2_100);
      });

      it("applyActivity applies several deltas, including two for one session", async () => {
        await store.insertSession(session(1));
        await store.insertSession(session(2));
        await store.applyActivity([
          { key: session(1).key, lastActiveAt: 4_000, calls: 2, userActiveAt: null },
          { key: session(2).key, lastActiveAt: 5_000, calls: 5, userActiveAt: 5_000 },
          { key: session(1).key, lastActiveAt: 3_500, calls: 1, userActiveAt: null },
        ]);
        assert.deepEqual(
          await store.getSessionByKey(session(1).key),
          session(1, { lastActiveAt: 4_000, callCount: 6 }),
        );
        assert.deepEqual(
          await store.getSessionByKey(session(2).key),
          session(2, { lastActiveAt: 5_000, callCount: 8, userActiveAt: 5_000 }),
        );
      });

      it("applyActivity ignores deltas of absent sessions and still applies the others", async () => {
        await store.insertSession(session(1));
        await store.insertSession(session(2));
        await store.takeSession(session(2).key);
        await store.applyActivity([
          { key: session(2).key, lastActiveAt: 9_000, calls: 1, userActiveAt: null },
          { key: session(3).key, lastActiveAt: 9_000, calls: 1, userActiveAt: null },
          { key: session(1).key, lastActiveAt: 9_000, calls: 1, userActiveAt: null },
        ]);
        assert.equal(await store.getSessionByKey(session(2).key), null);
        assert.equal(await store.getSessionByKey(session(3).key), null);
        assert.equal((await store.getSessionByKey(session(1).key))?.lastActiveAt, 9_000);
        assert.equal(await store.countSessions({}), 1);
      });

      it("applyActivity with no deltas changes nothing", async () => {
        await store.insertSession(session(1));
        await store.applyActivity([]);
        assert.deepEqual(await store.getSessionByKey(session(1).key), session(1));
      });

      it("takeSession returns the record once, then null", async () => {
        const record = session(1, { binding: { kind: "server", node: "n" } });
        await store.insertSession(record);
        assert.deepEqual(await store.takeSession(record.key), record);
        assert.equal(await store.takeSession(record.key), null);
        assert.equal(await store.getSessionByKey(record.key), null);
        assert.equal(await store.getSessionByDigest(record.secretDigest), null);
        assert.equal(await store.getSessionByNumber(record.number), null);
      });

      it("takeSession of an unknown key returns null", async () => {
        assert.equal(await store.takeSession(session(1).key), null);
      });

      it("takeSession gives the record to exactly one of several concurrent callers", async () => {
        await store.insertSession(session(1));
        const results = await Promise.all(Array.from({ length: 5 }, () => store.takeSession(session(1).key)));
        assert.equal(results.filter((r) => r !== null).length, 1);
      });

      it("takeSession deletes the session's attributes too", async () => {
        await store.insertSession(session(1));
        assert.equal(await store.putAttributes(session(1).key, [["a", "1"]], ROOMY), "ok");
        assert.equal(await store.putAttributes(session(1).key, [["b", "2"]], ROOMY), "ok");
        await store.takeSession(session(1).key);
        assert.equal(await store.getAttribute(session(1).key, "a"), null);
        assert.deepEqual(await store.listAttributes(session(1).key), {});
        // A new session with the same key starts with no attributes.
        await store.insertSession(session(1));
        assert.deepEqual(await store.listAttributes(session(1).key), {});
      });
    });

    describe("expiry", () => {
      it("takeExpiredSessions takes a session once its idle deadline lastActiveAt + idleTimeoutMs is reached", async () => {
        const record = session(1, { lastActiveAt: 10_000, idleTimeoutMs: 1_000 });
        await store.insertSession(record);
        assert.deepEqual(await store.takeExpiredSessions(10_999, 100), []);
        assert.deepEqual(await store.takeExpiredSessions(11_000, 100), [record]);
        assert.equal(await store.getSessionByKey(record.key), null);
        assert.deepEqual(await store.takeExpiredSessions(20_000, 100), []);
      });

      it("takeExpiredSessions takes a session once its absolute deadline expiresAt is reached", async () => {
        const record = session(1, { lastActiveAt: 10_000, expiresAt: 20_000 });
        await store.insertSession(record);
        assert.deepEqual(await store.takeExpiredSessions(19_999, 100), []);
        assert.deepEqual(await store.takeExpiredSessions(20_000, 100), [record]);
      });

      it("takeExpiredSessions uses the earlier of the idle and absolute deadlines", async () => {
        const idleFirst = session(1, { lastActiveAt: 10_000, idleTimeoutMs: 1_000, expiresAt: 50_000 });
        const absoluteFirst = session(2, { lastActiveAt: 10_000, idleTimeoutMs: 60_000, expiresAt: 12_000 });
        await store.insertSession(idleFirst);
        await store.insertSession(absoluteFirst);
        assert.deepEqual(await store.takeExpiredSessions(11_000, 100), [idleFirst]);
        assert.deepEqual(await store.takeExpiredSessions(12_000, 100), [absoluteFirst]);
      });

      it("takeExpiredSessions keeps sessions with neither an idle timeout nor an absolute deadline", async () => {
        const permanent = session(1, { idleTimeoutMs: null, expiresAt: null, lastActiveAt: 0 });
        const bound = session(2, {
          idleTimeoutMs: null,
          expiresAt: null,
          binding: { kind: "connection", node: "n", connection: "1" },
        });
        await store.insertSession(permanent);
        await store.insertSession(bound);
        assert.deepEqual(await store.takeExpiredSessions(Number.MAX_SAFE_INTEGER, 100), []);
        assert.equal(await store.countSessions({}), 2);
      });

      it("takeExpiredSessions leaves sessions whose deadline is still ahead", async () => {
        await store.insertSession(session(1, { lastActiveAt: 10_000, idleTimeoutMs: 1_000 }));
        await store.insertSession(session(2, { lastActiveAt: 10_000, idleTimeoutMs: 5_000 }));
        await store.insertSession(session(3, { expiresAt: 30_000 }));
        assert.deepEqual(numbers(await store.takeExpiredSessions(15_000, 100)), [1, 2]);
        assert.deepEqual(await store.getSessionByNumber(3), session(3, { expiresAt: 30_000 }));
      });

      it("applyActivity moves the idle deadline later", async () => {
        await store.insertSession(session(1, { lastActiveAt: 10_000, idleTimeoutMs: 1_000 }));
        await store.applyActivity([{ key: session(1).key, lastActiveAt: 15_000, calls: 1, userActiveAt: null }]);
        assert.deepEqual(await store.takeExpiredSessions(11_000, 100), []);
        assert.deepEqual(await store.takeExpiredSessions(15_999, 100), []);
        assert.deepEqual(numbers(await store.takeExpiredSessions(16_000, 100)), [1]);
      });

      it("updateSession of expiresAt moves or removes the absolute deadline", async () => {
        await store.insertSession(session(1, { expiresAt: 20_000 }));
        await store.insertSession(session(2, { expiresAt: 20_000 }));
        await store.updateSession(session(1).key, { expiresAt: 40_000 });
        await store.updateSession(session(2).key, { expiresAt: null });
        assert.deepEqual(await store.takeExpiredSessions(20_000, 100), []);
        assert.deepEqual(numbers(await store.takeExpiredSessions(40_000, 100)), [1]);
        assert.deepEqual(await store.takeExpiredSessions(Number.MAX_SAFE_INTEGER, 100), []);
        await store.updateSession(session(2).key, { expiresAt: 30_000 });
        assert.deepEqual(numbers(await store.takeExpiredSessions(30_000, 100)), [2]);
      });

      it("takeExpiredSessions with a grace takes an idle session only once idleGraceMs has passed too", async () => {
        const grace = { toleranceCapMs: 60_000, flushMs: 1_000 };
        // Idle 60 s: tolerance 3 s, grace 4 s. Idle 1800 s: tolerance 60 s (cut), grace 61 s. Idle 10 s:
        // tolerance 1 s (the flush interval), grace 2 s.
        await store.insertSession(session(1, { lastActiveAt: 10_000, idleTimeoutMs: 60_000 }));
        await store.insertSession(session(2, { lastActiveAt: 10_000, idleTimeoutMs: 1_800_000 }));
        await store.insertSession(session(3, { lastActiveAt: 10_000, idleTimeoutMs: 10_000 }));
        // The absolute deadline has no grace.
        await store.insertSession(session(4, { lastActiveAt: 10_000, idleTimeoutMs: 60_000, expiresAt: 30_000 }));
        assert.deepEqual(await store.takeExpiredSessions(21_999, 100, grace), []);
        assert.deepEqual(numbers(await store.takeExpiredSessions(22_000, 100, grace)), [3]);
        assert.deepEqual(numbers(await store.takeExpiredSessions(30_000, 100, grace)), [4]);
        assert.deepEqual(await store.takeExpiredSessions(73_999, 100, grace), []);
        assert.deepEqual(numbers(await store.takeExpiredSessions(74_000, 100, grace)), [1]);
        assert.deepEqual(await store.takeExpiredSessions(1_870_999, 100, grace), []);
        assert.deepEqual(numbers(await store.takeExpiredSessions(1_871_000, 100, grace)), [2]);
      });

      it("takeExpiredSessions with a grace still returns at most limit sessions, the rest later", async () => {
        const grace = { toleranceCapMs: 60_000, flushMs: 1_000 };
        for (let n = 1; n <= 7; n++) {
          await store.insertSession(session(n, { lastActiveAt: 10_000 + n, idleTimeoutMs: 60_000 }));
        }
        // Within their grace, they are skipped without being taken, however many there are.
        assert.deepEqual(await store.takeExpiredSessions(72_000, 3, grace), []);
        const first = numbers(await store.takeExpiredSessions(80_000, 3, grace));
        const rest = numbers(await store.takeExpiredSessions(80_000, 100, grace));
        assert.equal(first.length, 3);
        assert.deepEqual(
          [...first, ...rest].sort((a, b) => a - b),
          [1, 2, 3, 4, 5, 6, 7],
        );
      });

      it("updateSession of idleTimeoutMs moves the idle deadline earlier or later, or removes it", async () => {
        await store.insertSession(session(1, { lastActiveAt: 10_000, idleTimeoutMs: 60_000 }));
        await store.insertSession(session(2, { lastActiveAt: 10_000, idleTimeoutMs: 1_000 }));
        await store.insertSession(session(3, { lastActiveAt: 10_000, idleTimeoutMs: 1_000 }));
        await store.updateSession(session(1).key, { idleTimeoutMs: 5_000 });
        await store.updateSession(session(2).key, { idleTimeoutMs: 20_000 });
        await store.updateSession(session(3).key, { idleTimeoutMs: null });
        assert.deepEqual(numbers(await store.takeExpiredSessions(15_000, 100)), [1]);
        assert.deepEqual(numbers(await store.takeExpiredSessions(30_000, 100)), [2]);
        assert.deepEqual(await store.takeExpiredSessions(Number.MAX_SAFE_INTEGER, 100), []);
      });

      it("updateSession of realm moves the session: filters and counts follow it", async () => {
        await store.insertSession(session(1, { realm: "one", userName: null }));
        await store.insertSession(session(2, { realm: "one", userName: null }));
        const moved = await store.updateSession(session(1).key, { realm: "two", userName: "carol" });
        assert.equal(moved?.realm, "two");
        assert.deepEqual(await store.getSessionByKey(session(1).key), moved);
        assert.equal(await store.countSessions({ realm: "one" }), 1);
        assert.equal(await store.countSessions({ realm: "two", userName: "carol" }), 1);
        assert.deepEqual(numbers((await store.listSessions({ realm: "two" }, null, 10)).sessions), [1]);
      });

      it("takeExpiredSessions returns at most limit sessions and the rest on later calls", async () => {
        for (let n = 1; n <= 5; n++) await store.insertSession(session(n, { expiresAt: 1_000 + n }));
        await store.insertSession(session(6, { expiresAt: 99_000 }));
        const first = await store.takeExpiredSessions(10_000, 2);
        const second = await store.takeExpiredSessions(10_000, 2);
        const third = await store.takeExpiredSessions(10_000, 2);
        const fourth = await store.takeExpiredSessions(10_000, 2);
        assert.equal(first.length, 2);
        assert.equal(second.length, 2);
        assert.equal(third.length, 1);
        assert.equal(fourth.length, 0);
        assert.deepEqual(numbers([...first, ...second, ...third]), [1, 2, 3, 4, 5]);
        assert.deepEqual(numbers((await store.listSessions({}, null, 100)).sessions), [6]);
      });

      it("takeExpiredSessions deletes the attributes of the sessions it takes", async () => {
        await store.insertSession(session(1, { expiresAt: 1_000 }));
        await store.insertSession(session(2));
        await store.putAttributes(session(1).key, [["x", "1"]], ROOMY);
        await store.putAttributes(session(2).key, [["x", "2"]], ROOMY);
        assert.deepEqual(numbers(await store.takeExpiredSessions(1_000, 10)), [1]);
        assert.deepEqual(await store.listAttributes(session(1).key), {});
        assert.deepEqual(await store.listAttributes(session(2).key), { x: "2" });
      });
    });

    describe("bindings", () => {
      const bindings: Record<number, Binding | null> = {
        1: { kind: "server", node: "n1" },
        2: { kind: "connection", node: "n1", connection: "c1" },
        3: { kind: "connection", node: "n1", connection: "c2" },
        4: { kind: "connection", node: "n2", connection: "c1" },
        5: null,
        6: { kind: "server", node: "n2" },
      };

      async function insertBound(): Promise<void> {
        for (const [n, binding] of Object.entries(bindings)) {
          await store.insertSession(session(Number(n), { binding }));
        }
      }

      it("takeSessionsByBinding with one connection's full text takes only that connection's sessions", async () => {
        await insertBound();
        const taken = await store.takeSessionsByBinding(bindingToText(bindings[2] ?? null) as string);
        assert.deepEqual(taken, [session(2, { binding: bindings[2] ?? null })]);
        assert.equal(await store.getSessionByNumber(2), null);
        assert.equal(await store.countSessions({}), 5);
      });

      it("takeSessionsByBinding with a node's connection prefix takes every connection of that node only", async () => {
        await insertBound();
        const taken = await store.takeSessionsByBinding(bindingPrefix("connection", "n1"));
        assert.deepEqual(numbers(taken), [2, 3]);
        assert.deepEqual(numbers((await store.listSessions({}, null, 100)).sessions), [1, 4, 5, 6]);
      });

      it("takeSessionsByBinding with a server prefix takes that node's server sessions and returns them whole", async () => {
        await insertBound();
        const taken = await store.takeSessionsByBinding(bindingPrefix("server", "n1"));
        assert.deepEqual(taken, [session(1, { binding: bindings[1] ?? null })]);
        assert.deepEqual(numbers((await store.listSessions({}, null, 100)).sessions), [2, 3, 4, 5, 6]);
      });

      it("takeSessionsByBinding returns an empty list when nothing matches and never takes unbound sessions", async () => {
        await insertBound();
        assert.deepEqual(await store.takeSessionsByBinding("connection:n9/"), []);
        assert.deepEqual(await store.takeSessionsByBinding("server:n9"), []);
        assert.equal(await store.countSessions({}), 6);
        assert.deepEqual(await store.getSessionByNumber(5), session(5));
      });

      it("takeSessionsByBinding treats % and _ in the prefix as plain characters", async () => {
        await store.insertSession(session(1, { binding: { kind: "connection", node: "a_b", connection: "1" } }));
        await store.insertSession(session(2, { binding: { kind: "connection", node: "axb", connection: "1" } }));
        await store.insertSession(session(3, { binding: { kind: "connection", node: "a%", connection: "1" } }));
        await store.insertSession(session(4, { binding: { kind: "connection", node: "aZZ", connection: "1" } }));
        assert.deepEqual(numbers(await store.takeSessionsByBinding("connection:a_b/")), [1]);
        assert.deepEqual(numbers(await store.takeSessionsByBinding("connection:a%")), [3]);
        assert.equal(await store.countSessions({}), 2);
      });

      it("takeSessionsByBinding deletes the attributes of the sessions it takes", async () => {
        await insertBound();
        await store.putAttributes(session(2).key, [["state", "x"]], ROOMY);
        await store.takeSessionsByBinding(bindingPrefix("connection", "n1", "c1"));
        assert.deepEqual(await store.listAttributes(session(2).key), {});
      });
    });

    describe("capped writes", () => {
      const deny = (max: number) => ({ max, policy: "deny" as const });
      const evict = (max: number) => ({ max, policy: "evict-oldest" as const });
      const alice = (n: number, overrides: Partial<SessionRecord> = {}) =>
        session(n, { realm: "r", userName: "alice", loginAt: 1_000 + n, ...overrides });

      it("insertSessionCapped under deny inserts up to the cap, then refuses and changes nothing", async () => {
        assert.deepEqual(await store.insertSessionCapped(alice(1), deny(2)), {
          session: alice(1),
          denied: false,
          evicted: [],
        });
        assert.equal((await store.insertSessionCapped(alice(2), deny(2))).denied, false);
        assert.deepEqual(await store.insertSessionCapped(alice(3), deny(2)), {
          session: null,
          denied: true,
          evicted: [],
        });
        assert.equal(await store.getSessionByKey(alice(3).key), null);
        assert.equal(await store.countSessions({ realm: "r", userName: "alice" }), 2);
      });

      it("insertSessionCapped counts only that user of that realm, never anonymous sessions", async () => {
        await store.insertSession(session(1, { realm: "r", userName: "bob" }));
        await store.insertSession(session(2, { realm: "other", userName: "alice" }));
        await store.insertSession(session(3, { realm: "r", userName: null }));
        assert.equal((await store.insertSessionCapped(alice(4), deny(1))).denied, false);
      });

      it("insertSessionCapped under evict-oldest deletes the oldest by login time, then number, with their attributes", async () => {
        await store.insertSession(alice(1, { loginAt: 5_000 }));
        await store.insertSession(alice(2, { loginAt: 2_000 }));
        await store.insertSession(alice(3, { loginAt: 2_000 }));
        assert.equal(await store.putAttributes(alice(2).key, [["k", "v"]], ROOMY), "ok");
        const written = await store.insertSessionCapped(alice(4, { loginAt: 9_000 }), evict(2));
        assert.equal(written.denied, false);
        assert.deepEqual(written.session, alice(4, { loginAt: 9_000 }));
        assert.deepEqual(numbers(written.evicted), [2, 3]);
        assert.deepEqual(written.evicted[0], alice(2, { loginAt: 2_000 }), "evicted records come back whole");
        assert.deepEqual(numbers((await store.listSessions({ realm: "r" }, null, 10)).sessions), [1, 4]);
        assert.deepEqual(await store.listAttributes(alice(2).key), {});
      });

      it("insertSessionCapped rejects a duplicate like insertSession and evicts nothing then", async () => {
        await store.insertSession(alice(1));
        await rejectsWith(store.insertSessionCapped(alice(1, { number: 2 }), evict(1)), "ALREADY_EXISTS");
        assert.ok(await store.getSessionByKey(alice(1).key), "nothing was evicted for a write that failed");
      });

      it("updateSessionCapped logs a session in under the cap; the session does not count against itself", async () => {
        await store.insertSession(alice(1));
        await store.insertSession(session(2, { realm: "r", userName: null }));
        const written = await store.updateSessionCapped(session(2).key, { userName: "alice", loginAt: 7_000 }, deny(2));
        assert.equal(written.denied, false);
        assert.equal(written.session?.userName, "alice");
        assert.equal(written.session?.loginAt, 7_000);
        // At the cap, the same session logging in again (a new user name) is counted once.
        const again = await store.updateSessionCapped(session(2).key, { userName: "alice" }, deny(2));
        assert.equal(again.denied, false);
      });

      it("updateSessionCapped under deny refuses at the cap and changes nothing", async () => {
        await store.insertSession(alice(1));
        await store.insertSession(session(2, { realm: "r", userName: null }));
        const written = await store.updateSessionCapped(session(2).key, { userName: "alice" }, deny(1));
        assert.deepEqual(written, { session: null, denied: true, evicted: [] });
        assert.equal((await store.getSessionByKey(session(2).key))?.userName, null);
      });

      it("updateSessionCapped counts the user of the realm the patch moves the session into", async () => {
        await store.insertSession(session(1, { realm: "two", userName: "carol" }));
        await store.insertSession(session(2, { realm: "one", userName: null }));
        const written = await store.updateSessionCapped(session(2).key, { realm: "two", userName: "carol" }, evict(1));
        assert.deepEqual(numbers(written.evicted), [1]);
        assert.equal(written.session?.realm, "two");
      });

      it("updateSessionCapped of an absent session answers null, not denied", async () => {
        assert.deepEqual(await store.updateSessionCapped(session(9).key, { userName: "alice" }, deny(1)), {
          session: null,
          denied: false,
          evicted: [],
        });
      });

      it("concurrent capped inserts under deny accept exactly the cap", async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.insertSessionCapped(alice(i + 1), deny(3))),
        );
        assert.equal(results.filter((r) => !r.denied).length, 3);
        assert.equal(await store.countSessions({ realm: "r", userName: "alice" }), 3);
      });

      it("concurrent capped inserts under evict-oldest never leave more than the cap", async () => {
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.insertSessionCapped(alice(i + 1), evict(3))));
        assert.equal(await store.countSessions({ realm: "r", userName: "alice" }), 3);
      });
    });

    describe("listing", () => {
      it("listSessions of an empty store returns no sessions and nextAfter null", async () => {
        assert.deepEqual(await store.listSessions({}, null, 10), { sessions: [], nextAfter: null });
        assert.equal(await store.countSessions({}), 0);
      });

      it("listSessions orders by ascending number whatever the insertion order", async () => {
        for (const n of [5, 2, 9, 1]) await store.insertSession(session(n));
        const page = await store.listSessions({}, null, 10);
        assert.deepEqual(page, { sessions: [session(1), session(2), session(5), session(9)], nextAfter: null });
      });

      it("listSessions pages with after and nextAfter through several pages", async () => {
        for (let n = 1; n <= 7; n++) await store.insertSession(session(n * 10));
        const first = await store.listSessions({}, null, 3);
        assert.deepEqual(numbers(first.sessions), [10, 20, 30]);
        assert.equal(first.nextAfter, 30);
        const second = await store.listSessions({}, first.nextAfter, 3);
        assert.deepEqual(numbers(second.sessions), [40, 50, 60]);
        assert.equal(second.nextAfter, 60);
        const third = await store.listSessions({}, second.nextAfter, 3);
        assert.deepEqual(third.sessions, [session(70)]);
        assert.equal(third.nextAfter, null);
      });

      it("listSessions gives nextAfter null when the last page is exactly full", async () => {
        for (let n = 1; n <= 4; n++) await store.insertSession(session(n));
        const first = await store.listSessions({}, null, 2);
        assert.equal(first.nextAfter, 2);
        const second = await store.listSessions({}, first.nextAfter, 2);
        assert.deepEqual(numbers(second.sessions), [3, 4]);
        assert.equal(second.nextAfter, null);
      });

      it("listSessions returns only numbers greater than after", async () => {
        for (let n = 1; n <= 5; n++) await store.insertSession(session(n));
        assert.deepEqual(numbers((await store.listSessions({}, 3, 10)).sessions), [4, 5]);
        assert.deepEqual(numbers((await store.listSessions({}, 2.5, 10)).sessions), [3, 4, 5]);
        assert.deepEqual(await store.listSessions({}, 5, 10), { sessions: [], nextAfter: null });
      });

      it("listSessions and countSessions filter by realm, userName and protocol, all given fields matching", async () => {
        await store.insertSession(session(1, { realm: "r1", userName: "alice", protocol: "api" }));
        await store.insertSession(session(2, { realm: "r1", userName: "bob", protocol: "vsphere" }));
        await store.insertSession(session(3, { realm: "r2", userName: "alice", protocol: "api" }));
        await store.insertSession(session(4, { realm: "r1", userName: null, protocol: "astrogrid" }));
        await store.insertSession(session(5, { realm: "r1", userName: "alice", protocol: "vsphere" }));
        const list = async (filter: SessionFilter) => numbers((await store.listSessions(filter, null, 100)).sessions);
        assert.deepEqual(await list({}), [1, 2, 3, 4, 5]);
        assert.deepEqual(await list({ realm: "r1" }), [1, 2, 4, 5]);
        assert.deepEqual(await list({ userName: "alice" }), [1, 3, 5]);
        assert.deepEqual(await list({ protocol: "vsphere" }), [2, 5]);
        assert.deepEqual(await list({ realm: "r1", userName: "alice" }), [1, 5]);
        assert.deepEqual(await list({ realm: "r1", userName: "alice", protocol: "api" }), [1]);
        assert.deepEqual(await list({ realm: "r3" }), []);
        assert.equal(await store.countSessions({}), 5);
        assert.equal(await store.countSessions({ realm: "r1" }), 4);
        assert.equal(await store.countSessions({ userName: "alice" }), 3);
        assert.equal(await store.countSessions({ protocol: "api" }), 2);
        assert.equal(await store.countSessions({ realm: "r1", userName: "alice", protocol: "vsphere" }), 1);
        assert.equal(await store.countSessions({ realm: "r3" }), 0);
      });

      it("listSessions pages through a filtered list without skipping or repeating", async () => {
        for (let n = 1; n <= 9; n++) {
          await store.insertSession(session(n, { userName: n % 2 === 0 ? "even" : "odd" }));
        }
        const seen: number[] = [];
        let after: number | null = null;
        let pages = 0;
        do {
          const page: SessionPage = await store.listSessions({ userName: "odd" }, after, 2);
          seen.push(...page.sessions.map((s) => s.number));
          after = page.nextAfter;
          pages++;
        } while (after !== null && pages < 10);
        assert.deepEqual(seen, [1, 3, 5, 7, 9]);
        assert.equal(pages, 3);
      });
    });

    // @see issue 15, part 3: the engine caps the anonymous sessions one address holds, on every node.
    describe("anonymous sessions by address", () => {
      const from = (ipAddress: string | undefined) =>
        ipAddress === undefined ? { name: "kom" } : { name: "kom", ipAddress };
      const anonymous = (n: number, ipAddress: string | undefined, overrides: Partial<SessionRecord> = {}) =>
        session(n, { userName: null, loginAt: null, client: from(ipAddress), ...overrides });

      it("countAnonymousSessions counts the address's anonymous sessions only", async () => {
        await store.insertSession(anonymous(1, "10.0.0.1"));
        await store.insertSession(anonymous(2, "10.0.0.1", { protocol: "httpkom", realm: "other" }));
        await store.insertSession(anonymous(3, "10.0.0.2"));
        await store.insertSession(anonymous(4, undefined));
        await store.insertSession(session(5, { client: from("10.0.0.1") }));
        assert.equal(await store.countAnonymousSessions("10.0.0.1", 0), 2);
        assert.equal(await store.countAnonymousSessions("10.0.0.2", 0), 1);
        assert.equal(await store.countAnonymousSessions("10.0.0.3", 0), 0);
        assert.equal(await store.countAnonymousSessions("10.0.0", 0), 0, "an address is matched whole");
      });

      it("countAnonymousSessions leaves out sessions whose idle or absolute deadline has passed", async () => {
        // lastActiveAt is 2_000 in the fixture: idle deadline 2_000 + idleTimeoutMs.
        await store.insertSession(anonymous(1, "::1", { idleTimeoutMs: 1_000 }));
        await store.insertSession(anonymous(2, "::1", { expiresAt: 5_000 }));
        await store.insertSession(anonymous(3, "::1", { idleTimeoutMs: 60_000, expiresAt: 4_000 }));
        await store.insertSession(anonymous(4, "::1"));
        assert.equal(await store.countAnonymousSessions("::1", 2_999), 4);
        assert.equal(await store.countAnonymousSessions("::1", 3_000), 3, "idle deadline 3_000 has passed");
        assert.equal(await store.countAnonymousSessions("::1", 4_000), 2, "absolute deadline 4_000 has passed");
        assert.equal(await store.countAnonymousSessions("::1", 10_000), 1, "only the session without deadlines");
        await store.applyActivity([{ key: session(1).key, lastActiveAt: 9_500, calls: 1, userActiveAt: null }]);
        assert.equal(await store.countAnonymousSessions("::1", 10_000), 2, "activity moves the idle deadline");
      });

      it("countAnonymousSessions follows logins, logouts and endings", async () => {
        await store.insertSession(anonymous(1, "10.0.0.1"));
        await store.insertSession(anonymous(2, "10.0.0.1"));
        await store.updateSession(session(1).key, { userName: "alice", loginAt: 2_500 });
        assert.equal(await store.countAnonymousSessions("10.0.0.1", 0), 1);
        await store.updateSessionCapped(session(2).key, { userName: "bob" }, { max: 5, policy: "deny" });
        assert.equal(await store.countAnonymousSessions("10.0.0.1", 0), 0);
        await store.updateSession(session(1).key, { userName: null, loginAt: null });
        assert.equal(await store.countAnonymousSessions("10.0.0.1", 0), 1);
        await store.takeSession(session(1).key);
        assert.equal(await store.countAnonymousSessions("10.0.0.1", 0), 0);
        await store.insertSession(anonymous(3, "10.0.0.1", { idleTimeoutMs: 1 }));
        await store.takeExpiredSessions(10_000, 10);
        assert.equal(await store.countAnonymousSessions("10.0.0.1", 0), 0);
      });
    });

    describe("attributes", () => {
      beforeEach(async () => {
        await store.insertSession(session(1));
        await store.insertSession(session(2));
      });
      const k1 = session(1).key;
      const k2 = session(2).key;

      it("getAttribute returns null for an absent attribute or an absent session", async () => {
        assert.equal(await store.getAttribute(k1, "missing"), null);
        assert.equal(await store.getAttribute(session(9).key, "missing"), null);
      });

      it("putAttributes stores a value that getAttribute returns, the empty string included", async () => {
        assert.equal(await store.putAttributes(k1, [["program", "state: 1\nünïcødé ✓"]], ROOMY), "ok");
        assert.equal(await store.putAttributes(k1, [["empty", ""]], ROOMY), "ok");
        assert.equal(await store.getAttribute(k1, "program"), "state: 1\nünïcødé ✓");
        assert.equal(await store.getAttribute(k1, "empty"), "");
      });

      it("putAttributes replaces an existing value", async () => {
        await store.putAttributes(k1, [["a", "old"]], ROOMY);
        assert.equal(await store.putAttributes(k1, [["a", "new"]], ROOMY), "ok");
        assert.equal(await store.getAttribute(k1, "a"), "new");
        assert.deepEqual(await store.listAttributes(k1), { a: "new" });
      });

      it("putAttributes on an absent session returns no-session and stores nothing", async () => {
        const k9 = session(9).key;
        assert.equal(await store.putAttributes(k9, [["a", "1"]], ROOMY), "no-session");
        assert.equal(await store.getAttribute(k9, "a"), null);
        await store.insertSession(session(9));
        assert.deepEqual(await store.listAttributes(k9), {});
      });

      it("deleteAttribute returns true when it deleted, false when there was nothing", async () => {
        await store.putAttributes(k1, [["a", "1"]], ROOMY);
        await store.putAttributes(k1, [["b", "2"]], ROOMY);
        assert.equal(await store.deleteAttribute(k1, "a"), true);
        assert.equal(await store.deleteAttribute(k1, "a"), false);
        assert.equal(await store.getAttribute(k1, "a"), null);
        assert.equal(await store.getAttribute(k1, "b"), "2");
        assert.equal(await store.deleteAttribute(session(9).key, "a"), false);
      });

      it("listAttributes returns every attribute, and an empty object for a session without any or absent", async () => {
        assert.deepEqual(await store.listAttributes(k1), {});
        assert.deepEqual(await store.listAttributes(session(9).key), {});
        await store.putAttributes(k1, [["b", "2"]], ROOMY);
        await store.putAttributes(k1, [["a", "1"]], ROOMY);
        await store.putAttributes(k1, [["c", ""]], ROOMY);
        assert.deepEqual(await store.listAttributes(k1), { a: "1", b: "2", c: "" });
      });

      it("attributes of two sessions never mix", async () => {
        await store.putAttributes(k1, [["shared", "one"]], ROOMY);
        await store.putAttributes(k2, [["shared", "two"]], ROOMY);
        await store.putAttributes(k1, [["only1", "x"]], ROOMY);
        assert.equal(await store.getAttribute(k1, "shared"), "one");
        assert.equal(await store.getAttribute(k2, "shared"), "two");
        assert.equal(await store.getAttribute(k2, "only1"), null);
        assert.deepEqual(await store.listAttributes(k2), { shared: "two" });
        await store.deleteAttribute(k1, "shared");
        assert.equal(await store.getAttribute(k2, "shared"), "two");
        await store.takeSession(k2);
        assert.deepEqual(await store.listAttributes(k1), { only1: "x" });
      });

      it("limits are per session: another session's attributes do not count", async () => {
        const limits = { maxCount: 1, maxTotalBytes: 4 };
        assert.equal(await store.putAttributes(k1, [["a", "123"]], limits), "ok");
        assert.equal(await store.putAttributes(k2, [["a", "123"]], limits), "ok");
      });

      it("putAttributes returns limit when a new attribute would exceed maxCount, and changes nothing", async () => {
        const limits = { maxCount: 2, maxTotalBytes: 100_000 };
        assert.equal(await store.putAttributes(k1, [["a", "1"]], limits), "ok");
        assert.equal(await store.putAttributes(k1, [["b", "2"]], limits), "ok");
        assert.equal(await store.putAttributes(k1, [["c", "3"]], limits), "limit");
        assert.deepEqual(await store.listAttributes(k1), { a: "1", b: "2" });
        // Replacing an existing attribute does not add to the count.
        assert.equal(await store.putAttributes(k1, [["a", "one"]], limits), "ok");
        assert.deepEqual(await store.listAttributes(k1), { a: "one", b: "2" });
      });

      it("putAttributes counts UTF-8 bytes of names plus values against maxTotalBytes", async () => {
        const limits = { maxCount: 100, maxTotalBytes: 3 };
        // "n" (1 byte) + "é" (2 bytes) = 3 bytes: fits exactly.
        assert.equal(await store.putAttributes(k1, [["n", "é"]], limits), "ok");
        // "m" + "" = 1 more byte: 4 > 3.
        assert.equal(await store.putAttributes(k1, [["m", ""]], limits), "limit");
        // "é" + "a" is 2 characters but 3 bytes: 1 + 3 = 4 > 3.
        assert.equal(await store.putAttributes(k1, [["n", "éa"]], limits), "limit");
        assert.deepEqual(await store.listAttributes(k1), { n: "é" });
      });

      it("replacing a value counts only the new size against maxTotalBytes", async () => {
        const limits = { maxCount: 100, maxTotalBytes: 10 };
        assert.equal(await store.putAttributes(k1, [["a", "123456789"]], limits), "ok"); // 1 + 9 = 10
        assert.equal(await store.putAttributes(k1, [["a", "987654321"]], limits), "ok"); // still 10, not 20
        assert.equal(await store.getAttribute(k1, "a"), "987654321");
        assert.equal(await store.putAttributes(k1, [["a", "1234567890"]], limits), "limit"); // 11
        assert.equal(await store.getAttribute(k1, "a"), "987654321");
        assert.equal(await store.putAttributes(k1, [["a", "1"]], limits), "ok"); // shrinking frees room
        assert.equal(await store.putAttributes(k1, [["b", "1234567"]], limits), "ok"); // 2 + 8 = 10
        assert.equal(await store.putAttributes(k1, [["c", ""]], limits), "limit");
        assert.deepEqual(await store.listAttributes(k1), { a: "1", b: "1234567" });
      });

      it("putAttributes writes several attributes at once; of a repeated name the later value wins", async () => {
        await store.putAttributes(k1, [["a", "old"]], ROOMY);
        const batch: [string, string][] = [
          ["a", "new"],
          ["b", "2"],
          ["b", "two"],
        ];
        assert.equal(await store.putAttributes(k1, batch, ROOMY), "ok");
        assert.deepEqual(await store.listAttributes(k1), { a: "new", b: "two" });
      });

      it("putAttributes judges the limits on the whole batch and writes none of it when they fail", async () => {
        const limits = { maxCount: 2, maxTotalBytes: 8 };
        assert.equal(await store.putAttributes(k1, [["a", "1"]], limits), "ok");
        const tooMany: [string, string][] = [
          ["b", "2"],
          ["c", "3"],
        ];
        assert.equal(await store.putAttributes(k1, tooMany, limits), "limit");
        const tooBig: [string, string][] = [
          ["a", "1"],
          ["b", "2345678"],
        ];
        assert.equal(await store.putAttributes(k1, tooBig, limits), "limit");
        assert.deepEqual(await store.listAttributes(k1), { a: "1" });
        // Replacing one and adding one fits: 3 + 3 = 6 bytes.
        const fits: [string, string][] = [
          ["a", "12"],
          ["b", "34"],
        ];
        assert.equal(await store.putAttributes(k1, fits, limits), "ok");
        assert.deepEqual(await store.listAttributes(k1), { a: "12", b: "34" });
      });

      it("an empty batch is ok on a live session and no-session on an absent one", async () => {
        assert.equal(await store.putAttributes(k1, [], ROOMY), "ok");
        assert.equal(await store.putAttributes(session(9).key, [], ROOMY), "no-session");
        assert.deepEqual(await store.listAttributes(k1), {});
      });
    });
  });
}
