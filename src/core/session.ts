/**
 * The pure rules of a session's life: when it must end and why.
 *
 * @module
 */

import type { EndReason, SessionRecord } from "./types.ts";

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
 * absolute deadline wins when both have passed. Bindings are judged by the engine, which knows which
 * connections are open.
 */
export function expiryReason(
  session: Pick<SessionRecord, "expiresAt" | "idleTimeoutMs" | "lastActiveAt">,
  now: number,
): Extract<EndReason, "expired-idle" | "expired-absolute"> | null {
  if (session.expiresAt !== null && now >= session.expiresAt) return "expired-absolute";
  if (session.idleTimeoutMs !== null && now >= session.lastActiveAt + session.idleTimeoutMs) return "expired-idle";
  return null;
}
