/**
 * What an operation is, and what it gets to work with.
 *
 * Each operation lives in its own file under `ops/`: it parses its input, names the privilege it
 * needs and does its work through the context. Front doors only map their wire names to operations
 * and call `engine.call(op, context, input)`; all session policy lives here in the core.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { SessionLimits } from "./config.ts";
import type { EventBus, SessionEvent } from "./events.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import type { PasswordHasher } from "./password.ts";
import type { Privilege } from "./privileges.ts";
import { parseInput, type Static, type TSchema } from "./schema.ts";
import type { SessionCap, SessionFilter, SessionPage, SessionPatch, Store } from "./store/index.ts";
import type { Binding, DirectoryChange, EndReason, Protocol, Realm, SessionRecord, User } from "./types.ts";
import type { WebhookEndpointList } from "./webhook-endpoints.ts";

/** Facts a front door knows about the caller of one request. */
export interface CallContext {
  protocol: Protocol;
  /** The bearer secret presented, if any. Never logged. */
  secret?: string | undefined;
  ipAddress?: string | undefined;
  userAgent?: string | undefined;
  /** True when the caller connected from a loopback address (local tickets are offered only then). */
  isLoopback?: boolean;
  /**
   * A service ticket presented instead of a secret (vSphere's `vmware_cgi_ticket`), with every scope
   * the request falls under: it is consumed, and the call runs in the session it was taken from.
   */
  serviceTicket?: { ticket: string; scopes: readonly string[] } | undefined;
  /** The open connection this call arrived on (see `engine.openConnection`), for connection-bound sessions. */
  connectionId?: string | undefined;
  /**
   * The realm the request addresses, when the front door names one (httpkom's `server_id`). An
   * unknown realm is `NOT_FOUND` (details: `realm`); a session of another realm counts as no session.
   */
  realm?: string | undefined;
  /**
   * Set only by in-process code (the command line working on its own data directory, start-up
   * tasks): the call runs with every privilege and without a session. Front doors never set it.
   */
  trusted?: boolean;
}

/** Who is calling: their session (with buffered activity merged), user and privileges. */
export interface Caller {
  context: CallContext;
  session: SessionRecord | null;
  user: User | null;
  privileges: ReadonlySet<Privilege>;
  /** Authenticated by a service ticket rather than the session's secret: only reading operations run. */
  byServiceTicket?: boolean;
}

/** Where a new session's life is tied to, as an operation input. */
export type BindingRequest = "none" | "connection" | "server";

/** How an operation names one session. */
export type SessionLookup = { key: string } | { number: number } | { digest: string };

/**
 * The one way operations read and change sessions: every session they get is live now, with this
 * node's buffered activity merged. A session whose timers or binding have ended it is ended (with its
 * event) when it is met, and comes back as null or is left out.
 */
export interface LiveSessions {
  /** The session, live now, or null. */
  find(lookup: SessionLookup): Promise<SessionRecord | null>;
  /**
   * Sessions matching the filter with `number > after`, ascending, at most `limit`, each live now; the
   * dead ones met are ended and left out, so a page may hold fewer than `limit`.
   */
  list(filter: SessionFilter, after: number | null, limit: number): Promise<SessionPage>;
  /** Changes fields of a session; answers it as it is now, or null when it no longer exists. */
  update(key: string, patch: SessionPatch): Promise<SessionRecord | null>;
  /**
   * Inserts a new session, under the cap when one is given (atomically, even across nodes). Sessions
   * evicted to make room are ended with their event. `session` is null when the cap refused it.
   */
  insert(record: SessionRecord, cap?: SessionCap): Promise<{ session: SessionRecord | null; denied: boolean }>;
  /**
   * Logs an existing session in (`patch.userName` names the user) under the cap when one is given, as
   * `insert` does; `session` is the session as it is now, or null when refused or gone.
   */
  login(
    key: string,
    patch: SessionPatch,
    cap?: SessionCap,
  ): Promise<{ session: SessionRecord | null; denied: boolean }>;
}

/**
 * The store as operations see it: sessions are read and changed through `OpContext.sessions` and ended
 * through `OpContext.endSession`, never directly, so that nothing reads an expired session by
 * forgetting to judge it, and every ending is announced.
 */
export type OpStore = Omit<
  Store,
  | "getSessionByDigest"
  | "getSessionByKey"
  | "getSessionByNumber"
  | "insertSession"
  | "insertSessionCapped"
  | "updateSession"
  | "updateSessionCapped"
  | "takeSession"
  | "listSessions"
  | "applyActivity"
  | "takeExpiredSessions"
  | "takeSessionsByBinding"
  | "close"
>;

/** What a directory change is about, for its audit entry; the engine adds when, who and from where. */
export interface DirectoryAudit {
  /** The realm it is about; null for what belongs to no realm (webhooks). */
  realm: string | null;
  userName?: string | null;
  /** What changed, in words; never a password, a hash or a ticket. */
  detail?: string | null;
}

