/**
 * The store contract, part one: sessions and their attributes.
 *
 * A store stores and fetches; it never decides policy. Liveness, privileges, limits and events are the
 * engine's. Times are absolute epoch milliseconds passed in by the caller; a store never reads the wall
 * clock for a decision. Absence is a value (`null`, `false`), not an exception. Backend failures reject
 * with `SessionError("STORE_UNAVAILABLE")` carrying the backend error as `cause`.
 *
 * @module
 */

import type { ActivityPolicy } from "../session.ts";
import type { ActivityDelta, Protocol, SessionCapPolicy, SessionRecord } from "../types.ts";

/** Filter for listing sessions. Every given field must match. */
export interface SessionFilter {
  realm?: string;
  userName?: string;
  protocol?: Protocol;
}

/** One page of sessions, ordered by ascending `number`. */
export interface SessionPage {
  sessions: SessionRecord[];
  /** Pass as `after` to get the next page; null when this is the last page. */
  nextAfter: number | null;
}

/**
 * Fields of a session that operations may change in place. `realm` and `idleTimeoutMs` change only
 * when an anonymous session logs in to another realm and moves into it; `secretDigest` when a login
 * rotates the secret, after which the old secret finds nothing.
 */
export type SessionPatch = Partial<
  Pick<
    SessionRecord,
    | "userName"
    | "impersonatedBy"
    | "loginAt"
    | "locale"
    | "messageLocale"
    | "expiresAt"
    | "realm"
    | "idleTimeoutMs"
    | "secretDigest"
  >
>;

/** Limits a driver enforces atomically when an attribute is written. */
export interface AttributeLimits {
  /** Most attributes one session may hold. */
  maxCount: number;
  /** Most bytes (UTF-8 names plus values) one session may hold in all. */
  maxTotalBytes: number;
}

export type PutAttributeResult = "ok" | "no-session" | "limit";

/** A cap on one user's sessions, applied atomically by `insertSessionCapped` and `updateSessionCapped`. */
export interface SessionCap {
  /** Most sessions the user may hold, the one being written included. */
  max: number;
  /** At the cap: refuse the write (`deny`), or end the user's oldest other sessions to make room. */
  policy: SessionCapPolicy;
}

/** What a capped write did. */
export interface CappedWrite {
  /** The session as written; null when the cap refused it, or (update) when the session was gone. */
  session: SessionRecord | null;
  /** True when the cap refused the write: nothing changed. */
  denied: boolean;
  /**
   * The user's other sessions deleted to make room (`evict-oldest`), oldest first: by `loginAt` (or
   * `createdAt` when not logged in), then `number`.
   */
  evicted: SessionRecord[];
}

/** One attribute to write: name and value. */
export type AttributeEntry = readonly [name: string, value: string];

export interface SessionStore {
  /**
   * Hands out the next session number: strictly increasing for the life of the store (it survives
   * restarts on durable drivers) and never reused. Atomic across concurrent callers.
   */
  nextSessionNumber(): Promise<number>;

  /**
   * Makes every later `nextSessionNumber` greater than `atLeast`, for sessions copied in with their
   * numbers (moving from one store to another). Never moves the counter back.
   */
  reserveSessionNumbers(atLeast: number): Promise<void>;

  /**
   * Inserts a new session. Rejects with `SessionError("ALREADY_EXISTS")` when its `key`, `number` or
   * `secretDigest` is taken. Durable drivers have the record on disk when this resolves. On a shared
   * store (one with a `cluster` part), a session bound to a node is inserted only while that node holds
   * a live lease (its current epoch's, for the store's own node); otherwise this rejects with
   * `STORE_UNAVAILABLE`, reason `fenced`. The same holds for `insertSessionCapped`.
   */
  insertSession(record: SessionRecord): Promise<void>;

  /** The session whose secret has this digest, or null. Does not judge liveness. */
  getSessionByDigest(secretDigest: string): Promise<SessionRecord | null>;

  /** The session with this public key, or null. Does not judge liveness. */
  getSessionByKey(key: string): Promise<SessionRecord | null>;

  /** The session with this public number, or null. Does not judge liveness. */
  getSessionByNumber(number: number): Promise<SessionRecord | null>;

  /**
   * The sessions with these keys that exist, in no particular order (absent keys are left out), in one
   * read: a node keeps its cache of busy sessions fresh with it. Does not judge liveness.
   */
  getSessionsByKeys(keys: readonly string[]): Promise<SessionRecord[]>;

