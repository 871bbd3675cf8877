/**
 * The hot-session cache: sessions as the store holds them, by secret digest (the who-am-i path) and by
 * key, so that a busy session is read from the store once, not on every request.
 *
 * It is kept exact by whoever changes sessions: the engine updates or drops an entry in the same step
 * as every change it makes (`cached-store.ts`), so on one node a terminated session is refused on the
 * very next request. Changes made by other nodes sharing the store arrive through `drop` (the store's
 * notifications); until one arrives, an entry is trusted for at most `stalenessMs`.
 *
 * With a shared store the staleness counts from the later of two moments: when the entry was read,
 * and the last moment `confirm` vouched for. The cluster link confirms a moment t when its ping sent at
 * t came back through the store, after every change committed before t was announced (and dropped
 * here). So a cached session is never more than `stalenessMs` behind its row, yet while pings come back
 * it needs no read at all, however rarely it is used. An entry is still read again after
 * `confirmedMaxAgeMs`, so that what it shows of other nodes' activity (which is not announced) does
 * not lag forever.
 *
 * Bounded by `maxEntries`, evicting the least recently used: a hit moves an entry to the young end
 * only once it has aged past half the cache, which keeps hits to a map lookup.
 *
 * @module
 */

import type { ActivityDelta, SessionRecord } from "./types.ts";

export interface SessionCacheOptions {
  /** Most sessions held; 0 turns the cache off. */
  maxEntries: number;
  /**
   * How long an entry is served without reading the store again, in ms, or null to serve it until it
   * is changed or dropped (a store no other node writes).
   */
  stalenessMs: number | null;
  /** With `stalenessMs`, the longest an entry is served however recently it was confirmed. @default 60000 */
  confirmedMaxAgeMs?: number;
}

export interface SessionCacheStats {
  entries: number;
  hits: number;
  misses: number;
  /** The latest moment `confirm` vouched for, or null before any (or without a staleness bound). */
  confirmedAt: number | null;
}

export interface SessionCache {
  /** The session with this secret digest, when held and fresh. */
  byDigest(digest: string, now: number): SessionRecord | undefined;
  /** The session with this key, when held and fresh. */
  byKey(key: string, now: number): SessionRecord | undefined;
  /**
   * Taken before reading a session from the store; `put` refuses the record when that session was
   * dropped since (a change that raced the read), so a stale record never outlives its change.
   */
  readToken(): number;
  /** Holds a session just read from the store (with the token taken before reading it). */
  put(record: SessionRecord, now: number, token: number): void;
  /** Holds a session the engine just wrote: the store holds exactly this now. */
  update(record: SessionRecord, now: number): void;
  /** Forgets a session (it ended, or another node changed it). */
  drop(key: string): void;
  /** Forgets everything (another node's changes may have been missed). */
  dropAll(): void;
  /**
   * Every change committed before `at` has been dropped here: entries are as fresh as `at` (only with
   * a staleness bound; the engine's clock).
   */
  confirm(at: number): void;
  /** Activity the engine just wrote: held entries show it too. */
  applyActivity(deltas: readonly ActivityDelta[]): void;
  /**
   * Keys of entries neither read nor confirmed within `olderThanMs` (or nearing the max age), used
   * since `usedSince` and at least twice since they were read, at most `limit`: the busy sessions to
   * read again before they go stale (a shared store), so that their requests keep finding them fresh.
   * A session used once per read gains nothing from a refresh: it is read on its next use instead.
   */
  dueForRefresh(now: number, olderThanMs: number, usedSince: number, limit: number): string[];
  /**
   * The store's answer to a refresh of `keys` (read with `token` taken before reading): found sessions
   * are held anew, and keys not found are dropped (the session ended on another node).
   */
  refreshed(keys: readonly string[], found: readonly SessionRecord[], now: number, token: number): void;
  stats(): SessionCacheStats;
}

interface Entry {
  record: SessionRecord;
  /** When the record was read or written. */
  at: number;
  /** When a request last found it. */
  usedAt: number;
  /** Requests that found it since it was last read: two or more mark it busy enough to refresh. */
  uses: number;
  /** Insertion order, for the least-recently-used bound. */
  seq: number;
}

/** Dropped keys remembered for racing reads; beyond this, every read older than the last drop is refused. */
const MAX_REMEMBERED_DROPS = 10_000;