/** What operations work with. Created by the engine for each call. */
export interface OpContext {
  readonly store: OpStore;
  /** Sessions, read and changed live (see `LiveSessions`). */
  readonly sessions: LiveSessions;
  readonly clock: Clock;
  readonly limits: SessionLimits;
  readonly hasher: PasswordHasher;
  /** The brute-force throttle every password check goes through (`ops/_login-attempt.ts`). */
  readonly throttle: LoginThrottle;
  readonly events: EventBus;
  readonly nodeId: string;
  readonly caller: Caller;
  /**
   * Who the caller is in the audit log and in events about others' sessions: `user@realm`,
   * "(local administrator)" for trusted in-process callers, null for an anonymous caller.
   */
  readonly actor: string | null;
  /** Ports to the world outside the pure core. */
  readonly ports: EnginePorts;
  /** The webhook endpoints this node sends to; null in an engine without an outbox. */
  readonly webhooks: WebhookEndpointList | null;
  /** The realm by name; throws `NOT_FOUND` when absent. */
  realm(name: string): Promise<Realm>;
  /** The default realm (the one with the all-zero id, or the first). */
  defaultRealm(): Promise<Realm>;
  /** The caller's privileges on behalf of a user (union of the user's and their groups'). */
  privilegesOf(user: User | null): Promise<Set<Privilege>>;
  /** Turns a binding request into a binding for this caller; throws when it cannot be granted. */
  binding(request: BindingRequest): Binding | null;
  /** Ends a session for a reason: deletes it, forgets its activity and emits the event. False if already gone. */
  endSession(key: string, reason: EndReason, detail?: string): Promise<boolean>;
  /** Records the explicit "user is active" signal for the caller's session (buffered like any activity). */
  recordUserActivity(session: SessionRecord): void;
  /** Emits an event about a session (or about none). */
  emit(type: SessionEvent["type"], session: SessionRecord | null, extra?: Partial<SessionEvent>): void;
  /**
   * Records a change to the directory in the audit log, with the caller as its actor. Resolves once
   * written and never rejects: the change is made already, so a failed write is logged, not thrown.
   */
  audit(kind: DirectoryChange, about: DirectoryAudit): Promise<void>;
  /** A password hash to verify against when the user is unknown, so timing reveals nothing. */
  decoyHash(): Promise<string>;
}

/** Ports the engine uses for what a pure core must not do itself. */
export interface EnginePorts {
  /**
   * Writes a local ticket to a file only the named OS user can read and returns its path. Provided
   * by the server (`src/server/local-tickets.ts`); absent in an engine that cannot write files.
   */
  writeLocalTicket?: (userName: string, ticket: string) => Promise<string>;
  /** Removes the file of a local ticket once the ticket is used. */
  removeLocalTicket?: (userName: string, ticket: string) => Promise<void>;
}

/** What every operation says about itself, whatever its input. */
interface OperationTraits {
  readonly name: string;
  /**
   * "none": callable without a session (an unknown secret counts as none); "session": needs a live
   * session, anonymous or not; "user": needs a logged-in session.
   */
  readonly auth: "none" | "session" | "user";
  /** Privilege checked before `run`; finer rules (for example "own sessions") live in `run`. */
  readonly privilege?: Privilege;
  /**
   * True for operations that only read, which a caller holding a service ticket may run. Every other
   * operation refuses such a caller (`INVALID_REQUEST`): a ticket must not turn into a session.
   */
  readonly serviceTicket?: boolean;
}

export interface Operation<I, O> extends OperationTraits {
  /**
   * The input, declared once as a JSON Schema: the JSON API's route schemas, the OpenAPI document and
   * the configuration readers are made from it (see `schema.ts`).
   */
  readonly input: TSchema;
  /** Checks untrusted input against `input` and `refine`; throws `INVALID_ARGUMENT`. */
  parse(raw: unknown): I;
  run(ctx: OpContext, input: I): Promise<O>;
}

/** An operation as written in `ops/`: its schema, what a schema cannot say (`refine`), and its work. */
interface OperationSpec<S extends TSchema, I, O> extends OperationTraits {
  readonly input: S;
  /**
   * Rules a schema cannot state (one of two fields, defaults, normalising case), applied to the input
   * once it matches the schema. Throws `INVALID_ARGUMENT` through `invalid` from `validate.ts`.
   */
  refine?(input: Static<S>): I;
  run(ctx: OpContext, input: I): Promise<O>;
}

/** Makes an operation from its spec: its `parse` is the schema's reader followed by `refine`. */
export function defineOperation<S extends TSchema, O>(
  spec: OperationSpec<S, Static<S>, O> & { refine?: undefined },
): Operation<Static<S>, O>;
export function defineOperation<S extends TSchema, I, O>(
  spec: OperationSpec<S, I, O> & { refine(input: Static<S>): I },
): Operation<I, O>;
export function defineOperation<S extends TSchema, I, O>(spec: OperationSpec<S, I, O>): Operation<I, O> {
  const { refine } = spec;
  const schema = spec.input;
  return {
    ...spec,
    parse: refine ? (raw) => refine(parseInput(schema, raw)) : (raw) => parseInput(schema, raw) as unknown as I,
  };
}
