/**
 * The engine: resolves callers, runs operations, buffers activity, sweeps expired sessions, binds
 * sessions to connections and announces every change as an event.
 *
 * It is pure of I/O of its own: it talks to a `Store`, reads time from a `Clock`, hashes passwords
 * through a `PasswordHasher` and reaches files only through `EnginePorts`. Front doors call
 * `engine.call(op, context, input)`; applications can embed it the same way.
 *
 * The hot path (who am I, on every request an application validates) reads the session from the
 * hot-session cache (`session-cache.ts`, kept exact by `cached-store.ts`) and records the call in the
 * activity buffer (`activity.ts`), which writes to the store once per session per tolerance, not per
 * request. With a shared store (several nodes), cached sessions are trusted for a bounded time and no
 * session is ended as idle within its grace (`session.ts`).
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import { createActivityBuffer } from "./activity.ts";
import { createAuditNames } from "./audit-names.ts";
import { bindingPrefix } from "./binding.ts";
import { withSessionCache } from "./cached-store.ts";
import { type Clock, systemClock } from "./clock.ts";
import { type ClusterSettings, createClusterLink, DEFAULT_CLUSTER_SETTINGS, type NodeState } from "./cluster-link.ts";
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from "./config.ts";
import { createDirectoryCache } from "./directory-cache.ts";
import { type ErrorCode, SessionError } from "./errors.ts";
import { createEventBus, END_REASONS, type EventBus, type SessionEvent } from "./events.ts";
import { createHashQueue } from "./hash-queue.ts";
import {
  createLoginThrottle,
  DEFAULT_THROTTLE_SETTINGS,
  type ThrottleNotice,
  type ThrottleSettings,
} from "./login-throttle.ts";
import type {
  BindingRequest,
  CallContext,
  Caller,
  DirectoryAudit,
  EnginePorts,
  LiveSessions,
  OpContext,
  Operation,
} from "./operation.ts";
import { createArgon2Hasher, createDecoyHash, type PasswordHasher } from "./password.ts";
import { ALL_PRIVILEGES, effectivePrivileges, requirePrivilege } from "./privileges.ts";
import { digestSecret, serviceTicketDigest } from "./secrets.ts";
import { type ActivityPolicy, expiryReason, idleGraceMs } from "./session.ts";
import { createSessionCache, type SessionCacheStats } from "./session-cache.ts";
import type { Store } from "./store/index.ts";
import type { ActivityDelta, DirectoryChange, EndReason, Protocol, SessionRecord, User } from "./types.ts";
import type { EventOutbox } from "./webhook-outbox.ts";

/** The subset of a pino logger the engine uses. */
export interface EngineLogger {
  error(object: unknown, message?: string): void;
  warn(object: unknown, message?: string): void;
  info(object: unknown, message?: string): void;
}

/** The operations that change the webhook endpoints, after which every node reads them again. */
const WEBHOOK_CHANGES = new Set(["webhooks.add", "webhooks.update", "webhooks.remove"]);

export interface EngineOptions {
  store: Store;
  clock?: Clock;
  hasher?: PasswordHasher;
  limits?: Partial<SessionLimits>;
  /** Names this server among those sharing a store. @default "main" */
  nodeId?: string;
  ports?: EnginePorts;
  log?: EngineLogger;
  /** Whether to write login, failed-login and session-ending events to the store's audit log. @default true */
  audit?: boolean;
  /** How the node keeps its lease when the store is shared (`store.cluster`). */
  cluster?: Partial<ClusterSettings>;
  /** The brute-force throttle on logins (`login-throttle.ts`). */
  throttle?: Partial<ThrottleSettings>;
  /**
   * Where events and directory changes that leave the process (webhooks) are written. A call answers
   * only once what it caused is written there.
   */
  outbox?: EventOutbox;
  /** Hooks for metrics. */
  observe?: EngineObserver;
}