export function createSessionCache(options: SessionCacheOptions): SessionCache {
  const max = Math.max(0, Math.floor(options.maxEntries));
  const staleness = options.stalenessMs;
  const maxAge = options.confirmedMaxAgeMs ?? 60_000;
  /** The latest moment as of which every held entry is known to match its row. */
  let confirmedAt = Number.NEGATIVE_INFINITY;
  const byDigest = new Map<string, Entry>();
  const digestOfKey = new Map<string, string>();
  let seq = 0;
  let hits = 0;
  let misses = 0;
  let dropSeq = 0;
  let forgottenBefore = 0;
  const drops = new Map<string, number>();

  /** Whether an entry held since `at` may still be served at `now`. */
  function current(at: number, now: number): boolean {
    if (staleness === null) return true;
    return now - Math.max(at, confirmedAt) <= staleness && now - at <= maxAge;
  }

  function fresh(entry: Entry | undefined, now: number): SessionRecord | undefined {
    if (!entry || !current(entry.at, now)) {
      misses++;
      return undefined;
    }
    hits++;
    entry.usedAt = now;
    entry.uses++;
    if (seq - entry.seq > max / 2) {
      // Aged past half the cache: move it to the young end, so that busy sessions stay.
      byDigest.delete(entry.record.secretDigest);
      entry.seq = ++seq;
      byDigest.set(entry.record.secretDigest, entry);
    }
    return entry.record;
  }

  /** Whether a read begun with `token` may still be held: the session was not dropped since. */
  function readStillValid(key: string, token: number): boolean {
    if (token < forgottenBefore) return false;
    const dropped = drops.get(key);
    return dropped === undefined || dropped <= token;
  }

  function remove(key: string): void {
    const digest = digestOfKey.get(key);
    if (digest === undefined) return;
    digestOfKey.delete(key);
    byDigest.delete(digest);
  }

  function hold(record: SessionRecord, now: number): void {
    if (max === 0) return;
    remove(record.key);
    byDigest.set(record.secretDigest, { record, at: now, usedAt: now, uses: 0, seq: ++seq });
    digestOfKey.set(record.key, record.secretDigest);
    while (byDigest.size > max) {
      const oldest = byDigest.keys().next().value as string;
      const entry = byDigest.get(oldest);
      byDigest.delete(oldest);
      if (entry) digestOfKey.delete(entry.record.key);
    }
  }

  return {
    byDigest(digest, now) {
      return fresh(byDigest.get(digest), now);
    },

    byKey(key, now) {
      const digest = digestOfKey.get(key);
      return fresh(digest === undefined ? undefined : byDigest.get(digest), now);
    },

    readToken() {
      return dropSeq;
    },

    put(record, now, token) {
      if (readStillValid(record.key, token)) hold(record, now);
    },

    update(record, now) {
      hold(record, now);
    },

    drop(key) {
      remove(key);
      drops.set(key, ++dropSeq);
      if (drops.size > MAX_REMEMBERED_DROPS) {
        drops.clear();
        forgottenBefore = dropSeq;
      }
    },

    dropAll() {
      byDigest.clear();
      digestOfKey.clear();
      drops.clear();
      forgottenBefore = ++dropSeq;
    },

    confirm(at) {
      if (at > confirmedAt) confirmedAt = at;
    },

    applyActivity(deltas) {
      for (const delta of deltas) {
        const digest = digestOfKey.get(delta.key);
        const entry = digest === undefined ? undefined : byDigest.get(digest);
        if (!entry) continue;
        const record = entry.record;
        // A new object: records handed out earlier are never changed under their holders.
        entry.record = {
          ...record,
          lastActiveAt: Math.max(record.lastActiveAt, delta.lastActiveAt),
          callCount: record.callCount + delta.calls,
          userActiveAt:
            delta.userActiveAt === null ? record.userActiveAt : Math.max(record.userActiveAt ?? 0, delta.userActiveAt),
        };
      }
    },

    dueForRefresh(now, olderThanMs, usedSince, limit) {
      const due: string[] = [];
      for (const entry of byDigest.values()) {
        if (due.length >= limit) break;
        // Confirmed entries are not due, since confirmation keeps them fresh without a read, until they
        // near the max age: then busy ones are read in the batch too, not one by one on the request path.
        const unconfirmed = now - Math.max(entry.at, confirmedAt) > olderThanMs;
        const aging = staleness !== null && now - entry.at > maxAge - staleness;
        if ((unconfirmed || aging) && entry.usedAt >= usedSince && entry.uses >= 2) due.push(entry.record.key);
      }
      return due;
    },

    refreshed(keys, found, now, token) {
      const present = new Set<string>();
      for (const record of found) {
        present.add(record.key);
        if (!readStillValid(record.key, token)) continue;
        // A refresh is no use: the entry keeps when a request last found it, so an idle one ages out.
        const digest = digestOfKey.get(record.key);
        const usedAt = digest === undefined ? undefined : byDigest.get(digest)?.usedAt;
        hold(record, now);
        const entry = byDigest.get(record.secretDigest);
        if (entry && usedAt !== undefined) entry.usedAt = usedAt;
      }
      for (const key of keys) if (!present.has(key)) this.drop(key);
    },

    stats() {
      return {
        entries: byDigest.size,
        hits,
        misses,
        confirmedAt: staleness === null || confirmedAt === Number.NEGATIVE_INFINITY ? null : confirmedAt,
      };
    },
  };
}
