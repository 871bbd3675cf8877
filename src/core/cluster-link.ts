/**
 * A node's link to the other nodes sharing its store: its lease, and the hints between them.
 *
 * - **The lease.** At start the node compares its clock with the store's (deadlines must come from one
 *   clock, not a mix) and registers its `nodeId` under a new epoch. While another live node holds the
 *   id, it waits up to one lease TTL for that lease to run out (the old holder died), then gives up.
 *   It renews every heartbeat. A node that cannot renew before its lease runs out fences itself: it
 *   ends its connection-bound sessions and answers `STORE_UNAVAILABLE` until it has registered again,
 *   so that it never acts on sessions another node may already have reaped.
 * - **Hints out.** Every session event this node emits (endings, logins, logouts, locale and service
 *   message changes) and every directory change is published, after the change is written.
 * - **Hints in.** Another node's event drops what this node holds of that session (cache, activity)
 *   and is relayed to this node's listeners (push channels) marked `remote`.
 * - **Real time for the lease.** Lease times are the store's clock and the heartbeat is a real timer, so
 *   the lease is reckoned in wall-clock time, not the engine's injected clock.
 * - **The row is the truth.** Whenever the listening connection comes back, and every few seconds
 *   regardless, the node re-reads the sessions its push channels watch, so that a lost hint delays an
 *   ending by seconds at most and never loses it.
 * - **Session notices and pings.** The store announces every change of a session row in its own
 *   transaction; the link drops each announced session from this node's cache. It also pings itself
 *   through the store every `pingMs`: a ping sent at t that comes back means every change committed
 *   before t has been heard, so the cache may trust what it holds as of t (`confirmFresh`).
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { SessionError } from "./errors.ts";
import { isEndReason, type SessionEvent } from "./events.ts";
import { expiryReason } from "./session.ts";
import type { ClusterStore, NodeLease, Store } from "./store/index.ts";
import type { EndReason, SessionRecord } from "./types.ts";

/** How a node keeps its lease and re-checks what it watches. */
export interface ClusterSettings {
  /** How long a lease lasts unless renewed, in ms. @default 15000 */
  leaseTtlMs: number;
  /** How often the lease is renewed, in ms. @default 5000 */
  heartbeatMs: number;
  /** Largest difference between this node's clock and the store's it starts with, in ms. @default 2000 */
  maxClockSkewMs: number;
  /** How often watched sessions are re-read from the store, in ms. @default 5000 */
  reconcileMs: number;
}

export const DEFAULT_CLUSTER_SETTINGS: ClusterSettings = {
  leaseTtlMs: 15_000,
  heartbeatMs: 5_000,
  maxClockSkewMs: 2_000,
  reconcileMs: 5_000,
};

/** What the link needs of the engine. */
export interface ClusterHooks {
  /** Another node changed or ended a session: forget what this node holds of it. */
  forgetSession(key: string, ended: boolean): void;
  /** Another node changed the directory, or hints may have been missed. */
  forgetDirectory(): void;
  /** Hints may have been missed: forget every cached session. */
  forgetAllSessions(): void;
  /** Every session change committed before `sentAt` (the engine's clock) has been heard. */
  confirmFresh(sentAt: number): void;
  /** Tells this node's listeners of an event another node emitted (marked `remote`). */
  relay(event: SessionEvent): void;
  /** The lease is lost: end this node's connection-bound sessions. */
  fence(): Promise<void>;
  /** Errors worth an operator's attention. */
  warn(object: unknown, message: string): void;
  info(object: unknown, message: string): void;
}

export type NodeState = "starting" | "serving" | "fenced" | "stopped";

export interface ClusterLink {
  /** Checks the clock, takes the lease and starts listening; rejects when the node may not start. */
  start(): Promise<void>;
  /** Stops renewing and listening, and releases the lease. */
  stop(): Promise<void>;
  /** Publishes an event this node emitted. */
  publish(event: SessionEvent): void;
  /** Publishes that the directory changed. */
  publishDirectoryChange(): void;
  /** Watches a session for a push channel: an ending is announced even if its hint is lost. */
  watch(key: string): () => void;
  /** The lease state. */
  readonly state: NodeState;
  /** The current lease, while serving. */
  readonly lease: NodeLease | null;
  /** Called whenever the state changes. */
  onState(listener: (state: NodeState) => void): () => void;
  /** Hints published to the other nodes and received from them since start; pings that came back. */
  hintCounts(): { sent: number; received: number; pingsConfirmed: number };
}

