/**
 * The hot-session cache: found by digest and by key, bounded, trusted for a bounded time when the
 * store is shared, never holding a record read before a change that dropped it, and refreshing busy
 * entries without counting the refresh as use.
 *
 * @see issue 11, part 2
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSessionCache } from "../../src/core/session-cache.ts";
import type { SessionRecord } from "../../src/core/types.ts";

function session(n: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    key: `key-${n}`,
    secretDigest: `digest-${n}`,
    number: n,
    lastActiveAt: 1_000,
    callCount: 1,
    userActiveAt: null,
    ...overrides,
  } as SessionRecord;
}

describe("session cache", () => {
  it("finds a held session by digest and by key, and forgets it when dropped", () => {
    const cache = createSessionCache({ maxEntries: 10, stalenessMs: null });
    cache.update(session(1), 0);
    assert.equal(cache.byDigest("digest-1", 0)?.number, 1);
    assert.equal(cache.byKey("key-1", 0)?.number, 1);
    cache.drop("key-1");
    assert.equal(cache.byDigest("digest-1", 0), undefined);
    assert.equal(cache.byKey("key-1", 0), undefined);
  });

  it("holds at most maxEntries, dropping the least recently used", () => {
    const cache = createSessionCache({ maxEntries: 4, stalenessMs: null });
    for (let n = 1; n <= 4; n++) cache.update(session(n), 0);
    // Used again after aging past half the cache: it moves to the young end and stays.
    cache.update(session(5), 0);
    cache.update(session(6), 0);
    assert.ok(cache.byKey("key-3", 0), "3 was not yet evicted");
    cache.update(session(7), 0);
    cache.update(session(8), 0);
    assert.ok(cache.byKey("key-3", 0), "3 was used, so it stayed");
    assert.equal(cache.stats().entries, 4);
    assert.equal(cache.byKey("key-4", 0), undefined, "4 was the least recently used");
  });

  it("holds nothing with maxEntries 0", () => {
    const cache = createSessionCache({ maxEntries: 0, stalenessMs: null });
    cache.update(session(1), 0);
    assert.equal(cache.byKey("key-1", 0), undefined);
  });

  it("serves an entry for stalenessMs only, when set", () => {
    const cache = createSessionCache({ maxEntries: 10, stalenessMs: 1_000 });
    cache.update(session(1), 0);
    assert.ok(cache.byKey("key-1", 1_000));
    assert.equal(cache.byKey("key-1", 1_001), undefined);
    const forever = createSessionCache({ maxEntries: 10, stalenessMs: null });
    forever.update(session(1), 0);
    assert.ok(forever.byKey("key-1", 10_000_000));
  });

  it("refuses a record read before a change that dropped it", () => {
    const cache = createSessionCache({ maxEntries: 10, stalenessMs: null });
    const token = cache.readToken();
    cache.drop("key-1");
    cache.put(session(1), 0, token);
    assert.equal(cache.byKey("key-1", 0), undefined, "the read raced the change: not held");
    cache.put(session(1), 0, cache.readToken());
    assert.ok(cache.byKey("key-1", 0), "a read begun after the change is held");
  });

  it("refuses every read older than the last drop once it forgot which keys were dropped", () => {
    const cache = createSessionCache({ maxEntries: 10, stalenessMs: null });
    const token = cache.readToken();
    for (let n = 0; n < 10_001; n++) cache.drop(`other-${n}`);
    cache.put(session(1), 0, token);
    assert.equal(cache.byKey("key-1", 0), undefined);
  });

  it("shows written activity in held entries, as new objects", () => {
    const cache = createSessionCache({ maxEntries: 10, stalenessMs: null });
    const held = session(1);
    cache.update(held, 0);
    cache.applyActivity([{ key: "key-1", lastActiveAt: 5_000, calls: 3, userActiveAt: 4_000 }]);
    const now = cache.byKey("key-1", 0);
    assert.equal(now?.lastActiveAt, 5_000);
    assert.equal(now?.callCount, 4);
    assert.equal(now?.userActiveAt, 4_000);
    assert.equal(held.callCount, 1, "the record handed out before is unchanged");
  });

  it("names busy entries due for a refresh, and a refresh neither counts as use nor keeps ended ones", () => {
    const cache = createSessionCache({ maxEntries: 10, stalenessMs: 1_000 });
    cache.update(session(1), 0);
    cache.update(session(2), 0);
    cache.update(session(3), 0);
    cache.byKey("key-1", 350);
    cache.byKey("key-1", 400);
    cache.byKey("key-2", 420);
    cache.byKey("key-2", 450);
    cache.byKey("key-3", 450);
    // Read more than 500 ms ago and used twice since: 1 and 2, not 3 (used once: a refresh would not help).
    assert.deepEqual(cache.dueForRefresh(600, 500, 300, 10).sort(), ["key-1", "key-2"]);
    // The store still has 1 (changed), not 2 (ended on another node).
    cache.refreshed(["key-1", "key-2"], [session(1, { locale: "sv" })], 600, cache.readToken());
    assert.equal(cache.byKey("key-1", 1_500)?.locale, "sv", "fresh again from the refresh");
    assert.equal(cache.byKey("key-2", 600), undefined);
    // Not used since the refresh: no longer due, so an idle session is left to go stale.
    const later = createSessionCache({ maxEntries: 10, stalenessMs: 1_000 });
    later.update(session(1), 0);
    later.byKey("key-1", 50);
    later.byKey("key-1", 100);
    later.refreshed(["key-1"], [session(1)], 600, later.readToken());
    assert.deepEqual(later.dueForRefresh(1_200, 500, 200, 10), [], "its last use (100) is before 200");
  });

  it("serves an entry past stalenessMs while confirmations keep up, for confirmedMaxAgeMs at most", () => {
    const cache = createSessionCache({ maxEntries: 10, stalenessMs: 1_000, confirmedMaxAgeMs: 60_000 });
    cache.update(session(1), 0);
    // Every change committed before 5,000 has been heard (and would have dropped it): fresh as of 5,000.
    cache.confirm(5_000);
    assert.ok(cache.byKey("key-1", 6_000));
    assert.equal(cache.byKey("key-1", 6_001), undefined, "a confirmation that stopped vouches for 1 s only");
    // Confirmations never move back.
    cache.confirm(59_500);
    cache.confirm(30_000);
    assert.ok(cache.byKey("key-1", 60_000));
    // Read again once it is older than the max age, however fresh the confirmation.
    cache.confirm(60_500);
    assert.equal(cache.byKey("key-1", 60_001), undefined);
    // A dropped entry stays dropped: a confirmation vouches only for what is held.
    cache.update(session(2), 61_000);
    cache.drop("key-2");
    cache.confirm(62_000);
    assert.equal(cache.byKey("key-2", 62_000), undefined);
  });

  it("does not name confirmed entries due for a refresh: the confirmation keeps them fresh", () => {
    const cache = createSessionCache({ maxEntries: 10, stalenessMs: 1_000 });
    cache.update(session(1), 0);
    cache.byKey("key-1", 400);
    cache.byKey("key-1", 500);
    assert.deepEqual(cache.dueForRefresh(800, 750, 0, 10), ["key-1"]);
    cache.confirm(700);
    assert.deepEqual(cache.dueForRefresh(800, 750, 0, 10), []);
  });

  it("ignores confirmations without a staleness bound (a store no other node writes)", () => {
    const cache = createSessionCache({ maxEntries: 10, stalenessMs: null, confirmedMaxAgeMs: 10 });
    cache.update(session(1), 0);
    cache.confirm(5);
    assert.ok(cache.byKey("key-1", 1_000_000), "held until changed or dropped");
  });
});
