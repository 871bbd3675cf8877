/**
 * Every metric sessiond exports, in one Prometheus registry: what happened (counters fed by the
 * engine's events and the instrumented engine), how long it took (histograms), and what is held now
 * (gauges read from the engine's own counts when scraped, never from a store scan per scrape).
 * `docs/observability.md` lists them with example alerts.
 *
 * @module
 */

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { hotCounter, hotHistogram } from "./hot-metrics.ts";

/** Request durations: a cached who-am-i takes tens of µs, a login tens of ms, a vSphere wait minutes. */
const REQUEST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30];
const STORE_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2];
const FLUSH_ROW_BUCKETS = [1, 10, 100, 1000, 10_000, 100_000];
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetricRegistry() {
  const registry = new Registry();
  // Process CPU, memory, handles, GC, and event-loop lag (`nodejs_eventloop_lag_*`).
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    sessionsCreated: new Counter({
      name: "sessiond_sessions_created_total",
      help: "Sessions created, by realm and protocol.",
      labelNames: ["realm", "protocol"] as const,
      registers,
    }),
    logins: new Counter({
      name: "sessiond_logins_total",
      help: "Logins by front door, ok or failed.",
      labelNames: ["door", "outcome"] as const,
      registers,
    }),
    loginsThrottled: new Counter({
      name: "sessiond_login_throttled_total",
      help: "Throttling decisions of the brute-force throttle (each held-back key once per wait), by realm.",
      labelNames: ["realm"] as const,
      registers,
    }),
    lockouts: new Counter({
      name: "sessiond_user_lockouts_total",
      help: "Users disabled by a realm's lockoutAfterFailures.",
      labelNames: ["realm"] as const,
      registers,
    }),
    sessionsEnded: new Counter({
      name: "sessiond_sessions_ended_total",
      help: "Sessions ended, by reason.",
      labelNames: ["reason"] as const,
      registers,
    }),
    // Counted and timed on every request and store call: see `hot-metrics.ts`.
    requests: hotCounter({
      name: "sessiond_requests_total",
      help: "Operations run for callers, by front door and outcome (ok, or the error code).",
      labelNames: ["door", "outcome"] as const,
      registry,
    }),
    requestDuration: hotHistogram({
      name: "sessiond_request_duration_seconds",
      help: "Time to run one operation for a caller, authentication included, by front door and operation.",
      labelNames: ["door", "operation"] as const,
      buckets: REQUEST_BUCKETS,
      registry,
    }),
    storeDuration: hotHistogram({
      name: "sessiond_store_operation_duration_seconds",
      help: "Time of one call to the store, by method.",
      labelNames: ["method"] as const,
      buckets: STORE_BUCKETS,
      registry,
    }),
    flushDuration: new Histogram({
      name: "sessiond_activity_flush_duration_seconds",
      help: "Time of one activity flush that wrote rows.",
      buckets: STORE_BUCKETS,
      registers,
    }),
    flushRows: new Histogram({
      name: "sessiond_activity_flush_rows",
      help: "Session rows one activity flush wrote.",
      buckets: FLUSH_ROW_BUCKETS,
      registers,
    }),
    hashWait: new Histogram({
      name: "sessiond_hash_queue_wait_seconds",
      help: "Time a password hash or verification waited for an argon2 slot.",
      buckets: WAIT_BUCKETS,
      registers,
    }),
    hints: new Counter({
      name: "sessiond_cluster_hints_total",
      help: "Hints (NOTIFY) to and from the other nodes sharing the store, by direction.",
      labelNames: ["direction"] as const,
      registers,
    }),
    liveSessions: new Gauge({
      name: "sessiond_live_sessions",
      help: "Live sessions in the store, by realm and protocol (counted every refresh interval, not per scrape).",
      labelNames: ["realm", "protocol"] as const,
      registers,
    }),
    openConnections: new Gauge({
      name: "sessiond_open_connections",
      help: "Push channels and connections open on this node, by door (SSE streams, Agent, vSphere, console).",
      labelNames: ["door"] as const,
      registers,
    }),
    activityBuffered: new Gauge({
      name: "sessiond_activity_buffered_sessions",
      help: "Sessions with activity held in memory, not yet written.",
      registers,
    }),
    cacheEntries: new Gauge({
      name: "sessiond_session_cache_entries",
      help: "Sessions held in the hot-session cache.",
      registers,
    }),
    cacheHitRatio: new Gauge({
      name: "sessiond_session_cache_hit_ratio",
      help: "Hits over lookups of the hot-session cache since start.",
      registers,
    }),
    leaseState: new Gauge({
      name: "sessiond_node_lease_state",
      help: "1 for this node's lease state (alone, starting, serving, fenced, stopped), 0 for the others.",
      labelNames: ["state"] as const,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: "sessiond_webhook_deliveries_total",
      help: "Webhook deliveries by outcome: ok, failed (an attempt, retried later), abandoned (given up).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    webhookRefused: new Counter({
      name: "sessiond_webhook_events_refused_total",
      help: "Webhook events not written to the outbox because its backlog was full.",
      registers,
    }),
    webhookBacklog: new Gauge({
      name: "sessiond_webhook_backlog",
      help: "Webhook deliveries waiting in the store's outbox.",
      registers,
    }),
  };
}

export type MetricRegistry = ReturnType<typeof createMetricRegistry>;
