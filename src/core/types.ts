/**
 * The domain: realms, users, groups, sessions, tickets and the caller of an operation.
 *
 * All times are absolute epoch milliseconds from the engine's injected clock. Nothing here holds a
 * session secret: only its SHA-256 digest is ever stored.
 *
 * @module
 */

import type { Privilege } from "./privileges.ts";

/** The wire protocol (front door) that created a session or carries a call. */
export type Protocol = "api" | "httpkom" | "astrogrid" | "agent" | "vsphere" | "cli" | "embedded" | "console";

export const PROTOCOLS: readonly Protocol[] = [
  "api",
  "httpkom",
  "astrogrid",
  "agent",
  "vsphere",
  "cli",
  "embedded",
  "console",
];

/** What happens when a user logs in while already holding `maxSessionsPerUser` sessions. */
export type SessionCapPolicy = "deny" | "evict-oldest";

export interface Realm {
  /** GUID. The default realm is the Parallels "System" realm, all zeros. */
  id: string;
  /** Slug: the httpkom `server_id` and the vSphere domain in `user@domain`. */
  name: string;
  /** Locale of new sessions, `ll` or `ll_CC`. */
  defaultLocale: string;
  /** Locales a session may choose; `ll_CC` is accepted when it or its language `ll` is listed. */
  supportedLocales: string[];
  /** Idle timeout of new timed sessions, in seconds. 0 means no idle expiry. */
  idleTimeoutSeconds: number;
  /**
   * Longest idle timeout a client may choose for its own session (Agent `expiration`, JSON
   * `idleTimeoutSeconds`, AstroGrid minutes), in seconds; a longer choice is cut to it. Null: no cap.
   */
  maxIdleTimeoutSeconds: number | null;
  /** Absolute cap on a session's lifetime from its creation, in seconds, or null for none. */
  maxLifetimeSeconds: number | null;
  /** Most live logged-in sessions one user may hold, or null for no cap. */
  maxSessionsPerUser: number | null;
  /** What a login beyond `maxSessionsPerUser` does. */
  maxSessionsPolicy: SessionCapPolicy;
  /** Whether anonymous callers may create users in this realm (httpkom `POST /persons/`). */
  allowSelfRegistration: boolean;
  /**
   * Failed logins after which a user of this realm is disabled until an operator enables it again,
   * or null (the default) for none: a stranger who knows a user's name could lock the user out, so a
   * realm must choose it (see `login-throttle.ts`).
   */
  lockoutAfterFailures: number | null;
}

export const DEFAULT_REALM_ID = "00000000-0000-0000-0000-000000000000";
export const DEFAULT_REALM_NAME = "default";

export interface User {
  realm: string;
  /** Unique in the realm: httpkom `pers_no`, the RID in Agent SIDs. */
  number: number;
  name: string;
  fullName: string;
  /** argon2id PHC string, or null when the user cannot log in with a password. */
  passwordHash: string | null;
  /** Group names in the same realm. */
  groups: string[];
  privileges: Privilege[];
  disabled: boolean;
  createdAt: number;
}

export interface Group {
  realm: string;
  /** gid: unique in the realm. */
  number: number;
  name: string;
  privileges: Privilege[];
}

/** How long a session lives beyond its timers. Stored as text, see `bindingToText`. */
export type Binding = { kind: "server"; node: string } | { kind: "connection"; node: string; connection: string };

export interface ClientInfo {
  name?: string;
  version?: string;
  ipAddress?: string;
  userAgent?: string;
}