/** Pings kept waiting for their return; older ones are given up. */
const MAX_PINGS_OUT = 16;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export function createClusterLink(options: {
  cluster: ClusterStore;
  /** The backing store, read past any cache when re-checking sessions. */
  store: Store;
  clock: Clock;
  nodeId: string;
  settings: ClusterSettings;
  hooks: ClusterHooks;
  /** How often the node pings itself through the store, in ms, or null for never (no session cache). */
  pingMs?: number | null;
}): ClusterLink {
  const { cluster, store, clock, nodeId, settings, hooks } = options;
  const pingMs = options.pingMs ?? null;
  let state: NodeState = "starting";
  let lease: NodeLease | null = null;
  let heartbeat: NodeJS.Timeout | undefined;
  let reconcileTimer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  /**
   * The moment this node fences itself unless a renewal lands first: one heartbeat before the lease
   * it holds can run out, reckoned from when the renewal that granted it was sent (the store counts
   * the lease from when the statement ran, which is no earlier). A timer, not a failed renewal, so
   * that a renewal that never answers (a partition) still fences the node in time.
   */
  let fenceAt = 0;
  let fenceTimer: NodeJS.Timeout | undefined;
  /** A renewal still waiting for its answer: a heartbeat does not send another. */
  let renewing = false;
  /** Watched sessions by key, with how many channels watch each and what was last read of it. */
  const watched = new Map<string, { count: number; session: SessionRecord | null }>();
  const stateListeners = new Set<(state: NodeState) => void>();
  let hintsSent = 0;
  let hintsReceived = 0;
  let pingTimer: NodeJS.Timeout | undefined;
  /**
   * Pings on their way, by number, with when each was sent. Numbers start at random, so that a ping
   * still queued from an earlier process with this nodeId is not taken for one of this process's.
   */
  const pingsOut = new Map<number, number>();
  let lastPing = Math.floor(Math.random() * 2 ** 40);
  let pingsConfirmed = 0;
  /** Whether a ping came back since the listener last (re)started: only then do pings vouch for the cache. */
  let listening = false;

  /** Read through a function: the state may have changed while a renewal was awaited. */
  const stopped = () => state === "stopped";
  const fenced = () => state === "fenced";

  function setState(next: NodeState): void {
    if (next === state) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  }

  async function checkClock(): Promise<void> {
    const storeNow = await cluster.clockNow();
    const skew = Math.abs(clock.now() - storeNow);
    if (skew > settings.maxClockSkewMs) {
      throw new SessionError(
        "STORE_UNAVAILABLE",
        `This node's clock is ${skew} ms away from the store's (at most ${settings.maxClockSkewMs} ms): ` +
          "synchronise the clocks (NTP) before starting it.",
        { reason: "clock-skew", details: { skewMs: skew } },
      );
    }
  }

  /** Takes the lease, waiting up to one TTL while a live holder keeps it; says when the winning request was sent. */
  async function register(): Promise<{ taken: NodeLease; sentAt: number }> {
    const deadline = Date.now() + settings.leaseTtlMs + settings.heartbeatMs;
    let told = false;
    for (;;) {
      const sentAt = Date.now();
      const taken = await cluster.registerNode(nodeId, settings.leaseTtlMs);
      if (taken) return { taken, sentAt };
      if (!told) {
        hooks.info(
          { nodeId, waitMs: settings.leaseTtlMs },
          "Another live node holds this nodeId; waiting for its lease to run out (it may have died)",
        );
        told = true;
      }
      if (Date.now() >= deadline) {
        throw new SessionError(
          "ALREADY_EXISTS",
          `Another node with nodeId "${nodeId}" is alive and renewing its lease: give this node another nodeId.`,
          { reason: "node-id-taken", details: { nodeId } },
        );
      }
      await sleep(Math.min(1_000, settings.heartbeatMs));
    }
  }

  async function fence(): Promise<void> {
    if (state === "fenced" || state === "stopped") return;
    clearTimeout(fenceTimer);
    setState("fenced");
    lease = null;
    hooks.warn({ nodeId }, "This node lost its lease on the shared store: fenced until it registers again");
    try {
      await hooks.fence();
    } catch (error) {
      hooks.warn({ err: error }, "Could not end this node's connection-bound sessions while fencing");
    }
  }

  /**
   * A lease request, given up after one lease TTL: by then its answer is worthless, and a request that
   * never answers (a half-open connection) must not stop the heartbeats that will register again.
   */
  function bounded<T>(request: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error("The store did not answer a lease request in time")),
        settings.leaseTtlMs,
      );
      timer.unref();
    });
    return Promise.race([request, timeout]).finally(() => clearTimeout(timer));
  }

  /** A lease granted by a request sent at `sentAt`: the node may serve until its fence deadline. */
  function held(granted: NodeLease, sentAt: number): void {
    lease = granted;
    fenceAt = sentAt + settings.leaseTtlMs - settings.heartbeatMs;
    clearTimeout(fenceTimer);
    fenceTimer = setTimeout(() => void fence(), Math.max(0, fenceAt - Date.now())).unref();
  }

  async function beat(): Promise<void> {
    if (state === "stopped" || renewing) return;
    renewing = true;
    const sentAt = Date.now();
    try {
      if (state === "fenced" || !lease) {
        const taken = await bounded(cluster.registerNode(nodeId, settings.leaseTtlMs));
        if (!taken || stopped()) return;
        held(taken, sentAt);
        hooks.forgetAllSessions();
        hooks.forgetDirectory();
        setState("serving");
        hooks.info({ nodeId, epoch: taken.epoch }, "This node registered again and serves");
        void reconcile();
        return;
      }
      const renewed = await bounded(cluster.renewNode(nodeId, lease.epoch, settings.leaseTtlMs));
      if (stopped() || fenced()) return;
      if (!renewed) {
        await fence();
        return;
      }
      held(renewed, sentAt);
    } catch (error) {
      // The fence timer set by the last renewal fences the node in time if no renewal lands.
      hooks.warn({ err: error }, "Could not renew this node's lease");
    } finally {
      renewing = false;
    }
  }

  function ping(): void {
    if (state !== "serving") return;
    const seq = ++lastPing;
    pingsOut.set(seq, clock.now());
    // Pings lost with a connection never come back: keep only the newest few.
    for (const old of pingsOut.keys()) {
      if (pingsOut.size <= MAX_PINGS_OUT) break;
      pingsOut.delete(old);
    }
    // A ping that fails is only a confirmation missed: the lease renewal reports the store's trouble.
    cluster.ping(seq).catch(() => pingsOut.delete(seq));
  }

  function pingCameBack(seq: number): void {
    const sentAt = pingsOut.get(seq);
    if (sentAt === undefined) return;
    // This ping and every older one are answered (notifications arrive in order).
    for (const older of pingsOut.keys()) {
      if (older > seq) break;
      pingsOut.delete(older);
    }
    if (!listening) {
      // The first ping back since the listener started (or came back) proves it listens. Sessions
      // cached before then may have changed while nothing listened: they go, and only what is read
      // from now on is vouched for.
      listening = true;
      hooks.forgetAllSessions();
    }
    pingsConfirmed++;
    // Never later than now: a clock stepped back would otherwise vouch for time not yet seen.
    hooks.confirmFresh(Math.min(sentAt, clock.now()));
  }

  function onMessage(message: Parameters<Parameters<ClusterStore["subscribe"]>[0]>[0]): void {
    if (message.kind === "reconnected") {
      pingsOut.clear();
      listening = false;
      hooks.forgetAllSessions();
      hooks.forgetDirectory();
      void reconcile();
      return;
    }
    if (message.kind === "all-sessions-changed") {
      hooks.forgetAllSessions();
      return;
    }
    if (message.kind === "sessions-changed") {
      // This node's own changes too: they reached its cache already, and dropping them costs one read.
      for (const key of message.keys) hooks.forgetSession(key, false);
      return;
    }
    if (message.kind === "ping") {
      if (message.from === nodeId) pingCameBack(message.seq);
      return;
    }
    if (message.from === nodeId) return;
    hintsReceived++;
    const hint = message.hint;
    if (hint.kind === "directory-changed") {
      hooks.forgetDirectory();
      return;
    }
    const event = hint.event;
    if (event.sessionKey !== null) hooks.forgetSession(event.sessionKey, isEndReason(event.type));
    if (event.type === "logout" || event.type === "login") hooks.forgetDirectory();
    if (event.sessionKey !== null && isEndReason(event.type)) watched.delete(event.sessionKey);
    hooks.relay({ ...event, remote: true });
  }

  /** Re-reads every watched session; one found gone is announced as ended. */
  async function reconcile(): Promise<void> {
    if (state !== "serving") return;
    for (const [key, entry] of [...watched]) {
      let current: SessionRecord | null;
      try {
        current = await store.getSessionByKey(key);
      } catch (error) {
        hooks.warn({ err: error }, "Could not re-check a watched session");
        return;
      }
      if (current) {
        entry.session = current;
        continue;
      }
      if (!watched.has(key)) continue;
      watched.delete(key);
      hooks.forgetSession(key, true);
      hooks.relay(endingOf(key, entry.session, clock.now()));
    }
  }

  return {
    async start() {
      await checkClock();
      const { taken, sentAt } = await register();
      held(taken, sentAt);
      unsubscribe = cluster.subscribe(onMessage);
      heartbeat = setInterval(() => void beat(), settings.heartbeatMs).unref();
      reconcileTimer = setInterval(() => void reconcile(), settings.reconcileMs).unref();
      if (pingMs !== null) pingTimer = setInterval(ping, pingMs).unref();
      setState("serving");
    },
    async stop() {
      clearInterval(heartbeat);
      clearInterval(reconcileTimer);
      clearInterval(pingTimer);
      clearTimeout(fenceTimer);
      unsubscribe?.();
      const held = lease;
      setState("stopped");
      lease = null;
      if (held) await cluster.releaseNode(nodeId, held.epoch).catch(() => {});
    },
    publish(event) {
      if (event.remote || state === "stopped") return;
      hintsSent++;
      cluster
        .publish({ kind: "event", event })
        .catch((error: unknown) => hooks.warn({ err: error }, "Could not tell the other nodes of a change"));
    },
    publishDirectoryChange() {
      hintsSent++;
      cluster
        .publish({ kind: "directory-changed" })
        .catch((error: unknown) => hooks.warn({ err: error }, "Could not tell the other nodes of a change"));
    },
    watch(key) {
      const entry = watched.get(key);
      if (entry) entry.count++;
      else watched.set(key, { count: 1, session: null });
      return () => {
        const held = watched.get(key);
        if (!held) return;
        held.count--;
        if (held.count <= 0) watched.delete(key);
      };
    },
    get state() {
      // Past the deadline the node is fenced even if the timer has not run yet (a busy event loop).
      if (state === "serving" && Date.now() >= fenceAt) void fence();
      return state;
    },
    get lease() {
      return lease;
    },
    hintCounts: () => ({ sent: hintsSent, received: hintsReceived, pingsConfirmed }),
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
  };
}

/**
 * The ending of a watched session found gone without its hint: expired when its last known timers
 * say so, otherwise terminated (the reason is another node's, and in its audit log).
 */
function endingOf(key: string, last: SessionRecord | null, now: number): SessionEvent {
  const reason: EndReason = (last && expiryReason(last, now)) ?? "terminated";
  return {
    type: reason,
    at: now,
    sessionKey: key,
    sessionNumber: last?.number ?? null,
    realm: last?.realm ?? null,
    userName: last?.userName ?? null,
    protocol: last?.protocol ?? null,
    actor: null,
    ipAddress: last?.client.ipAddress ?? null,
    detail: "Ended on another node (found on a periodic check).",
    remote: true,
  };
}
