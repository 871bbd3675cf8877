/**
 * The activity buffer: every authenticated call moves `lastActiveAt` and adds to `callCount`, but
 * the store is written at most once per flush interval, in one batch. Reads merge the buffer, so
 * what clients see is exact.
 *
 * @module
 */

import type { ActivityDelta, SessionRecord } from "./types.ts";

export interface ActivityBuffer {
  /** Records one call in the session at `now`; `userActive` also records the explicit user signal. */
  record(key: string, now: number, userActive?: boolean): void;
  /** The session with buffered activity applied (a new object; the input is not changed). */
  merge(session: SessionRecord): SessionRecord;
  /** Removes and returns everything buffered. */
  drain(): ActivityDelta[];
  /** Puts drained deltas back after a failed flush, keeping newer activity. */
  restore(deltas: readonly ActivityDelta[]): void;
  forget(key: string): void;
  readonly size: number;
}

export function createActivityBuffer(): ActivityBuffer {
  let pending = new Map<string, ActivityDelta>();
  const add = (delta: ActivityDelta) => {
    const known = pending.get(delta.key);
    if (!known) {
      pending.set(delta.key, { ...delta });
      return;
    }
    known.lastActiveAt = Math.max(known.lastActiveAt, delta.lastActiveAt);
    known.calls += delta.calls;
    if (delta.userActiveAt !== null) known.userActiveAt = Math.max(known.userActiveAt ?? 0, delta.userActiveAt);
  };
  return {
    record(key, now, userActive = false) {
      add({ key, lastActiveAt: now, calls: 1, userActiveAt: userActive ? now : null });
    },
    merge(session) {
      const delta = pending.get(session.key);
      if (!delta) return session;
      return {
        ...session,
        lastActiveAt: Math.max(session.lastActiveAt, delta.lastActiveAt),
        callCount: session.callCount + delta.calls,
        userActiveAt:
          delta.userActiveAt === null ? session.userActiveAt : Math.max(session.userActiveAt ?? 0, delta.userActiveAt),
      };
    },
    drain() {
      const drained = [...pending.values()];
      pending = new Map();
      return drained;
    },
    restore(deltas) {
      for (const delta of deltas) add(delta);
    },
    forget(key) {
      pending.delete(key);
    },
    get size() {
      return pending.size;
    },
  };
}
