/**
 * Metrics for one server: the registry, the hooks the engine and store are built with, the events
 * counted as they happen, and the gauges read when Prometheus scrapes.
 *
 * Live sessions by realm and protocol are counted in the store (one indexed count per realm and
 * protocol) by the first scrape after `LIVE_COUNT_INTERVAL_MS` has passed, and served from memory in
 * between: however often Prometheus scrapes, the store counts at most that often, and every node
 * reports the same totals for a shared store.
 *
 * @module
 */

import { performance } from "node:perf_hooks";
import type { Engine, EngineObserver } from "../../core/engine.ts";
import { END_REASONS, type SessionEvent } from "../../core/events.ts";
import type { Store } from "../../core/store/index.ts";
import { PROTOCOLS } from "../../core/types.ts";
import type { WebhookStats } from "../webhook-sender.ts";
import { callObserver } from "./call-observer.ts";
import { createMetricRegistry, type MetricRegistry } from "./registry.ts";
import { timedStore } from "./timed-store.ts";

const LIVE_COUNT_INTERVAL_MS = 15_000;
/** Realms counted by protocol; past this many, the largest deployments keep their scrape small. */
const MAX_COUNTED_REALMS = 100;
const LEASE_STATES = ["alone", "starting", "serving", "fenced", "stopped"] as const;

export interface ServerMetrics {
  readonly metrics: MetricRegistry;
  readonly observer: EngineObserver;
  /** The store, timed. */
  timed(store: Store): Store;
  /** Starts counting the engine's events and reading its state. */
  attach(engine: Engine): void;
  /** Where the webhook counts come from, once webhooks run. */
  watchWebhooks(stats: () => WebhookStats): void;
  /** The text a scrape answers. */
  scrape(): Promise<{ contentType: string; body: string }>;
  stop(): void;
}

export function createServerMetrics(): ServerMetrics {
  const metrics = createMetricRegistry();
  let stopEvents = () => {};
  /** When live sessions were last counted (`performance.now()`), or undefined before the first scrape. */
  let countedAt: number | undefined;
  let webhookStats: (() => WebhookStats) | undefined;
  let attached: Engine | undefined;
  let storeOfEngine: Store | undefined;

  function count(event: SessionEvent): void {
    const protocol = event.protocol ?? "none";
    if (event.type === "created") metrics.sessionsCreated.labels(event.realm ?? "none", protocol).inc();
    else if (event.type === "login") metrics.logins.labels(protocol, "ok").inc();
    else if (event.type === "login-failed") metrics.logins.labels(protocol, "failed").inc();
    else if (event.type === "login-throttled") metrics.loginsThrottled.labels(event.realm ?? "none").inc();
    else if (event.type === "user-locked-out") metrics.lockouts.labels(event.realm ?? "none").inc();
    else if (END_REASONS.has(event.type)) metrics.sessionsEnded.labels(event.type).inc();
  }

  async function countLiveSessions(store: Store): Promise<void> {
    const realms = await store.listRealms(null, MAX_COUNTED_REALMS);
    const counted: [string, string, number][] = [];
    for (const realm of realms) {
      for (const protocol of PROTOCOLS) {
        counted.push([realm.name, protocol, await store.countSessions({ realm: realm.name, protocol })]);
      }
    }
    // Replaced at once, so that a realm that is gone leaves no stale series behind.
    metrics.liveSessions.reset();
    for (const [realm, protocol, live] of counted) if (live > 0) metrics.liveSessions.labels(realm, protocol).set(live);
  }

  function readEngineState(engine: Engine): void {
    const stats = engine.stats();
    metrics.activityBuffered.set(stats.activityBuffered);
    metrics.cacheEntries.set(stats.cache.entries);
    const lookups = stats.cache.hits + stats.cache.misses;
    metrics.cacheHitRatio.set(lookups === 0 ? 0 : stats.cache.hits / lookups);
    metrics.openConnections.reset();
    for (const [door, open] of Object.entries(stats.watchers)) metrics.openConnections.labels(door).set(open);
    const state = engine.nodeState();
    for (const each of LEASE_STATES) metrics.leaseState.labels(each).set(each === state ? 1 : 0);
    metrics.hints.reset();
    if (stats.hints) {
      metrics.hints.labels("sent").inc(stats.hints.sent);
      metrics.hints.labels("received").inc(stats.hints.received);
    }
  }

  function readWebhooks(): void {
    if (!webhookStats) return;
    const stats = webhookStats();
    metrics.webhookDeliveries.reset();
    metrics.webhookDeliveries.labels("ok").inc(stats.delivered);
    metrics.webhookDeliveries.labels("failed").inc(stats.failed);
    metrics.webhookDeliveries.labels("abandoned").inc(stats.abandoned);
    metrics.webhookRefused.reset();
    metrics.webhookRefused.inc(stats.refused);
    metrics.webhookBacklog.set(stats.backlog);
  }

  return {
    metrics,
    observer: {
      ...callObserver(metrics),
      activityWritten(rows, durationMs) {
        metrics.flushRows.observe(rows);
        metrics.flushDuration.observe(durationMs / 1000);
      },
      hashWaited(waitedMs) {
        metrics.hashWait.observe(waitedMs / 1000);
      },
    },
    timed(store) {
      storeOfEngine = store;
      return timedStore(store, metrics);
    },
    attach(engine) {
      attached = engine;
      stopEvents = engine.events.subscribe((event) => {
        // Another node counts its own events; a relayed one would be counted twice across nodes.
        if (!event.remote) count(event);
      });
    },
    watchWebhooks(stats) {
      webhookStats = stats;
    },
    async scrape() {
      if (attached) {
        readEngineState(attached);
        const now = performance.now();
        if (countedAt === undefined || now - countedAt >= LIVE_COUNT_INTERVAL_MS) {
          countedAt = now;
          // A store that is down keeps the last counts (and /healthz says so).
          await countLiveSessions(storeOfEngine ?? attached.store).catch(() => {});
        }
      }
      readWebhooks();
      return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
    },
    stop() {
      stopEvents();
    },
  };
}