  /**
   * Inserts a new logged-in session under a cap on its user's sessions (`realm`, `userName`), as one
   * atomic step even across nodes: counts the user's sessions and, when `cap.max` are there already,
   * inserts nothing (`deny`) or deletes the oldest to make room (`evict-oldest`). Rejects like
   * `insertSession`. Counting then inserting without that atomicity lets racing logins exceed the cap.
   */
  insertSessionCapped(record: SessionRecord, cap: SessionCap): Promise<CappedWrite>;

  /**
   * Logs an existing session in under a cap, atomically as `insertSessionCapped`: `patch.userName`
   * (required) and the session's realm after the patch name the user, and the session itself does not
   * count against it. A session that no longer exists answers `session: null`, `denied: false`.
   */
  updateSessionCapped(key: string, patch: SessionPatch, cap: SessionCap): Promise<CappedWrite>;

  /**
   * Atomic update-if-present of the given fields. Returns the updated record, or null when the session
   * no longer exists (it is never re-created).
   */
  updateSession(key: string, patch: SessionPatch): Promise<SessionRecord | null>;

  /**
   * Applies buffered activity in one batch: for each delta whose session still exists, sets
   * `lastActiveAt` to the later of the stored and given value, adds `calls` to `callCount`, and sets
   * `userActiveAt` when given. Deltas of absent sessions are ignored (an ended session stays ended).
   */
  applyActivity(deltas: readonly ActivityDelta[]): Promise<void>;

  /**
   * Deletes a session with its attributes, atomically. Returns the deleted record, or null when it was
   * already gone, so that exactly one of several concurrent callers sees the deletion.
   */
  takeSession(key: string): Promise<SessionRecord | null>;

  /**
   * Deletes and returns up to `limit` sessions whose deadline has passed: `expiresAt <= now`, or
   * `lastActiveAt + idleTimeoutMs + grace <= now`, where the grace is `idleGraceMs(idleTimeoutMs,
   * grace)` (`src/core/session.ts`) when `grace` is given and 0 otherwise. The grace covers activity
   * other nodes hold and have not written yet; SQL drivers compute it with `idleGraceTerms`. Must use an
   * index on the deadline, so that its cost grows with the number of sessions that expire (or lie
   * within their grace), not the number that exist. Of several concurrent callers each session goes
   * to exactly one.
   */
  takeExpiredSessions(now: number, limit: number, grace?: ActivityPolicy): Promise<SessionRecord[]>;

  /**
   * Deletes and returns every session whose stored binding text starts with `prefix`
   * (see `bindingToText`). Used when a connection closes and at start-up.
   */
  takeSessionsByBinding(prefix: string): Promise<SessionRecord[]>;

  /** Sessions matching the filter with `number > after`, ascending by number, at most `limit`. */
  listSessions(filter: SessionFilter, after: number | null, limit: number): Promise<SessionPage>;

  /** Number of sessions matching the filter. */
  countSessions(filter: SessionFilter): Promise<number>;

  /**
   * Number of anonymous sessions (`userName` null) whose `client.ipAddress` is exactly `ipAddress` and
   * whose deadline has not passed at `now`: the earlier of `expiresAt` and `lastActiveAt +
   * idleTimeoutMs`, each when set (a session with neither counts). The engine caps what one address
   * may hold with it, on every node of a shared store. Served by an index on the address of
   * anonymous sessions, so that its cost grows with that address's sessions, not with all sessions.
   */
  countAnonymousSessions(ipAddress: string, now: number): Promise<number>;

  /** The value, or null when the attribute or the session is absent. */
  getAttribute(sessionKey: string, name: string): Promise<string | null>;

  /**
   * Sets one or more attributes as one atomic change, checking that the session exists and that the
   * limits hold after the write (a replaced value counts only its new size). When a name appears
   * twice, the later value wins. Nothing changes unless the result is `"ok"`.
   */
  putAttributes(
    sessionKey: string,
    entries: readonly AttributeEntry[],
    limits: AttributeLimits,
  ): Promise<PutAttributeResult>;

  /** True when an attribute was deleted. */
  deleteAttribute(sessionKey: string, name: string): Promise<boolean>;

  /** All attributes of a session (empty when it has none or does not exist). */
  listAttributes(sessionKey: string): Promise<Record<string, string>>;
}
