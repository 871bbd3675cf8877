/**
 * Properties of the PostgreSQL store that only show when several nodes race: several stores (each its
 * own pool, as several nodes would have) on one database, with inputs drawn by fast-check.
 *
 * - a user's cap is never exceeded, and under `deny` exactly the cap is let in;
 * - each expired session is taken exactly once while several stores sweep at once, and exactly the
 *   sessions the core's `expiryReason` calls expired (with the grace drawn too);
 * - every ticket take and every session take has exactly one winner;
 * - session numbers never repeat across stores, and increase on each.
 *
 * @module
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { expiryReason, idleGraceMs } from "../../src/core/session.ts";
import type { Store } from "../../src/core/store/index.ts";
import type { SessionCapPolicy, SessionRecord } from "../../src/core/types.ts";
import { openPostgresStore } from "../../src/store/postgres/index.ts";
import { testPostgres } from "../helpers/postgres.ts";
import { numbers, session, ticket } from "./contract/fixtures.ts";

const pg = await testPostgres();
const url = pg.skip ? "" : await pg.freshUrl();

/** Nodes racing on one database. */
const NODES = 3;

describe("postgres store, several nodes racing", { skip: pg.skip }, () => {
  let stores: Store[] = [];
  /** The store of the i-th of several racing calls: they take turns. */
  const node = (i: number) => stores[i % stores.length] as Store;

  before(async () => {
    stores = await Promise.all(
      Array.from({ length: NODES }, (_, i) => openPostgresStore({ url, nodeId: `node-${i}`, poolSize: 4 })),
    );
  });

  after(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  it("a user's cap is never exceeded, and under deny exactly the cap is let in", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom<SessionCapPolicy>("deny", "evict-oldest"),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 60 }),
        async (max, policy, loginTimes) => {
          await pg.emptyTables(url);
          const logins = loginTimes.map((loginAt, i) =>
            session(i + 1, { realm: "r", userName: "alice", loginAt, createdAt: 0 }),
          );
          const results = await Promise.all(
            logins.map((record, i) => node(i).insertSessionCapped(record, { max, policy })),
          );
          const held = Math.min(max, logins.length);
          assert.equal(await node(0).countSessions({ realm: "r", userName: "alice" }), held);
          const accepted = results.filter((r) => !r.denied);
          const evicted = results.flatMap((r) => r.evicted);
          if (policy === "deny") {
            assert.equal(accepted.length, held);
            assert.deepEqual(evicted, []);
          } else {
            assert.equal(accepted.length, logins.length);
            assert.equal(new Set(numbers(evicted)).size, evicted.length, "no session evicted twice");
            assert.equal(evicted.length, logins.length - held);
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it("each expired session is taken exactly once while several stores sweep at once", async () => {
    const timers = fc.record({
      lastActiveAt: fc.integer({ min: 0, max: 100_000 }),
      idleTimeoutMs: fc.option(fc.integer({ min: 0, max: 200_000 })),
      expiresAt: fc.option(fc.integer({ min: 0, max: 300_000 })),
    });
    const grace = fc.option(
      fc.record({ toleranceCapMs: fc.integer({ min: 0, max: 60_000 }), flushMs: fc.integer({ min: 1, max: 5_000 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(timers, { maxLength: 40 }),
        fc.integer({ min: 0, max: 400_000 }),
        fc.integer({ min: 1, max: 10 }),
        grace,
        async (sessionTimers, now, limit, policy) => {
          await pg.emptyTables(url);
          const all: SessionRecord[] = sessionTimers.map((t, i) => session(i + 1, t));
          for (const record of all) await node(0).insertSession(record);

          const sweep = async (store: Store) => {
            const taken: SessionRecord[] = [];
            for (;;) {
              const batch = await store.takeExpiredSessions(now, limit, policy ?? undefined);
              assert.ok(batch.length <= limit);
              if (batch.length === 0) return taken;
              taken.push(...batch);
            }
          };
          const taken = (await Promise.all(stores.map(sweep))).flat();

          const expired = all.filter((s) => {
            const grace = policy === null ? 0 : idleGraceMs(s.idleTimeoutMs, policy);
            return expiryReason(s, now, grace) !== null;
          });
          assert.equal(new Set(numbers(taken)).size, taken.length, "no session taken twice");
          assert.deepEqual(numbers(taken), numbers(expired));
          assert.equal(await node(1).countSessions({}), all.length - expired.length);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("every ticket take and every session take has exactly one winner", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 2, max: 6 }),
        async (ticketsLive, sessionCount, racers) => {
          await pg.emptyTables(url);
          const now = 50_000;
          const tickets = ticketsLive.map((live, i) => ticket(`digest-${i}`, { expiresAt: live ? now + 1 : now }));
          for (const t of tickets) await node(0).insertTicket(t);
          const sessions = Array.from({ length: sessionCount }, (_, i) => session(i + 1));
          for (const s of sessions) await node(0).insertSession(s);

          const race = <T>(take: (store: Store) => Promise<T | null>) =>
            Promise.all(Array.from({ length: racers }, (_, i) => take(node(i))));
          const ticketWinners = await Promise.all(
            tickets.map(async (t) => (await race((s) => s.takeTicket(t.digest, t.kind, now))).filter(Boolean).length),
          );
          assert.deepEqual(
            ticketWinners,
            ticketsLive.map((live) => (live ? 1 : 0)),
          );
          const sessionWinners = await Promise.all(
            sessions.map(async (s) => (await race((store) => store.takeSession(s.key))).filter(Boolean).length),
          );
          assert.deepEqual(
            sessionWinners,
            sessions.map(() => 1),
          );
        },
      ),
      { numRuns: 20 },
    );
  });

  it("session numbers never repeat across stores, and increase on each", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 15 }), { minLength: NODES, maxLength: NODES }),
        async (counts) => {
          const drawn = await Promise.all(
            stores.map(async (store, i) => {
              const mine: number[] = [];
              for (let n = 0; n < (counts[i] ?? 0); n++) mine.push(await store.nextSessionNumber());
              return mine;
            }),
          );
          for (const mine of drawn) {
            for (let i = 1; i < mine.length; i++) assert.ok((mine[i] as number) > (mine[i - 1] as number), `${mine}`);
          }
          const all = drawn.flat();
          assert.equal(new Set(all).size, all.length);
        },
      ),
      { numRuns: 10 },
    );
  });
});