/** A session as the store holds it. The secret is represented only by its digest. */
export interface SessionRecord {
  /** Public, stable, unique (UUID). vSphere `UserSession.key`. */
  key: string;
  /** Public small integer, increasing per server. httpkom `session_no`. */
  number: number;
  /** SHA-256 of the secret, lowercase hex. */
  secretDigest: string;
  realm: string;
  /** Logged-in user name, or null for an anonymous session. */
  userName: string | null;
  /** Who logged this session in as `userName` through impersonation, if anyone (for the audit trail). */
  impersonatedBy: string | null;
  protocol: Protocol;
  createdAt: number;
  loginAt: number | null;
  lastActiveAt: number;
  /** Last explicit "the user is active" signal (httpkom `current/active`), or null. */
  userActiveAt: number | null;
  callCount: number;
  locale: string;
  messageLocale: string;
  client: ClientInfo;
  /** Idle timeout in ms, or null for no idle expiry. */
  idleTimeoutMs: number | null;
  /**
   * True when the client chose `idleTimeoutMs` (Agent `expiration`, AstroGrid minutes, JSON
   * `idleTimeoutSeconds`) rather than taking its realm's: a session that moves to another realm on
   * login keeps a chosen timeout (cut to that realm's cap) and otherwise takes the new realm's.
   */
  idleTimeoutChosen: boolean;
  /** Absolute deadline, or null for none. */
  expiresAt: number | null;
  binding: Binding | null;
}

/** Activity accumulated in memory and written to the store in batches. */
export interface ActivityDelta {
  key: string;
  lastActiveAt: number;
  /** Calls made since the last flush. */
  calls: number;
  userActiveAt: number | null;
}

/**
 * `local`: a one-time password for a user; `clone`: turns into a new session of the user;
 * `service`: authorizes one request to one service as the session it was taken from.
 */
export type TicketKind = "local" | "clone" | "service";

export interface TicketRecord {
  /** SHA-256 of the ticket secret, lowercase hex. */
  digest: string;
  kind: TicketKind;
  realm: string;
  userName: string;
  /** The session a clone or service ticket was taken from; null for local tickets. */
  sessionKey: string | null;
  expiresAt: number;
}

/** Why a session ended, or what else happened to it. */
export const EVENT_TYPES = [
  "created",
  "login",
  "login-failed",
  "login-throttled",
  "user-locked-out",
  "logout",
  "terminated",
  "expired-idle",
  "expired-absolute",
  "connection-closed",
  "disposed",
  "evicted",
  "message-updated",
  "locale-changed",
  "session-expiring",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Changes to the directory, which the audit log records next to session events: who made them is the
 * entry's `actor`. A password or ticket never appears in an entry, only that it changed or was issued.
 */
export const DIRECTORY_CHANGES = [
  "realm-created",
  "realm-updated",
  "realm-deleted",
  "user-created",
  "user-updated",
  "user-disabled",
  "user-enabled",
  "user-deleted",
  "password-changed",
  "login-ticket-issued",
  "group-created",
  "group-updated",
  "group-deleted",
  "webhook-added",
  "webhook-updated",
  "webhook-removed",
  // Not a change, but an operator reading a session's private state is audited the same way.
  "attributes-revealed",
] as const;

export type DirectoryChange = (typeof DIRECTORY_CHANGES)[number];

/** What an audit entry records: a session event or a directory change. */
export type AuditKind = EventType | DirectoryChange;

export const AUDIT_KINDS: readonly AuditKind[] = [...EVENT_TYPES, ...DIRECTORY_CHANGES];

export type EndReason = Extract<
  EventType,
  "terminated" | "expired-idle" | "expired-absolute" | "connection-closed" | "disposed" | "evicted"
>;

export interface AuditEntry {
  /** Assigned by the store; ignored on append. */
  id?: number;
  at: number;
  type: AuditKind;
  realm: string | null;
  userName: string | null;
  sessionKey: string | null;
  /** Who caused it (the acting user), when not the session's own user. */
  actor: string | null;
  ipAddress: string | null;
  protocol: Protocol | null;
  detail: string | null;
}

/** The service message: one text, optionally with translations keyed by locale. */
export interface ServiceMessage {
  text: string;
  byLocale: Record<string, string>;
  updatedAt: number | null;
  updatedBy: string | null;
}
