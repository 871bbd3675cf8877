/**
 * Activity written with a tolerance, and the rules that make it safe: no session is ever expired while
 * its activity sits unwritten on this node or, with a shared store, on another; and a `kill -9` loses
 * at most one tolerance of idle-timer progress. Everything runs on the manual clock.
 *
 * @see issue 11, part 1
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createManualClock } from "../../src/core/clock.ts";
import { createEngine } from "../../src/core/engine.ts";
import * as ops from "../../src/core/ops/index.ts";
import type { Store } from "../../src/core/store/index.ts";
import { createMemoryStore } from "../../src/store/memory/index.ts";
import { createSqliteStore } from "../../src/store/sqlite.ts";
import { CHEAP_HASHER, defaultRealm, PASSWORDS, START, startEngine } from "../helpers/engine.ts";

const SECOND = 1_000;
/** Realm idle timeout 60 s: tolerance 3 s (60 / 20), grace 4 s (tolerance plus one 1 s flush). */
const realms = [defaultRealm({ idleTimeoutSeconds: 60 })];

/** The same store, declaring itself shared, as the postgres driver does. */
function asShared(store: Store): Store {
  return new Proxy(store, {
    get(target, name) {
      if (name === "shared") return true;
      const value = Reflect.get(target, name, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("activity tolerance on one node", () => {
  it("never expires a session kept alive by calls its store has not seen yet, and expires it exactly after", async () => {
    const t = await startEngine({ realms });
    const { secret, session } = await t.login("alice");
    let lastCall = START;
    // Ten minutes of a call every 2.9 s, a flush and a sweep every simulated second.
    for (let s = 1; s <= 600; s++) {
      t.clock.advance(SECOND);
      if (s % 3 === 0) {
        await t.call(ops.whoAmI, secret);
        lastCall = t.clock.now();
      }
      await t.engine.flush();
      await t.engine.sweep();
    }
    assert.equal(t.eventsOf("expired-idle", session.key).length, 0);
    const stored = await t.store.getSessionByKey(session.key);
    assert.ok(stored, "the session lives");
    assert.ok(stored.lastActiveAt >= lastCall - 3 * SECOND, "the store is at most one tolerance behind");
    // Alone on its store, the node knows all activity: the session ends at its idle deadline, exactly.
    t.clock.advance(lastCall + 60 * SECOND - 1 - t.clock.now());
    await t.engine.sweep();
    assert.equal(t.eventsOf("expired-idle", session.key).length, 0);
    t.clock.advance(1);
    assert.equal(await t.engine.sweep(), 1);
    assert.equal(t.eventsOf("expired-idle", session.key).length, 1);
  });

  it("writes at most one row per session per tolerance however busy it is", async () => {
    const t = await startEngine({ realms: [defaultRealm({ idleTimeoutSeconds: 1800 })] });
    const { secret } = await t.login("alice");
    const before = t.engine.stats().activityRowsWritten;
    for (let s = 1; s <= 300; s++) {
      t.clock.advance(SECOND);
      for (let i = 0; i < 50; i++) await t.call(ops.whoAmI, secret);
      await t.engine.flush();
    }
    const rows = t.engine.stats().activityRowsWritten - before;
    // 15,000 calls over 300 s at a 60 s tolerance: one write per 59 s.
    assert.ok(rows >= 4 && rows <= 6, `${rows} rows written`);
  });
});

describe("activity tolerance with a shared store", () => {
  async function twoNodes() {
    const clock = createManualClock(START);
    const backing = createMemoryStore();
    const store = asShared(backing);
    const t = await startEngine({ realms, clock, store, nodeId: "a" });
    const b = createEngine({ store, clock, hasher: CHEAP_HASHER, nodeId: "b" });
    return { t, a: t.engine, b, clock, backing };
  }

  it("no node ends a session another keeps alive with activity it has not written yet", async () => {
    const { t, a, b, clock } = await twoNodes();
    const { secret, session } = await t.login("alice");
    const ended: string[] = [];
    b.events.subscribe((event) => {
      if (event.type === "expired-idle") ended.push(event.sessionKey ?? "");
    });
    let lastCall = START;
    for (let s = 1; s <= 600; s++) {
      clock.advance(SECOND);
      if (s % 3 === 0) {
        await a.call(ops.whoAmI, t.context(secret));
        lastCall = clock.now();
      }
      await a.flush();
      await b.flush();
      await b.sweep();
      // B has seen no call, yet judges the session live: it may be alive on A.
      if (s % 7 === 0) assert.equal((await b.call(ops.whoAmI, t.context(secret))).session.key, session.key);
    }
    assert.deepEqual(ended, []);
    // Once A's calls stop, B ends it within one grace (tolerance plus a flush) of the idle deadline.
    let endedAt = 0;
    while (ended.length === 0) {
      clock.advance(SECOND);
      await a.flush();
      await b.sweep();
      endedAt = clock.now();
    }
    assert.ok(endedAt >= lastCall + 60 * SECOND, "not before its idle deadline");
    assert.ok(endedAt <= lastCall + 60 * SECOND + 4 * SECOND + SECOND, `${endedAt - lastCall} ms after the last call`);
  });

  it("a node without the activity refuses the session only past the grace", async () => {
    const { t, b, clock } = await twoNodes();
    const { secret } = await t.login("alice");
    // Asked without calling in it (a call would itself be activity that keeps it alive).
    const isLive = async () =>
      (await b.call(ops.probeSecret, { protocol: "embedded", trusted: true }, { secret })).live;
    clock.advance(60 * SECOND + 3_999);
    assert.equal(await isLive(), true, "within the grace: another node may hold calls");
    clock.advance(1);
    assert.equal(await isLive(), false);
  });

  it("serves a cached session for at most the staleness bound once another node ended it", async () => {
    const { t, a, b, clock, backing } = await twoNodes();
    const { secret, session } = await t.login("alice");
    await b.call(ops.whoAmI, t.context(secret));
    // Another node (here: straight in the store) ends it; no notification reaches B.
    await backing.takeSession(session.key);
    assert.ok((await b.call(ops.whoAmI, t.context(secret))).session, "still within 1 s");
    clock.advance(1_001);
    await assert.rejects(b.call(ops.whoAmI, t.context(secret)), { code: "NOT_AUTHENTICATED" });
    // The invalidation entry point drops it at once.
    const other = await t.login("bob");
    await b.call(ops.whoAmI, t.context(other.secret));
    await backing.takeSession(other.session.key);
    b.invalidateSession(other.session.key);
    await assert.rejects(b.call(ops.whoAmI, t.context(other.secret)), { code: "NOT_AUTHENTICATED" });
    await a.stop();
  });
});

describe("the crash bound", () => {
  it("after a kill -9, a session has lost at most one tolerance of idle-timer progress", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sessiond-crash-"));
    try {
      const path = join(dir, "sessiond.db");
      const clock = createManualClock(START);
      const first = createSqliteStore({ path });
      const t = await startEngine({ realms, clock, store: first });
      const { secret, session } = await t.login("alice", { password: PASSWORDS.alice });
      const lastCalls: number[] = [];
      for (let s = 1; s <= 200; s++) {
        clock.advance(SECOND);
        if (s % 2 === 0) {
          await t.call(ops.whoAmI, secret);
          lastCalls.push(clock.now());
        }
        await t.engine.flush();
        if (s % 37 === 0) {
          // kill -9: nothing is flushed or stopped; what SQLite committed is all there is.
          const seen = createSqliteStore({ path });
          const stored = await seen.getSessionByKey(session.key);
          await seen.close();
          const last = lastCalls[lastCalls.length - 1] ?? START;
          assert.ok(stored, `the session is on disk at +${s} s`);
          assert.ok(
            last - stored.lastActiveAt < 3 * SECOND,
            `at +${s} s the store lags ${last - stored.lastActiveAt} ms`,
          );
        }
      }
      await first.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
