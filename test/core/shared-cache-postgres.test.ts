/**
 * Cached sessions on a shared PostgreSQL store, two engines (nodes a and b) in one process on a real
 * database: a node pings itself through the store, and while its pings come back it serves what it has
 * cached without reading it again, because the store announces every change of a session row in the
 * changing transaction. An ending made on the other node still reaches it at once, even with no hint
 * at all, and a cached copy that looks idle is checked against its row before the session is ended.
 *
 * The engines' clock is a manual one started at the real time (a node compares its clock with the
 * database's before it starts); the pings and leases run on real timers.
 */

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createManualClock } from "../../src/core/clock.ts";
import { createEngine, type Engine } from "../../src/core/engine.ts";
import type { SessionEvent } from "../../src/core/events.ts";
import * as ops from "../../src/core/ops/index.ts";
import type { Store } from "../../src/core/store/index.ts";
import { openPostgresStore } from "../../src/store/postgres/index.ts";
import { CHEAP_HASHER, defaultRealm, startEngine } from "../helpers/engine.ts";
import { testPostgres } from "../helpers/postgres.ts";
import { until } from "../helpers/until.ts";

const pg = await testPostgres();
const SECOND = 1_000;

describe("cached sessions on a shared PostgreSQL store", { skip: pg.skip }, () => {
  const stores: Store[] = [];
  const engines: Engine[] = [];
  after(async () => {
    await Promise.all(engines.map((engine) => engine.stop().catch(() => {})));
    await Promise.all(stores.map((store) => store.close().catch(() => {})));
  });

  /** Nodes a and b on a fresh database, started; b's lookups by secret are counted. */
  async function twoNodes(idleTimeoutSeconds: number) {
    const url = await pg.freshUrl();
    const clock = createManualClock(Date.now());
    const storeA = await openPostgresStore({ url, nodeId: "a", poolSize: 4 });
    const storeB = await openPostgresStore({ url, nodeId: "b", poolSize: 4 });
    stores.push(storeA, storeB);
    const reads = { b: 0 };
    const countedB: Store = {
      ...storeB,
      getSessionByDigest: (digest) => {
        reads.b++;
        return storeB.getSessionByDigest(digest);
      },
    };
    const t = await startEngine({ realms: [defaultRealm({ idleTimeoutSeconds })], clock, store: storeA, nodeId: "a" });
    const b = createEngine({ store: countedB, clock, hasher: CHEAP_HASHER, nodeId: "b" });
    engines.push(t.engine, b);
    await t.engine.start();
    await b.start();
    const endedOnB: SessionEvent[] = [];
    b.events.subscribe((event) => {
      if (event.type === "expired-idle" && !event.remote) endedOnB.push(event);
    });
    /**
     * Waits until a ping b sent after this call came back (the clock moves on by 1 ms, so that an older
     * ping cannot pass): every change committed before the call has been heard on b by then.
     */
    const confirmedOnB = async () => {
      clock.advance(1);
      const now = clock.now();
      await until("b's ping came back", () => (b.stats().cache.confirmedAt ?? Number.NEGATIVE_INFINITY) >= now);
    };
    return { t, a: t.engine, b, clock, storeA, reads, endedOnB, confirmedOnB };
  }

  it("serves a cached session without reading it while pings come back; an ending without a hint still reaches it", async () => {
    const { t, b, clock, storeA, reads, confirmedOnB } = await twoNodes(1800);
    const { secret, session } = await t.login("alice");
    // The login's own notice reaches b after it commits: heard before b reads, it drops nothing b holds.
    await confirmedOnB();
    assert.equal((await b.call(ops.whoAmI, t.context(secret))).session.key, session.key);
    assert.equal(reads.b, 1);

    // Far past the 1 s staleness bound: with pings confirming, still no read.
    clock.advance(30 * SECOND);
    await confirmedOnB();
    assert.equal((await b.call(ops.whoAmI, t.context(secret))).session.key, session.key);
    assert.equal(reads.b, 1, "served from the cache");

    // Ended straight in the store on node a: no engine, so no hint; only the store's own notice.
    assert.ok(await storeA.takeSession(session.key));
    await until("b refuses the ended session", async () => {
      try {
        await b.call(ops.whoAmI, t.context(secret));
        return false;
      } catch (error) {
        assert.equal((error as { code?: string }).code, "NOT_AUTHENTICATED");
        return true;
      }
    });
  });

  it("does not end a session as idle on a cached copy while another node keeps its row alive", async () => {
    // A 20 s idle timeout: a tolerance of 1 s, so node a writes its activity every second, while b's
    // cached copy (confirmed by its pings, so never read again) looks idle after 22 s.
    const { t, a, b, clock, reads, endedOnB, confirmedOnB } = await twoNodes(20);
    const { secret, session } = await t.login("alice");
    await confirmedOnB();
    await b.call(ops.whoAmI, t.context(secret));
    for (let s = 1; s <= 30; s++) {
      clock.advance(SECOND);
      await a.call(ops.whoAmI, t.context(secret));
      await a.flush();
      if (s % 5 === 0) await confirmedOnB();
    }
    const answer = await b.call(ops.whoAmI, t.context(secret));
    assert.equal(answer.session.key, session.key, "alive: node a kept it so");
    assert.equal(reads.b, 1, "checked by key against its row, not looked up again by secret");
    assert.deepEqual(endedOnB, []);
    assert.ok(await a.call(ops.whoAmI, t.context(secret)));
  });
});
