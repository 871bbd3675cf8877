/**
 * The pure rules of a session's life: when it must end and why, and how far the store's copy of its
 * activity may lag behind the truth.
 *
 * Activity (every call moves `lastActiveAt`) lives in memory on the node that saw it and reaches the
 * store only once it has moved by a *tolerance*: a twentieth of the session's idle timeout, at most
 * `activityToleranceSeconds` and never below the flush interval (`activityToleranceMs`). The stored
 * `lastActiveAt` may therefore be behind by up to one tolerance: that is the most a `kill -9` can lose,
 * and, when several nodes share a store, how long past its stored idle deadline a session may still be
 * alive on another node. No node ends a session as idle within that *grace* (`idleGraceMs`).
 *
 * @module
 */

import type { EndReason, SessionRecord } from "./types.ts";

/** The settings the activity tolerance and the idle grace are made of, in milliseconds. */
export interface ActivityPolicy {
  /** The largest tolerance (`sessions.activityToleranceSeconds`). */
  toleranceCapMs: number;
  /** How often buffered activity is written (`sessions.activityFlushMs`): the smallest tolerance. */
  flushMs: number;
}

/** A session's tolerance is its idle timeout divided by this, within the policy's bounds. */
export const TOLERANCE_DIVISOR = 20;

/**
 * How far a session's stored `lastActiveAt` may lag behind its activity before it is written: the idle
 * timeout over 20, at most the cap and at least the flush interval. A session without an idle timeout
 * takes the cap (its `lastActiveAt` is only shown, never judged).
 */
export function activityToleranceMs(idleTimeoutMs: number | null, policy: ActivityPolicy): number {
  const cap = Math.max(policy.toleranceCapMs, policy.flushMs);
  if (idleTimeoutMs === null) return cap;
  return Math.max(policy.flushMs, Math.min(cap, Math.trunc(idleTimeoutMs / TOLERANCE_DIVISOR)));
}

/**
 * How long past its stored idle deadline a session may still be alive on a node that has not yet
 * written its activity: one tolerance plus one flush interval. Stores apply the same formula in their
 * sweep (`SessionStore.takeExpiredSessions`), so it must stay integer arithmetic on milliseconds.
 */
export function idleGraceMs(idleTimeoutMs: number | null, policy: ActivityPolicy): number {
  return activityToleranceMs(idleTimeoutMs, policy) + policy.flushMs;
}

/**
 * The idle grace as SQL stores compute it for a row: `max(floorMs, min(capMs, idle_timeout_ms /
 * divisor)) + extraMs`, with integer division, which is exactly `idleGraceMs`.
 */
export function idleGraceTerms(policy: ActivityPolicy): {
  floorMs: number;
  capMs: number;
  divisor: number;
  extraMs: number;
} {
  return {
    floorMs: policy.flushMs,
    capMs: Math.max(policy.toleranceCapMs, policy.flushMs),
    divisor: TOLERANCE_DIVISOR,
    extraMs: policy.flushMs,
  };
}

/** The earliest moment a session's timers end it, or null when no timer applies. */
export function deadlineOf(
  session: Pick<SessionRecord, "expiresAt" | "idleTimeoutMs" | "lastActiveAt">,
): number | null {
  const idleDeadline = session.idleTimeoutMs === null ? null : session.lastActiveAt + session.idleTimeoutMs;
  if (session.expiresAt === null) return idleDeadline;
  if (idleDeadline === null) return session.expiresAt;
  return Math.min(session.expiresAt, idleDeadline);
}

/**
 * Why the session's timers have ended it at `now`, or null while it is live by its timers. The
 * absolute deadline wins when both have passed. `idleGraceMs` extends the idle deadline only (another
 * node may hold activity not yet written); the absolute deadline is exact. Bindings are judged by the
 * engine, which knows which connections are open.
 */
export function expiryReason(
  session: Pick<SessionRecord, "expiresAt" | "idleTimeoutMs" | "lastActiveAt">,
  now: number,
  idleGrace = 0,
): Extract<EndReason, "expired-idle" | "expired-absolute"> | null {
  if (session.expiresAt !== null && now >= session.expiresAt) return "expired-absolute";
  if (session.idleTimeoutMs !== null && now >= session.lastActiveAt + session.idleTimeoutMs + idleGrace) {
    return "expired-idle";
  }
  return null;
}
