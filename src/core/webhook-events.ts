/**
 * Which engine events and directory changes go out as which webhook events, and what their bodies
 * hold.
 *
 * A body is the Standard Webhooks shape, `{ type, timestamp, data }`. `data` holds public facts only:
 * the session's key and number, realm, user, protocol, the client's address, the acting user and the
 * engine's detail (which never holds a secret). Never a secret, a digest, a password or attribute
 * values; and never the name typed in a failed login when no user has it (it may be a password typed
 * into the wrong field): `userName` is null then, as in the audit log.
 *
 * @module
 */

import { END_REASONS, type SessionEvent } from "./events.ts";
import type { DirectoryChange, EventType } from "./types.ts";
import type { WebhookEventName } from "./webhook-settings.ts";

/** The webhook event of each engine event; those left out are not sent. */
const SESSION_EVENT_NAMES: Partial<Record<EventType, WebhookEventName>> = {
  created: "session.created",
  login: "session.login",
  logout: "session.logout",
  "login-failed": "login.failed",
  "login-throttled": "login.throttled",
  "user-locked-out": "login.throttled",
  ...Object.fromEntries([...END_REASONS].map((reason) => [reason, "session.ended"])),
};

/** The directory changes that are `user.changed`; group and realm changes are not sent. */
const USER_CHANGES: ReadonlySet<DirectoryChange> = new Set<DirectoryChange>([
  "user-created",
  "user-updated",
  "user-disabled",
  "user-enabled",
  "user-deleted",
  "password-changed",
]);

/** A directory change as the engine reports it to the outbox. */
export interface DirectoryChangeNotice {
  at: number;
  change: DirectoryChange;
  realm: string | null;
  userName: string | null;
  actor: string | null;
  detail: string | null;
}

/** One webhook event, ready to be written for every endpoint that subscribed to it. */
export interface WebhookMessage {
  type: WebhookEventName;
  /** Entries with the same key are delivered in order (per endpoint): the session, or the user. */
  orderKey: string | null;
  /** The JSON body. */
  payload: string;
}

export function webhookOfSessionEvent(event: SessionEvent): WebhookMessage | null {
  const type = SESSION_EVENT_NAMES[event.type];
  if (!type) return null;
  const data = {
    reason: event.type,
    sessionKey: event.sessionKey,
    sessionNumber: event.sessionNumber,
    realm: event.realm,
    userName: event.userName,
    protocol: event.protocol,
    ipAddress: event.ipAddress,
    actor: event.actor,
    detail: event.detail,
  };
  return { type, orderKey: event.sessionKey, payload: body(type, event.at, data) };
}

export function webhookOfDirectoryChange(notice: DirectoryChangeNotice): WebhookMessage | null {
  if (!USER_CHANGES.has(notice.change)) return null;
  const data = {
    change: notice.change,
    realm: notice.realm,
    userName: notice.userName,
    actor: notice.actor,
    detail: notice.detail,
  };
  const orderKey = notice.userName === null ? null : `user:${notice.realm}/${notice.userName}`;
  return { type: "user.changed", orderKey, payload: body("user.changed", notice.at, data) };
}

function body(type: WebhookEventName, at: number, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: new Date(at).toISOString(), data });
}
