/**
 * The activity buffer: every authenticated call moves its session's `lastActiveAt` and adds to its
 * `callCount` here, in memory, and the store is written only when the stored `lastActiveAt` has fallen
 * a *tolerance* behind (see `activityToleranceMs` in `session.ts`). `callCount` and `userActiveAt` ride
 * along with those writes. Store writes therefore grow with sessions × (1 / tolerance), not with
 * requests. Reads merge the buffer, so what this node shows is exact.
 *
 * A session's activity is written when, at a flush:
 *
 * - it has moved the stored `lastActiveAt` by almost a tolerance (one flush interval short of it, so
 *   that what a `kill -9` can lose stays under one tolerance);
 * - or the session has been quiet for a tolerance (a burst of calls ended: write what is left, then
 *   forget the session here);
 * - or the stored idle deadline is about to pass while the session is still alive here, so that a
 *   sweep never ends it on stale data.
 *
 * Each session is looked at in its own flush bucket (a timing wheel keyed by when it next needs a
 * look), not at every flush: a flush costs what is due, not what is buffered.
 *
 * @module
 */

import { type ActivityPolicy, activityToleranceMs } from "./session.ts";
import type { ActivityDelta, SessionRecord } from "./types.ts";

export interface ActivityBuffer {
  /**
   * Records one call of a session at `now`. `stored` is the session as the store (or the cache in
   * front of it) holds it, without buffered activity: its `lastActiveAt` is what has been written.
   */
  record(stored: SessionRecord, now: number): void;
  /** Records the explicit "the user is active" signal (httpkom `current/active`); it is no extra call. */
  recordUserActive(stored: SessionRecord, now: number): void;
  /**
   * The session with buffered activity applied: always a new object (the input is not changed). A
   * later stored `lastActiveAt` than known (another node wrote one) is learnt, so it is not written
   * again.
   */
  merge(stored: SessionRecord): SessionRecord;
  /**
   * Hands out the activity due for writing at `now` (all of it with `everything`, when stopping). It
   * stays visible to `merge` until `settle` or `restore`.
   */
  drain(now: number, everything?: boolean): ActivityDelta[];
  /** The drained deltas were written: the store now shows them. */
  settle(deltas: readonly ActivityDelta[]): void;
  /** The drained deltas could not be written: keep them, to be written at the next flush. */
  restore(deltas: readonly ActivityDelta[], now: number): void;
  /** The session ended: its activity no longer matters. */
  forget(key: string): void;
  /** Sessions with activity held here. */
  readonly size: number;
}

interface Entry {
  key: string;
  /** The stored `lastActiveAt`, as far as this node knows. */
  persistedAt: number;
  /** The latest call seen here. */
  lastActiveAt: number;
  /** Calls seen here and not yet handed out for writing. */
  calls: number;
  /** The latest user signal not yet handed out, or null. */
  userActiveAt: number | null;
  toleranceMs: number;
  idleTimeoutMs: number | null;
  /** When the next flush should look at this session. */
  checkAt: number;
}

