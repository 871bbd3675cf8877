/**
 * The activity buffer: every authenticated call moves `lastActiveAt` and adds to `callCount`, but
 * the store is written at most once per flush interval, in batches. Reads merge the buffer, so what
 * clients see is exact: activity that is being written stays visible until its write is done.
 *
 * @module
 */

import type { ActivityDelta, SessionRecord } from "./types.ts";

export interface ActivityBuffer {
  /** Records one call in the session at `now`; `userActive` also records the explicit user signal. */
  record(key: string, now: number, userActive?: boolean): void;
  /** The session with buffered activity applied (a new object; the input is not changed). */
  merge(session: SessionRecord): SessionRecord;
  /** Hands out everything buffered for writing; it stays visible to `merge` until `settle` or `restore`. */
  drain(): ActivityDelta[];
  /** The drained deltas were written: the store now shows them. */
  settle(deltas: readonly ActivityDelta[]): void;
  /** The drained deltas could not be written: keep them for the next flush. */
  restore(deltas: readonly ActivityDelta[]): void;
  /** The session ended: its activity no longer matters. */
  forget(key: string): void;
  readonly size: number;
}

function combine(into: ActivityDelta, delta: ActivityDelta): void {
  into.lastActiveAt = Math.max(into.lastActiveAt, delta.lastActiveAt);
  into.calls += delta.calls;
  if (delta.userActiveAt !== null) into.userActiveAt = Math.max(into.userActiveAt ?? 0, delta.userActiveAt);
}

function apply(session: SessionRecord, delta: ActivityDelta | undefined): SessionRecord {
  if (!delta) return session;
  return {
    ...session,
    lastActiveAt: Math.max(session.lastActiveAt, delta.lastActiveAt),
    callCount: session.callCount + delta.calls,
    userActiveAt:
      delta.userActiveAt === null ? session.userActiveAt : Math.max(session.userActiveAt ?? 0, delta.userActiveAt),
  };
}

export function createActivityBuffer(): ActivityBuffer {
  let pending = new Map<string, ActivityDelta>();
  const inFlight = new Map<string, ActivityDelta>();
  const add = (target: Map<string, ActivityDelta>, delta: ActivityDelta) => {
    const known = target.get(delta.key);
    if (known) combine(known, delta);
    else target.set(delta.key, { ...delta });
  };
  return {
    record(key, now, userActive = false) {
      add(pending, { key, lastActiveAt: now, calls: 1, userActiveAt: userActive ? now : null });
    },
    merge(session) {
      return apply(apply(session, inFlight.get(session.key)), pending.get(session.key));
    },
    drain() {
      const drained = [...pending.values()];
      pending = new Map();
      for (const delta of drained) add(inFlight, delta);
      return drained;
    },
    settle(deltas) {
      for (const delta of deltas) {
        const flying = inFlight.get(delta.key);
        if (!flying) continue;
        flying.calls -= delta.calls;
        if (flying.calls <= 0) inFlight.delete(delta.key);
      }
    },
    restore(deltas) {
      this.settle(deltas);
      for (const delta of deltas) add(pending, delta);
    },
    forget(key) {
      pending.delete(key);
      inFlight.delete(key);
    },
    get size() {
      return pending.size;
    },
  };
}