export interface Engine {
  readonly store: Store;
  readonly clock: Clock;
  readonly limits: SessionLimits;
  readonly events: EventBus;
  readonly nodeId: string;
  /** Resolves the caller, checks authentication and privilege, then runs the operation. */
  call<I, O>(op: Operation<I, O>, context: CallContext, input?: unknown): Promise<O>;
  /** Resolves who is calling; records the call as activity of their session. */
  authenticate(context: CallContext): Promise<Caller>;
  /**
   * Checks authentication and privilege and runs the operation for a caller `authenticate` resolved,
   * recording no further activity: a front door whose one request runs several operations (a vSphere
   * property read, an Agent packet checked for its session first) counts it as one call.
   */
  run<I, O>(op: Operation<I, O>, caller: Caller, input?: unknown): Promise<O>;
  /**
   * The same caller as it is now: its session's current state with buffered activity (anonymous once
   * the session has ended) and its user's current privileges. Records no activity: for a long call (a
   * vSphere `WaitForUpdatesEx`) that acts again for its caller after waiting.
   */
  refresh(caller: Caller): Promise<Caller>;
  /** Registers an open connection (for example an Agent TCP connection); returns its id. */
  openConnection(): string;
  /** Forgets a connection and ends every session bound to it (`connection-closed`). */
  closeConnection(connectionId: string): Promise<void>;
  /**
   * Writes the activity that is due to the store now (all of it with `everything`); false when some
   * could not be written (it is kept for the next flush).
   */
  flush(everything?: boolean): Promise<boolean>;
  /**
   * Forgets what this node holds of a session that another node changed or ended (the entry point for
   * a shared store's notifications): its next use reads the store.
   */
  invalidateSession(key: string): void;
  /** Forgets every cached session, for when notifications may have been missed (a reconnect). */
  invalidateAllSessions(): void;
  /** What the engine holds in memory now, and how much activity it has written. */
  stats(): EngineStats;
  /**
   * Watches a session for a push channel (an SSE stream, a vSphere wait, an Agent login): when the
   * store is shared, its ending is announced here even if the other node's hint is lost. Returns the
   * function that stops watching. Without a shared store, every ending happens here: nothing to do.
   */
  watchSession(key: string, channel?: string): () => void;
  /** `alone` without a shared store; otherwise the state of this node's lease. */
  nodeState(): NodeState | "alone";
  /** Called when the node's lease state changes (fenced, serving again). */
  onNodeState(listener: (state: NodeState) => void): () => void;
  /** Removes expired sessions and tickets now; returns the number of sessions removed. */
  sweep(): Promise<number>;
  /** Removes bound sessions a previous process of this node left behind, then starts the timers. */
  start(): Promise<void>;
  /** Stops the timers, writes buffered activity and ends this node's server-bound sessions. */
  stop(): Promise<void>;
}

export interface EngineStats {
  /** Sessions with activity held in memory, not yet (or no longer) worth writing. */
  activityBuffered: number;
  /** Session rows written by activity flushes since the engine started. */
  activityRowsWritten: number;
  /** Activity flushes that wrote at least one row. */
  activityWrites: number;
  cache: SessionCacheStats;
  /** Push channels watching sessions on this node, by channel (`watchSession`). */
  watchers: Record<string, number>;
  /** Hints to and from the other nodes sharing the store; null when alone. */
  hints: { sent: number; received: number; pingsConfirmed: number } | null;
}

/** Hooks for metrics: the engine tells what it did, and never waits for them. */
export interface EngineObserver {
  /** A monotonic clock in ms for timing calls (metrics want µs, finer than the engine's clock). */
  now?(): number;
  /** An operation ran for a caller, from `began` (`now()`), answering ok or an error code. */
  callFinished?(operation: string, door: Protocol, outcome: ErrorCode | "ok", began: number): void;
  /** An activity flush wrote `rows` session rows in `durationMs`. */
  activityWritten?(rows: number, durationMs: number): void;
  /** A password hash or verification waited this long for its turn. */
  hashWaited?(waitedMs: number): void;
}

const SWEEP_BATCH = 500;
/** Busy cached sessions read again per refresh, and per query (a shared store). */
const REFRESH_LIMIT = 20_000;
const REFRESH_BATCH = 1_000;
/** Sessions whose activity is written in one store call; small enough to keep each call short. */
const FLUSH_BATCH = 200;

const noopLogger: EngineLogger = { error() {}, warn() {}, info() {} };

/** Events that other nodes sharing the store are not told of. */
const LOCAL_ONLY_EVENTS: ReadonlySet<SessionEvent["type"]> = new Set<SessionEvent["type"]>([
  "login-failed",
  "session-expiring",
]);

/** Logins, failed logins, logouts, every ending and service message changes go to the audit log. */
const AUDITED: ReadonlySet<SessionEvent["type"]> = new Set<SessionEvent["type"]>([
  "login",
  "login-failed",
  "login-throttled",
  "user-locked-out",
  "logout",
  "message-updated",
  ...END_REASONS,
]);

/** Why an attempt was held back, as the audit log says it. */
function throttleDetail(notice: ThrottleNotice): string {
  const retry = `retry after ${notice.retryAfterSeconds} s`;
  if (notice.heldBy === "concurrency") return `Too many concurrent attempts from the address; ${retry}.`;
  return `Held back after ${notice.failures} failures of the ${notice.heldBy}; ${retry}.`;
}