function later(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

export function createActivityBuffer(policy: ActivityPolicy): ActivityBuffer {
  const flushMs = Math.max(1, policy.flushMs);
  const entries = new Map<string, Entry>();
  /** Drained and not yet settled, by session: still counted by `merge`. */
  const inFlight = new Map<string, ActivityDelta>();
  /** Keys by the flush bucket (`checkAt / flushMs`) in which they next need a look. */
  const wheel = new Map<number, string[]>();

  const bucketOf = (at: number) => Math.floor(at / flushMs);

  function schedule(entry: Entry, at: number): void {
    entry.checkAt = at;
    const bucket = bucketOf(at);
    const keys = wheel.get(bucket);
    if (keys) keys.push(entry.key);
    else wheel.set(bucket, [entry.key]);
  }

  /** When a session next needs a look: the earliest moment one of the write rules could apply. */
  function nextCheck(entry: Entry, now: number): number {
    let at = Math.min(entry.persistedAt + entry.toleranceMs - flushMs, entry.lastActiveAt + entry.toleranceMs);
    if (entry.idleTimeoutMs !== null) at = Math.min(at, entry.persistedAt + entry.idleTimeoutMs - flushMs);
    return Math.max(at, now);
  }

  /** The entry of a session, made (and scheduled once the caller has recorded into it) when new. */
  function entryFor(stored: SessionRecord): { entry: Entry; isNew: boolean } {
    const known = entries.get(stored.key);
    if (known) {
      if (stored.lastActiveAt > known.persistedAt) known.persistedAt = stored.lastActiveAt;
      return { entry: known, isNew: false };
    }
    const entry: Entry = {
      key: stored.key,
      persistedAt: stored.lastActiveAt,
      lastActiveAt: stored.lastActiveAt,
      calls: 0,
      userActiveAt: null,
      toleranceMs: activityToleranceMs(stored.idleTimeoutMs, policy),
      idleTimeoutMs: stored.idleTimeoutMs,
      checkAt: 0,
    };
    entries.set(stored.key, entry);
    return { entry, isNew: true };
  }

  /** Whether an entry's activity must be written now (see the module comment for the rules). */
  function due(entry: Entry, now: number, everything: boolean): boolean {
    const progress = entry.lastActiveAt - entry.persistedAt;
    const unwritten = progress > 0 || entry.calls > 0 || entry.userActiveAt !== null;
    if (!unwritten) return false;
    if (everything) return true;
    if (progress > 0 && progress >= entry.toleranceMs - flushMs) return true;
    if (now - entry.lastActiveAt >= entry.toleranceMs) return true;
    return progress > 0 && entry.idleTimeoutMs !== null && now + flushMs >= entry.persistedAt + entry.idleTimeoutMs;
  }

  function handOut(entry: Entry): ActivityDelta {
    const delta: ActivityDelta = {
      key: entry.key,
      lastActiveAt: entry.lastActiveAt,
      calls: entry.calls,
      userActiveAt: entry.userActiveAt,
    };
    entry.calls = 0;
    entry.userActiveAt = null;
    const flying = inFlight.get(entry.key);
    if (flying) {
      flying.lastActiveAt = Math.max(flying.lastActiveAt, delta.lastActiveAt);
      flying.calls += delta.calls;
      flying.userActiveAt = later(flying.userActiveAt, delta.userActiveAt);
    } else {
      inFlight.set(entry.key, { ...delta });
    }
    return delta;
  }

  /** A drained delta is no longer in flight (written or not). */
  function land(delta: ActivityDelta): void {
    const flying = inFlight.get(delta.key);
    if (!flying) return;
    flying.calls -= delta.calls;
    if (flying.calls <= 0) inFlight.delete(delta.key);
  }

  /** Looks at one entry at `now`: hands out its due activity, forgets it once quiet, or schedules it again. */
  function examine(entry: Entry, now: number, everything: boolean, out: ActivityDelta[]): void {
    if (due(entry, now, everything)) {
      out.push(handOut(entry));
      schedule(entry, Math.max(now + flushMs, entry.lastActiveAt + entry.toleranceMs));
      return;
    }
    const quiet = now - entry.lastActiveAt >= entry.toleranceMs && entry.lastActiveAt <= entry.persistedAt;
    if (quiet && entry.calls === 0 && entry.userActiveAt === null) {
      entries.delete(entry.key);
      return;
    }
    schedule(entry, Math.max(nextCheck(entry, now), now + flushMs));
  }

  return {
    record(stored, now) {
      const { entry, isNew } = entryFor(stored);
      if (now > entry.lastActiveAt) entry.lastActiveAt = now;
      entry.calls += 1;
      if (isNew) schedule(entry, nextCheck(entry, now));
    },

    recordUserActive(stored, now) {
      const { entry, isNew } = entryFor(stored);
      entry.userActiveAt = later(entry.userActiveAt, now);
      if (now > entry.lastActiveAt) entry.lastActiveAt = now;
      if (isNew) schedule(entry, nextCheck(entry, now));
    },

    merge(stored) {
      const entry = entries.get(stored.key);
      const flying = inFlight.get(stored.key);
      if (entry && stored.lastActiveAt > entry.persistedAt) entry.persistedAt = stored.lastActiveAt;
      let lastActiveAt = stored.lastActiveAt;
      let callCount = stored.callCount;
      let userActiveAt = stored.userActiveAt;
      if (flying) {
        lastActiveAt = Math.max(lastActiveAt, flying.lastActiveAt);
        callCount += flying.calls;
        userActiveAt = later(userActiveAt, flying.userActiveAt);
      }
      if (entry) {
        lastActiveAt = Math.max(lastActiveAt, entry.lastActiveAt);
        callCount += entry.calls;
        userActiveAt = later(userActiveAt, entry.userActiveAt);
      }
      return { ...stored, lastActiveAt, callCount, userActiveAt };
    },

    drain(now, everything = false) {
      const out: ActivityDelta[] = [];
      if (everything) {
        for (const entry of entries.values()) if (due(entry, now, true)) out.push(handOut(entry));
        return out;
      }
      const current = bucketOf(now);
      for (const [bucket, keys] of wheel) {
        if (bucket > current) continue;
        wheel.delete(bucket);
        for (const key of keys) {
          const entry = entries.get(key);
          // A key is left in an older bucket when its entry was scheduled again or forgotten.
          if (entry && bucketOf(entry.checkAt) === bucket) examine(entry, now, false, out);
        }
      }
      return out;
    },

    settle(deltas) {
      for (const delta of deltas) {
        land(delta);
        const entry = entries.get(delta.key);
        if (entry && delta.lastActiveAt > entry.persistedAt) entry.persistedAt = delta.lastActiveAt;
      }
    },

    restore(deltas, now) {
      for (const delta of deltas) {
        land(delta);
        const entry = entries.get(delta.key);
        if (!entry) continue;
        entry.calls += delta.calls;
        entry.userActiveAt = later(entry.userActiveAt, delta.userActiveAt);
        schedule(entry, now);
      }
    },

    forget(key) {
      entries.delete(key);
      inFlight.delete(key);
    },

    get size() {
      return entries.size;
    },
  };
}