export function createEngine(options: EngineOptions): Engine {
  const backing = options.store;
  const clock = options.clock ?? systemClock;
  const limits: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...options.limits };
  // Hashing waits its turn behind `hashConcurrency` others (0, left unresolved by a server: unbounded).
  const baseHasher = options.hasher ?? createArgon2Hasher();
  const hasher =
    limits.hashConcurrency > 0
      ? createHashQueue(baseHasher, limits.hashConcurrency, {
          now: () => clock.now(),
          onWaited: options.observe?.hashWaited,
        })
      : baseHasher;
  const nodeId = options.nodeId ?? "main";
  const ports = options.ports ?? {};
  const log = options.log ?? noopLogger;
  const events = createEventBus((error) => log.error({ err: error }, "An event listener failed"));
  const policy: ActivityPolicy = {
    toleranceCapMs: limits.activityToleranceSeconds * 1000,
    flushMs: limits.activityFlushMs,
  };
  // Alone on its store, this node's buffer holds all activity there is: judgments are exact. With
  // other nodes, any of them may hold activity it has not written yet (see session.ts).
  const shared = backing.shared;
  const activity = createActivityBuffer(policy);
  const cache = createSessionCache({
    maxEntries: limits.sessionCacheEntries,
    stalenessMs: shared ? limits.sessionCacheStalenessMs : null,
    // Other nodes' activity is not announced: a cached session shows it within two tolerances.
    confirmedMaxAgeMs: Math.max(limits.sessionCacheStalenessMs, policy.toleranceCapMs),
  });
  const store = withSessionCache(backing, cache, clock);
  const directory = createDirectoryCache(store, clock);
  const openConnections = new Set<string>();
  /** Sessions push channels watch here, with how many watch each; and watchers by channel, for metrics. */
  const watched = new Map<string, number>();
  const watcherCounts = new Map<string, number>();
  /** Per watched session, the idle deadline it was last warned of (`session-expiring`), so once each. */
  const warnedDeadlines = new Map<string, number>();
  let decoy: Promise<string> | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<number> | undefined;
  let flushing: Promise<boolean> | undefined;
  let activityRowsWritten = 0;
  let activityWrites = 0;
  let refreshTimer: NodeJS.Timeout | undefined;
  let refreshing = false;

  const auditNames = createAuditNames(store);
  const throttleSettings: ThrottleSettings = { ...DEFAULT_THROTTLE_SETTINGS, ...options.throttle };
  const throttle = createLoginThrottle({
    store,
    clock,
    settings: throttleSettings,
    // The typed name as a keyed digest: it may be a password typed into the wrong field.
    userKey: async (realm, typedName) => `user:${realm}:${await auditNames.digest(typedName.toLowerCase())}`,
    onThrottled: (notice) => {
      // A user that exists is named as it is, as in any failed login; other names only as digests.
      void store
        .getUser(notice.realm, notice.typedName)
        .catch(() => null)
        .then((user) =>
          emit("login-throttled", null, {
            realm: notice.realm,
            userName: user ? user.name : null,
            ...(user ? {} : { unknownUserName: notice.typedName }),
            ipAddress: notice.address,
            detail: throttleDetail(notice),
          }),
        );
    },
  });

  if (options.audit !== false) {
    events.subscribe((event) => {
      // A relayed event is in the audit log already, written by the node that emitted it.
      if (!AUDITED.has(event.type) || event.remote) return;
      const entry = {
        at: event.at,
        type: event.type,
        realm: event.realm,
        userName: event.userName,
        sessionKey: event.sessionKey,
        actor: event.actor,
        ipAddress: event.ipAddress,
        protocol: event.protocol,
        detail: event.detail,
      };
      // A name no user has may be a mistyped password: only its keyed digest is written.
      const unknown = event.unknownUserName;
      const written =
        unknown === undefined
          ? store.appendAudit(entry)
          : auditNames.digest(unknown).then((userName) => store.appendAudit({ ...entry, userName }));
      written.catch((error: unknown) => log.error({ err: error }, "Could not write the audit log"));
    });
  }

  // Outbox writes a call causes are waited for before it answers (`run`), so that an answered
  // request's events survive a crash; those of the sweeper and of relayed events are not waited for.
  const outbox = options.outbox;
  const outboxWrites = new Set<Promise<void>>();
  function toOutbox(write: Promise<void> | undefined): void {
    if (write === undefined) return;
    const tracked: Promise<void> = write
      .catch((error: unknown) => log.error({ err: error }, "Could not write to the webhook outbox"))
      .finally(() => outboxWrites.delete(tracked));
    outboxWrites.add(tracked);
  }
  /** Waits for every outbox write started so far, those of the calling operation among them. */
  async function outboxWritten(): Promise<void> {
    await Promise.all(outboxWrites);
  }
  if (outbox) events.subscribe((event) => toOutbox(outbox.recordEvent(event)));

  // Several nodes on one store: a lease, and hints to and from the others (cluster-link.ts).
  const link = backing.cluster
    ? createClusterLink({
        cluster: backing.cluster,
        store: backing,
        clock,
        nodeId,
        settings: { ...DEFAULT_CLUSTER_SETTINGS, ...options.cluster },
        // Pings confirm the cache four times per staleness bound: no ping, no cache, no need.
        pingMs: limits.sessionCacheEntries > 0 ? Math.max(50, Math.floor(limits.sessionCacheStalenessMs / 4)) : null,
        hooks: {
          forgetSession(key, ended) {
            cache.drop(key);
            if (ended) activity.forget(key);
          },
          forgetDirectory: () => {
            directory.clear();
            // A webhook change is hinted as a directory change: read the endpoints again too.
            outbox?.endpoints?.reload().catch((error: unknown) => {
              log.error({ err: error }, "Could not read the webhook endpoints; will retry");
            });
          },
          forgetAllSessions: () => cache.dropAll(),
          confirmFresh: (sentAt) => cache.confirm(sentAt),
          relay: (event) => events.emit(event),
          fence: async () => {
            await endBound(bindingPrefix("connection", nodeId), "connection-closed");
            await endBound(bindingPrefix("server", nodeId), "disposed");
          },
          warn: (object, message) => log.warn(object, message),
          info: (object, message) => log.info(object, message),
        },
      })
    : undefined;
  if (link) {
    events.subscribe((event) => {
      // A failed login changes nothing another node holds, and an expiry warning is for this node's own
      // push channels (each node warns its own); everything else may matter there (caches, channels).
      if (!event.remote && !LOCAL_ONLY_EVENTS.has(event.type)) link.publish(event);
    });
  }

  /** Refuses to act for callers while this node has lost its lease (another node may reap its sessions). */
  function requireLease(): void {
    if (link?.state === "fenced") {
      throw new SessionError(
        "STORE_UNAVAILABLE",
        "This node has lost its lease on the shared store: try another node, or again in a few seconds.",
        { reason: "fenced" },
      );
    }
  }

  /** How long past its idle deadline a session may still be alive elsewhere: none when alone. */
  const graceOf = (session: SessionRecord) => (shared ? idleGraceMs(session.idleTimeoutMs, policy) : 0);

  function emit(type: SessionEvent["type"], session: SessionRecord | null, extra: Partial<SessionEvent> = {}): void {
    events.emit({
      type,
      at: clock.now(),
      sessionKey: session?.key ?? null,
      sessionNumber: session?.number ?? null,
      realm: session?.realm ?? null,
      userName: session?.userName ?? null,
      protocol: session?.protocol ?? null,
      actor: null,
      ipAddress: session?.client.ipAddress ?? null,
      detail: null,
      ...extra,
    });
  }

  /** Writes a directory change to the audit log (see `OpContext.audit`). */
  async function auditChange(caller: Caller, kind: DirectoryChange, about: DirectoryAudit): Promise<void> {
    if (outbox) {
      const notice = { at: clock.now(), change: kind, realm: about.realm, actor: actorOf(caller) };
      toOutbox(outbox.recordChange({ ...notice, userName: about.userName ?? null, detail: about.detail ?? null }));
    }
    if (options.audit === false) return;
    try {
      await store.appendAudit({
        at: clock.now(),
        type: kind,
        realm: about.realm,
        userName: about.userName ?? null,
        sessionKey: null,
        actor: actorOf(caller),
        ipAddress: caller.context.ipAddress ?? null,
        protocol: caller.context.protocol,
        detail: about.detail ?? null,
      });
    } catch (error) {
      log.error({ err: error }, "Could not write the audit log");
    }
  }

  async function endSession(key: string, reason: EndReason, detail?: string, actor?: string | null): Promise<boolean> {
    const ended = await store.takeSession(key);
    activity.forget(key);
    if (!ended) return false;
    const byOwner = actor === `${ended.userName}@${ended.realm}`;
    emit(reason, ended, { detail: detail ?? null, actor: byOwner ? null : (actor ?? null) });
    return true;
  }

  /** Why a stored session is no longer live, or null while it is. */
  function deathReason(session: SessionRecord, now: number): EndReason | null {
    const timers = expiryReason(session, now, graceOf(session));
    if (timers) return timers;
    const binding = session.binding;
    if (binding?.kind === "connection" && binding.node === nodeId && !openConnections.has(binding.connection)) {
      return "connection-closed";
    }
    return null;
  }

  /** Consumes a service ticket under the first scope it was made for; the session it came from, if still there. */
  async function sessionOfServiceTicket(presented: NonNullable<CallContext["serviceTicket"]>) {
    for (const scope of presented.scopes) {
      const ticket = await store.takeTicket(serviceTicketDigest(scope, presented.ticket), "service", clock.now());
      if (!ticket?.sessionKey) continue;
      const session = await store.getSessionByKey(ticket.sessionKey);
      // The session must still be the ticket user's: a logout and another login in between void it.
      return session && session.userName === ticket.userName && session.realm === ticket.realm ? session : null;
    }
    return null;
  }

  const anonymous = (context: CallContext): Caller => ({
    context,
    session: null,
    user: null,
    privileges: effectivePrivileges(null, () => []),
  });

  /** The caller a stored session makes, judged live now; `record` counts the call as its activity. */
  async function callerOf(context: CallContext, found: SessionRecord, record: boolean): Promise<Caller> {
    const now = clock.now();
    let stored = found;
    let session = activity.merge(stored);
    let reason = deathReason(session, now);
    if (reason === "expired-idle" && shared) {
      const row = await rowOf(stored.key);
      if (!row) return anonymous(context);
      stored = row;
      session = activity.merge(row);
      reason = deathReason(session, now);
    }
    if (reason) {
      await endSession(session.key, reason);
      return anonymous(context);
    }
    let user: User | null = null;
    let privileges = effectivePrivileges(null, () => []);
    if (session.userName !== null) {
      const entry = await directory.user(session.realm, session.userName);
      if (!entry.user || entry.user.disabled) {
        await endSession(session.key, "terminated", "The user was deleted or disabled.");
        return anonymous(context);
      }
      user = entry.user;
      privileges = entry.privileges;
    }
    if (record) {
      activity.record(stored, now);
      // `session` is the buffer's own copy: counting this call in it changes nothing shared.
      session.lastActiveAt = Math.max(session.lastActiveAt, now);
      session.callCount += 1;
    }
    return { context, session, user, privileges };
  }

  async function authenticate(context: CallContext): Promise<Caller> {
    requireLease();
    if (context.trusted) return { context, session: null, user: null, privileges: new Set(ALL_PRIVILEGES) };
    if (context.realm !== undefined && !(await directory.realm(context.realm))) {
      throw new SessionError("NOT_FOUND", "No such realm.", { details: { realm: context.realm } });
    }
    let stored = context.secret ? await store.getSessionByDigest(digestSecret(context.secret)) : null;
    let byServiceTicket = false;
    if (!stored && context.serviceTicket) {
      stored = await sessionOfServiceTicket(context.serviceTicket);
      byServiceTicket = stored !== null;
    }
    if (!stored) return anonymous(context);
    // Addressed under another realm (an httpkom id used under a foreign `server_id`), the session
    // counts as none there. It is neither ended nor touched: under its own realm it still works.
    if (context.realm !== undefined && stored.realm !== context.realm) return anonymous(context);
    const caller = await callerOf(context, stored, true);
    return byServiceTicket && caller.session ? { ...caller, byServiceTicket } : caller;
  }

  async function refresh(caller: Caller): Promise<Caller> {
    if (caller.context.trusted || !caller.session) return caller;
    const stored = await store.getSessionByKey(caller.session.key);
    const fresh = stored ? await callerOf(caller.context, stored, false) : anonymous(caller.context);
    return caller.byServiceTicket && fresh.session ? { ...fresh, byServiceTicket: true } : fresh;
  }

  /**
   * A session's row, read past the cache (which then holds it), or null when it is gone. With a shared
   * store, a cached copy that looks idle is checked against it before the session is ended: other
   * nodes' activity moves the row, and is not announced.
   */
  async function rowOf(key: string): Promise<SessionRecord | null> {
    const token = cache.readToken();
    const row = await backing.getSessionByKey(key);
    if (!row) {
      cache.drop(key);
      activity.forget(key);
      return null;
    }
    cache.put(row, clock.now(), token);
    return row;
  }

  /** A stored session as it is now: buffered activity merged, or null (after ending it) once dead. */
  async function judged(found: SessionRecord | null): Promise<SessionRecord | null> {
    if (!found) return null;
    let session = activity.merge(found);
    let reason = deathReason(session, clock.now());
    if (reason === "expired-idle" && shared) {
      const row = await rowOf(found.key);
      if (!row) return null;
      session = activity.merge(row);
      reason = deathReason(session, clock.now());
    }
    if (!reason) return session;
    await endSession(session.key, reason);
    return null;
  }

  const sessions: LiveSessions = {
    async find(lookup) {
      if ("key" in lookup) return judged(await store.getSessionByKey(lookup.key));
      if ("number" in lookup) return judged(await store.getSessionByNumber(lookup.number));
      return judged(await store.getSessionByDigest(lookup.digest));
    },
    async list(filter, after, limit) {
      const page = await store.listSessions(filter, after, limit);
      const live: SessionRecord[] = [];
      for (const stored of page.sessions) {
        const session = await judged(stored);
        if (session) live.push(session);
      }
      return { sessions: live, nextAfter: page.nextAfter };
    },
    async update(key, patch) {
      const updated = await store.updateSession(key, patch);
      return updated ? activity.merge(updated) : null;
    },
    async insert(record, cap) {
      if (!cap) {
        await store.insertSession(record);
        return { session: record, denied: false };
      }
      const written = await store.insertSessionCapped(record, cap);
      endEvicted(written.evicted);
      return { session: written.session, denied: written.denied };
    },
    async login(key, patch, cap) {
      if (!cap) {
        const updated = await store.updateSession(key, patch);
        return { session: updated ? activity.merge(updated) : null, denied: false };
      }
      const written = await store.updateSessionCapped(key, patch, cap);
      endEvicted(written.evicted);
      return { session: written.session ? activity.merge(written.session) : null, denied: written.denied };
    },
  };

  /** Sessions a capped write deleted to make room: gone from the store, now ended here too. */
  function endEvicted(evicted: readonly SessionRecord[]): void {
    for (const session of evicted) {
      activity.forget(session.key);
      emit("evicted", session, { detail: "Evicted by a newer login over the realm's limit." });
    }
  }

  function context(caller: Caller): OpContext {
    return {
      store,
      clock,
      limits,
      hasher,
      throttle,
      events,
      nodeId,
      caller,
      // Only the operations that record who acted read it: not worth a string per call for the rest.
      get actor() {
        return actorOf(caller);
      },
      ports,
      webhooks: outbox?.endpoints ?? null,
      sessions,
      async realm(name) {
        const realm = await directory.realm(name);
        if (!realm) throw new SessionError("NOT_FOUND", "No such realm.", { details: { realm: name } });
        return realm;
      },
      defaultRealm: directory.defaultRealm,
      privilegesOf: directory.privilegesOf,
      binding(request: BindingRequest) {
        if (request === "none") return null;
        if (request === "server") {
          if (!caller.context.trusted) {
            throw new SessionError("INVALID_REQUEST", "Only the server itself may create server-bound sessions.");
          }
          return { kind: "server", node: nodeId };
        }
        const connection = caller.context.connectionId;
        if (!connection || !openConnections.has(connection)) {
          throw new SessionError("INVALID_REQUEST", "A connection-bound session needs an open connection.");
        }
        return { kind: "connection", node: nodeId, connection };
      },
      endSession: (key, reason, detail) => endSession(key, reason, detail, actorOf(caller)),
      recordUserActivity(session) {
        activity.recordUserActive(session, clock.now());
      },
      emit,
      audit: (kind, about) => auditChange(caller, kind, about),
      decoyHash() {
        decoy ??= createDecoyHash(hasher);
        return decoy;
      },
    };
  }

  const observeCall = options.observe?.callFinished;
  const observedNow = options.observe?.now;

  async function call<I, O>(op: Operation<I, O>, callContext: CallContext, input?: unknown): Promise<O> {
    if (!observeCall || !observedNow) return runUnobserved(op, await authenticate(callContext), input);
    const began = observedNow();
    try {
      const result = await runUnobserved(op, await authenticate(callContext), input);
      observeCall(op.name, callContext.protocol, "ok", began);
      return result;
    } catch (error) {
      observeCall(op.name, callContext.protocol, error instanceof SessionError ? error.code : "INTERNAL", began);
      throw error;
    }
  }

  /** An operation run for a caller a front door authenticated before (`engine.run`). */
  async function run<I, O>(op: Operation<I, O>, caller: Caller, input?: unknown): Promise<O> {
    if (!observeCall || !observedNow) return runUnobserved(op, caller, input);
    const began = observedNow();
    try {
      const result = await runUnobserved(op, caller, input);
      observeCall(op.name, caller.context.protocol, "ok", began);
      return result;
    } catch (error) {
      observeCall(op.name, caller.context.protocol, error instanceof SessionError ? error.code : "INTERNAL", began);
      throw error;
    }
  }

  async function runUnobserved<I, O>(op: Operation<I, O>, caller: Caller, input?: unknown): Promise<O> {
    const callContext = caller.context;
    // `details.reason` tells "no live session at all" from "a session, but not logged in": some wire
    // forms answer them differently (httpkom: 403 and 401).
    if (op.auth !== "none" && !caller.session && !callContext.trusted) {
      throw new SessionError("NOT_AUTHENTICATED", undefined, { reason: "no-session" });
    }
    if (op.auth === "user" && !caller.user && !callContext.trusted) {
      throw new SessionError("NOT_AUTHENTICATED", "This operation needs a logged-in session: log in first.", {
        reason: "login-required",
      });
    }
    if (op.privilege) requirePrivilege(caller.privileges, op.privilege);
    checkServiceTicketUse(caller, op.serviceTicket === true);
    const parsed = op.parse(input);
    let result: O;
    try {
      result = await op.run(context(caller), parsed);
    } finally {
      if (outboxWrites.size > 0) await outboxWritten();
    }
    if (op.name.startsWith("directory.")) {
      directory.clear();
      link?.publishDirectoryChange();
    }
    if (WEBHOOK_CHANGES.has(op.name) && outbox?.endpoints) {
      // This node sends to the new list before the call answers; the others when the hint arrives.
      // The change is made: a failed read leaves the list to the next reload rather than fail the call.
      await outbox.endpoints.reload().catch((error: unknown) => {
        log.error({ err: error }, "Could not read the webhook endpoints; will retry");
      });
      link?.publishDirectoryChange();
    }
    return result;
  }

  async function flush(everything = false): Promise<boolean> {
    // One flush at a time: a second caller waits for the running one, then writes what is left.
    while (flushing !== undefined) await flushing.catch(() => false);
    const deltas = activity.drain(clock.now(), everything);
    if (deltas.length === 0) return true;
    flushing = writeActivity(deltas).finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  /**
   * Writes activity in small batches and lets other work run between them: one large synchronous
   * write (SQLite) would stall every request for its whole length. Each batch is written to the backing
   * store, then shown in the cache and settled in the buffer in one synchronous step, so no reader ever
   * counts a call twice or not at all.
   */
  async function writeActivity(deltas: ActivityDelta[]): Promise<boolean> {
    const began = clock.now();
    for (let start = 0; start < deltas.length; start += FLUSH_BATCH) {
      const batch = deltas.slice(start, start + FLUSH_BATCH);
      try {
        await backing.applyActivity(batch);
      } catch (error) {
        activity.restore(deltas.slice(start), clock.now());
        log.error({ err: error }, "Could not write session activity; will retry");
        return false;
      }
      cache.applyActivity(batch);
      activity.settle(batch);
      activityRowsWritten += batch.length;
      if (start + FLUSH_BATCH < deltas.length) await new Promise((resolve) => setImmediate(resolve));
    }
    activityWrites += 1;
    options.observe?.activityWritten?.(deltas.length, clock.now() - began);
    return true;
  }

  /**
   * With a shared store, cached sessions are trusted for `sessionCacheStalenessMs` past their read or
   * the last ping that came back (`session-cache.ts`), and for the max age at most. Busy ones (used
   * within that window) that are about to go stale, because pings stopped coming back or the max age
   * nears, are read again, many in one query, so that their requests keep finding them in the cache: no
   * more reads than the misses it replaces. One not used within the window is left to go stale and be
   * read on its next use. While pings come back, nothing is due until the max age.
   */
  async function refreshBusySessions(): Promise<void> {
    if (refreshing) return;
    refreshing = true;
    try {
      const staleness = limits.sessionCacheStalenessMs;
      const now = clock.now();
      const keys = cache.dueForRefresh(now, (staleness * 3) / 4, now - staleness, REFRESH_LIMIT);
      for (let start = 0; start < keys.length; start += REFRESH_BATCH) {
        const batch = keys.slice(start, start + REFRESH_BATCH);
        const token = cache.readToken();
        cache.refreshed(batch, await backing.getSessionsByKeys(batch), clock.now(), token);
      }
    } catch (error) {
      log.warn({ err: error }, "Could not refresh cached sessions; they will be read on their next use");
    } finally {
      refreshing = false;
    }
  }

  async function sweepOnce(): Promise<number> {
    // Activity due for writing goes to the store first, so that the store's idle deadlines are never
    // earlier than this node knows them to be. If it cannot be written, no session is taken now.
    if (!(await flush())) return 0;
    const now = clock.now();
    let removed = 0;
    for (;;) {
      const expired = await store.takeExpiredSessions(now, SWEEP_BATCH, shared ? policy : undefined);
      for (const session of expired) {
        activity.forget(session.key);
        emit(expiryReason(session, now, graceOf(session)) ?? "expired-idle", session);
      }
      removed += expired.length;
      if (expired.length < SWEEP_BATCH) break;
    }
    const cluster = backing.cluster;
    if (link?.state === "serving" && cluster) {
      // Sessions bound to nodes that died (no live lease): any node takes each exactly once.
      for (;;) {
        const orphans = await cluster.takeSessionsOfDeadNodes(SWEEP_BATCH);
        for (const session of orphans) {
          activity.forget(session.key);
          cache.drop(session.key);
          emit(session.binding?.kind === "server" ? "disposed" : "connection-closed", session, {
            detail: `Its node ${session.binding?.node ?? ""} is gone.`,
          });
        }
        removed += orphans.length;
        if (orphans.length < SWEEP_BATCH) break;
      }
    }
    await store.deleteExpiredTickets(now);
    await store.pruneLoginFailures(now - throttleSettings.forgetAfterSeconds * 1000);
    await warnOfExpiry(now);
    return removed;
  }

  /**
   * Warns the push channels of each watched session whose idle deadline is near (`session-expiring`),
   * once per deadline: activity moves the deadline, and a later approach is warned again. Only watched
   * sessions are read, and from the cache: the sessions with a channel to warn on.
   */
  async function warnOfExpiry(now: number): Promise<void> {
    if (limits.expiryWarningSeconds === 0) return;
    /** The session's idle deadline, if a warning of it is due now. */
    const dueWarning = (session: SessionRecord) => {
      const deadline = session.lastActiveAt + (session.idleTimeoutMs ?? 0);
      const lead = Math.min(limits.expiryWarningSeconds * 1000, (session.idleTimeoutMs ?? 0) / 10);
      const due = now >= deadline - lead && now < deadline && warnedDeadlines.get(session.key) !== deadline;
      return due ? deadline : null;
    };
    for (const key of watched.keys()) {
      const stored = await store.getSessionByKey(key);
      if (!stored || stored.idleTimeoutMs === null || stored.idleTimeoutMs === 0) continue;
      let session = activity.merge(stored);
      let deadline = dueWarning(session);
      if (deadline === null) continue;
      if (shared) {
        // A cached copy lags other nodes' activity: warn only if the row agrees.
        const row = await rowOf(key);
        if (!row) continue;
        session = activity.merge(row);
        deadline = dueWarning(session);
        if (deadline === null) continue;
      }
      warnedDeadlines.set(key, deadline);
      emit("session-expiring", session, { deadline });
    }
  }

  function sweep(): Promise<number> {
    sweeping ??= sweepOnce().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  }

  async function endBound(prefix: string, reason: EndReason): Promise<void> {
    for (const session of await store.takeSessionsByBinding(prefix)) {
      activity.forget(session.key);
      emit(reason, session);
    }
  }

  return {
    store,
    clock,
    limits,
    events,
    nodeId,
    call,
    authenticate,
    run,
    refresh,
    openConnection() {
      const id = randomUUID();
      openConnections.add(id);
      return id;
    },
    async closeConnection(connectionId) {
      openConnections.delete(connectionId);
      await endBound(bindingPrefix("connection", nodeId, connectionId), "connection-closed");
    },
    flush,
    sweep,
    invalidateSession(key) {
      cache.drop(key);
    },
    invalidateAllSessions() {
      cache.dropAll();
    },
    stats() {
      return {
        activityBuffered: activity.size,
        activityRowsWritten,
        activityWrites,
        cache: cache.stats(),
        watchers: Object.fromEntries(watcherCounts),
        hints: link ? link.hintCounts() : null,
      };
    },
    watchSession(key, channel = "other") {
      const unwatchLink = link ? link.watch(key) : () => {};
      watched.set(key, (watched.get(key) ?? 0) + 1);
      watcherCounts.set(channel, (watcherCounts.get(channel) ?? 0) + 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        unwatchLink();
        const left = (watched.get(key) ?? 1) - 1;
        if (left > 0) watched.set(key, left);
        else {
          watched.delete(key);
          warnedDeadlines.delete(key);
        }
        watcherCounts.set(channel, (watcherCounts.get(channel) ?? 1) - 1);
      };
    },
    nodeState() {
      return link ? link.state : "alone";
    },
    onNodeState(listener) {
      return link ? link.onState(listener) : () => {};
    },
    async start() {
      await link?.start();
      await endBound(bindingPrefix("connection", nodeId), "connection-closed");
      await endBound(bindingPrefix("server", nodeId), "disposed");
      flushTimer = setInterval(() => void flush(), limits.activityFlushMs).unref();
      if (shared && limits.sessionCacheEntries > 0) {
        const every = Math.max(50, Math.floor(limits.sessionCacheStalenessMs / 4));
        refreshTimer = setInterval(() => void refreshBusySessions(), every).unref();
      }
      sweepTimer = setInterval(() => {
        sweep().catch((error: unknown) => log.error({ err: error }, "The sweeper failed; will retry"));
      }, limits.sweepIntervalMs).unref();
    },
    async stop() {
      clearInterval(flushTimer);
      clearInterval(refreshTimer);
      clearInterval(sweepTimer);
      await sweeping?.catch(() => {});
      await flush(true);
      await endBound(bindingPrefix("server", nodeId), "disposed");
      await outboxWritten();
      await link?.stop();
    },
  };
}

/**
 * Refuses a caller that holds only a service ticket unless what it asks is `readOnly`. A service
 * ticket stands for one request of its session, handed to a program that must not hold the session:
 * it may read, never change the session or hand out credentials. Front doors call this for the few
 * requests they answer without an operation (a vSphere property filter); operations are checked in
 * `run`.
 */
export function checkServiceTicketUse(caller: Caller, readOnly: boolean): void {
  if (!caller.byServiceTicket || readOnly) return;
  throw new SessionError("INVALID_REQUEST", "A service ticket authorizes reading only: log in for this.", {
    reason: "service-ticket",
  });
}

/** The acting user of a call, for events about sessions that are not the caller's own. */
function actorOf(caller: Caller): string | null {
  if (caller.context.trusted) return "(local administrator)";
  return caller.user ? `${caller.user.name}@${caller.user.realm}` : null;
}
