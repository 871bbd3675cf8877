/**
 * The configuration type, its defaults and its parser.
 *
 * Sources (file, `SESSIOND_*` environment, flags) are merged by the command line; this module only
 * turns the merged raw value into a checked `Config`, naming the path of anything wrong.
 *
 * @module
 */

import { type ClusterSettings, DEFAULT_CLUSTER_SETTINGS } from "./cluster-link.ts";
import {
  booleanSetting,
  checkKnownSettings,
  failSetting,
  integerSetting,
  settingsObject,
  type TlsConfig,
  textSetting,
  tlsSetting,
} from "./config-readers.ts";
import { DEFAULT_THROTTLE_SETTINGS, type ThrottleSettings } from "./login-throttle.ts";

export type { TlsConfig };

import { PUT_GROUP_INPUT, PUT_REALM_INPUT, PUT_USER_INPUT } from "./directory-input.ts";
import type { Privilege } from "./privileges.ts";
import { type FaultReporter, parseInput, type Static, Type, withoutFields } from "./schema.ts";
import { DEFAULT_WEBHOOK_DELIVERY, parseWebhookSettings, type WebhookSettings } from "./webhook-settings.ts";

const USER_SETTINGS = Type.Object(withoutFields(PUT_USER_INPUT.properties, ["realm", "mode"]), {
  additionalProperties: false,
});
const GROUP_SETTINGS = Type.Object(withoutFields(PUT_GROUP_INPUT.properties, ["realm", "mode"]), {
  additionalProperties: false,
});
/** A realm in the configuration file: what `directory.putRealm` takes, with its users and groups. */
const REALM_SETTINGS = Type.Object(
  {
    ...withoutFields(PUT_REALM_INPUT.properties, ["mode"]),
    users: Type.Optional(Type.Array(USER_SETTINGS)),
    groups: Type.Optional(Type.Array(GROUP_SETTINGS)),
  },
  { additionalProperties: false },
);

/** A user of the configuration file. `password` is hashed at start-up; prefer `passwordHash` in files others read. */
export type UserConfig = Omit<Static<typeof USER_SETTINGS>, "groups" | "privileges" | "disabled"> & {
  groups: string[];
  privileges: Privilege[];
  disabled: boolean;
};

export type GroupConfig = Omit<Static<typeof GROUP_SETTINGS>, "privileges"> & { privileges: Privilege[] };

export type RealmConfig = Omit<Static<typeof REALM_SETTINGS>, "users" | "groups"> & {
  users: UserConfig[];
  groups: GroupConfig[];
};

export interface SessionLimits {
  /** How often buffered activity is looked at and written when due, in ms. @default 1000 */
  activityFlushMs: number;
  /**
   * The most a session's stored `lastActiveAt` may lag behind its activity, in seconds: each session's
   * tolerance is the smaller of this and a twentieth of its idle timeout, never below
   * `activityFlushMs`. It is also the most idle-timer progress a `kill -9` can lose. @default 60
   */
  activityToleranceSeconds: number;
  /**
   * Most password hashes (argon2id) computed at once; more wait their turn. 0: one fewer than the
   * machine's cores, at least 1, chosen by the server at start-up. @default 0
   */
  hashConcurrency: number;
  /** Most sessions the engine's hot-session cache holds; 0 turns it off. @default 100000 */
  sessionCacheEntries: number;
  /**
   * How long a cached session is served without reading the store again when other nodes share the
   * store, in ms (their changes normally arrive at once as notifications). @default 1000
   */
  sessionCacheStalenessMs: number;
  /** How often the sweeper removes expired sessions, in ms. @default 1000 */
  sweepIntervalMs: number;
  /** Lifetime of a local ticket, in seconds. @default 60 */
  localTicketTtlSeconds: number;
  /** Lifetime of a clone ticket, in seconds. @default 60 */
  cloneTicketTtlSeconds: number;
  /** Lifetime of a service ticket (vSphere `AcquireGenericServiceTicket`), in seconds. @default 60 */
  serviceTicketTtlSeconds: number;
  /** Most attributes per session. @default 256 */
  maxAttributes: number;
  /** Longest attribute name, in characters. @default 256 */
  maxAttributeNameLength: number;
  /** Largest attribute value, in UTF-8 bytes. @default 65536 */
  maxAttributeValueBytes: number;
  /** Most bytes of names and values per session. @default 1048576 */
  maxAttributeTotalBytes: number;
  /**
   * Longest idle timeout of an anonymous session a stranger creates, in seconds: a longer one (the
   * client's choice or the realm's, including "none") is cut to it. @default 1800
   */
  anonymousMaxIdleTimeoutSeconds: number;
  /** Most attributes an anonymous session may hold. @default 16 */
  anonymousMaxAttributes: number;
  /** Most bytes of attribute names and values an anonymous session may hold. @default 16384 */
  anonymousMaxAttributeTotalBytes: number;
  /** Most live anonymous sessions one client address may hold, counted in the store (every node). @default 1000 */
  anonymousSessionsPerAddress: number;
  /**
   * Anonymous sessions one client address may create per minute, on each node (a token bucket holding
   * as many: a burst of that many, then one every 60/N seconds). @default 60
   */
  anonymousCreationsPerMinute: number;
  /**
   * Past this many bytes of store data (`databaseBytes`), new anonymous sessions are refused with
   * `LIMIT_EXCEEDED`; logins and logged-in sessions go on. 0: no cap. @default 0
   */
  maxDatabaseBytes: number;
  /**
   * How long before a session's idle deadline its push channels are warned (`session-expiring` on the
   * JSON API's event stream), in seconds; a session whose idle timeout is short is warned a tenth of
   * it before instead, when that is less. 0: no warning. @default 60
   */
  expiryWarningSeconds: number;
}

export interface MetricsSettings {
  /** Serve `GET /metrics`. @default true */
  enabled: boolean;
  /** A port of its own for `/metrics` (on `host`); null: on the HTTP listener. @default null */
  port: number | null;
  /** Where the port of its own listens. @default "127.0.0.1" */
  host: string;
  /** Answer scrapes from any address, not only loopback. @default false */
  allowRemote: boolean;
}

export const DEFAULT_METRICS_SETTINGS: MetricsSettings = {
  enabled: true,
  port: null,
  host: "127.0.0.1",
  allowRemote: false,
};

/** The HTTP listener's limits on connections, requests and event streams. */
export interface HttpLimits {
  /** Most HTTP connections open at once; more are answered 429 and closed. @default 10000 */
  maxConnections: number;
  /** Most HTTP connections open at once from one address. @default 256 */
  maxConnectionsPerAddress: number;
  /** A new connection that sends no byte in this many ms is closed. @default 5000 */
  firstByteTimeoutMs: number;
  /** Time a client has to send a request's head (line and headers), in ms; then 408. @default 10000 */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request, body included, in ms; then 408. @default 30000 */
  requestTimeoutMs: number;
  /** Most Server-Sent Event streams open at once (`/api/v1/session/events`). @default 4096 */
  maxEventStreams: number;
  /** Most event streams open at once from one address. @default 128 */
  maxEventStreamsPerAddress: number;
  /** Most event streams open at once for one session. @default 8 */
  maxEventStreamsPerSession: number;
}

export interface Config {
  /** Where the SQLite database, local tickets and other state live. @default "./data" */
  dataDir: string;
  /** Names this server among those sharing a store; bound sessions are tagged with it. @default "main" */
  nodeId: string;
  store: {
    /** `sqlite` for one node (embedded), `postgres` for several nodes sharing one store, `memory` for tests. */
    driver: "sqlite" | "memory" | "postgres";
    /** SQLite file; relative to `dataDir`. @default "sessiond.db" */
    path: string;
    /** "normal" survives a crash of the process, "full" also a crash of the machine. @default "normal" */
    durability: "normal" | "full";
    /** PostgreSQL connection URL (`postgres://user@host:5432/db`), or `SESSIOND_STORE_URL`. */
    url: string | null;
    /** PostgreSQL connections this node keeps open. @default 10 */
    poolSize: number;
  };
  /** How a node keeps its lease on a shared store (postgres). */
  cluster: ClusterSettings;
  /** The brute-force throttle on logins (`login-throttle.ts`, `docs/security.md`). */
  loginThrottle: ThrottleSettings;
  /** Prometheus metrics (`GET /metrics`, `docs/observability.md`). */
  metrics: MetricsSettings;
  http: {
    host: string;
    /** 0 picks a free port. @default 8480 */
    port: number;
    tls: TlsConfig | null;
    /** Largest request body, in bytes. @default 1048576 */
    bodyLimitBytes: number;
  } & HttpLimits;
  log: { level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent" };
  sessions: SessionLimits;
  realms: RealmConfig[];
  /** Where events are POSTed (`webhooks`), and how the outbox is drained (`webhookDelivery`). */
  webhooks: WebhookSettings;
  /** The front doors' own blocks (agent, astrogrid, httpkom, vsphere), kept as given: each front door checks its own. */
  frontDoors: Record<string, Record<string, unknown>>;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  activityFlushMs: 1000,
  activityToleranceSeconds: 60,
  hashConcurrency: 0,
  sessionCacheEntries: 100_000,
  sessionCacheStalenessMs: 1000,
  sweepIntervalMs: 1000,
  localTicketTtlSeconds: 60,
  cloneTicketTtlSeconds: 60,
  serviceTicketTtlSeconds: 60,
  maxAttributes: 256,
  maxAttributeNameLength: 256,
  maxAttributeValueBytes: 64 * 1024,
  maxAttributeTotalBytes: 1024 * 1024,
  anonymousMaxIdleTimeoutSeconds: 1800,
  anonymousMaxAttributes: 16,
  anonymousMaxAttributeTotalBytes: 16 * 1024,
  anonymousSessionsPerAddress: 1000,
  anonymousCreationsPerMinute: 60,
  maxDatabaseBytes: 0,
  expiryWarningSeconds: 60,
};

/**
 * The cap on the idle timeouts clients choose (a realm's `maxIdleTimeoutSeconds`) that a realm gets
 * when it is created without one: a day, so that no client can make a session outlive its use by
 * months. `null` in a realm's configuration turns the cap off.
 */
export const DEFAULT_MAX_IDLE_TIMEOUT_SECONDS = 86_400;

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 10_000,
  maxConnectionsPerAddress: 256,
  firstByteTimeoutMs: 5000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxEventStreams: 4096,
  maxEventStreamsPerAddress: 128,
  maxEventStreamsPerSession: 8,
};

export const DEFAULT_CONFIG: Config = {
  dataDir: "./data",
  nodeId: "main",
  store: { driver: "sqlite", path: "sessiond.db", durability: "normal", url: null, poolSize: 10 },
  cluster: DEFAULT_CLUSTER_SETTINGS,
  loginThrottle: DEFAULT_THROTTLE_SETTINGS,
  metrics: DEFAULT_METRICS_SETTINGS,
  http: { host: "127.0.0.1", port: 8480, tls: null, bodyLimitBytes: 1024 * 1024, ...DEFAULT_HTTP_LIMITS },
  log: { level: "info" },
  sessions: DEFAULT_SESSION_LIMITS,
  realms: [],
  webhooks: { endpoints: [], delivery: DEFAULT_WEBHOOK_DELIVERY },
  frontDoors: {},
};

const FRONT_DOORS = ["agent", "astrogrid", "console", "httpkom", "vsphere"] as const;

/** Session settings that 0 turns off (or lets the server choose); the others are at least 1. */
const OFF_BY_ZERO: ReadonlySet<keyof SessionLimits> = new Set<keyof SessionLimits>([
  "sessionCacheEntries",
  "hashConcurrency",
  "maxDatabaseBytes",
  "expiryWarningSeconds",
]);

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Reports a fault in a realm of the configuration file in the words of every other setting. */
const settingFault: FaultReporter = ({ path, expectation, unknownField }) => {
  if (unknownField) failSetting(path, `is not a known setting (known: ${unknownField.allowed.join(", ")})`);
  return failSetting(path, expectation);
};

function parseRealm(value: unknown, path: string): RealmConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) failSetting(path, "must be an object");
  const raw = parseInput(REALM_SETTINGS, value, { path, fail: settingFault });
  const { users = [], groups = [], id, ...settings } = raw;
  return {
    ...settings,
    ...(id === undefined ? {} : { id: id.toLowerCase() }),
    users: users.map((user) => ({
      ...user,
      groups: user.groups ?? [],
      privileges: user.privileges ?? [],
      disabled: user.disabled ?? false,
    })),
    groups: groups.map((group) => ({ ...group, privileges: group.privileges ?? [] })),
  };
}

/** Checks a merged raw configuration and fills in defaults. Throws `INVALID_ARGUMENT` naming the path. */
export function parseConfig(value: unknown): Config {
  const raw = value === undefined ? {} : settingsObject(value, "(top level)");
  checkKnownSettings(raw, "", [
    "dataDir",
    "nodeId",
    "store",
    "cluster",
    "loginThrottle",
    "metrics",
    "http",
    "log",
    "sessions",
    "realms",
    "webhooks",
    "webhookDelivery",
    ...FRONT_DOORS,
  ]);
  const config: Config = structuredClone(DEFAULT_CONFIG);
  if (raw.dataDir !== undefined) config.dataDir = textSetting(raw.dataDir, "dataDir");
  if (raw.nodeId !== undefined)
    config.nodeId = textSetting(raw.nodeId, "nodeId", { pattern: /^[A-Za-z0-9._-]{1,64}$/ });

  if (raw.store !== undefined) {
    const store = settingsObject(raw.store, "store");
    checkKnownSettings(store, "store", ["driver", "path", "durability", "url", "poolSize"]);
    if (store.driver !== undefined) {
      if (store.driver !== "sqlite" && store.driver !== "memory" && store.driver !== "postgres")
        failSetting("store.driver", "must be sqlite, postgres or memory");
      config.store.driver = store.driver;
    }
    if (store.url !== undefined) {
      config.store.url = textSetting(store.url, "store.url", { pattern: /^postgres(ql)?:\/\// });
    }
    if (store.poolSize !== undefined) config.store.poolSize = integerSetting(store.poolSize, "store.poolSize", 1, 1000);
    if (store.path !== undefined) config.store.path = textSetting(store.path, "store.path");
    if (store.durability !== undefined) {
      if (store.durability !== "normal" && store.durability !== "full")
        failSetting("store.durability", "must be normal or full");
      config.store.durability = store.durability;
    }
  }

  if (config.store.driver === "postgres" && config.store.url === null) {
    failSetting("store.url", "is required with the postgres driver (or set SESSIOND_STORE_URL)");
  }

  if (raw.cluster !== undefined) {
    const cluster = settingsObject(raw.cluster, "cluster");
    const names = Object.keys(DEFAULT_CLUSTER_SETTINGS) as (keyof ClusterSettings)[];
    checkKnownSettings(cluster, "cluster", names);
    for (const name of names) {
      if (cluster[name] !== undefined) config.cluster[name] = integerSetting(cluster[name], `cluster.${name}`, 1);
    }
    if (config.cluster.heartbeatMs * 2 > config.cluster.leaseTtlMs) {
      failSetting(
        "cluster.heartbeatMs",
        "must be at most half of cluster.leaseTtlMs, so that a lease is renewed in time",
      );
    }
  }

  if (raw.loginThrottle !== undefined) {
    const throttle = settingsObject(raw.loginThrottle, "loginThrottle");
    const names = Object.keys(DEFAULT_THROTTLE_SETTINGS) as (keyof ThrottleSettings)[];
    checkKnownSettings(throttle, "loginThrottle", names);
    for (const name of names) {
      if (throttle[name] !== undefined) {
        config.loginThrottle[name] = integerSetting(throttle[name], `loginThrottle.${name}`, 1);
      }
    }
    if (config.loginThrottle.firstDelayMs > config.loginThrottle.maxDelayMs) {
      failSetting("loginThrottle.firstDelayMs", "must be at most loginThrottle.maxDelayMs");
    }
  }

  if (raw.metrics !== undefined) {
    const metrics = settingsObject(raw.metrics, "metrics");
    checkKnownSettings(metrics, "metrics", Object.keys(DEFAULT_METRICS_SETTINGS));
    if (metrics.enabled !== undefined) config.metrics.enabled = booleanSetting(metrics.enabled, "metrics.enabled");
    if (metrics.port !== undefined && metrics.port !== null) {
      config.metrics.port = integerSetting(metrics.port, "metrics.port", 0, 65535);
    }
    if (metrics.host !== undefined) config.metrics.host = textSetting(metrics.host, "metrics.host");
    if (metrics.allowRemote !== undefined) {
      config.metrics.allowRemote = booleanSetting(metrics.allowRemote, "metrics.allowRemote");
    }
  }

  if (raw.http !== undefined) {
    const http = settingsObject(raw.http, "http");
    const limits = Object.keys(DEFAULT_HTTP_LIMITS) as (keyof HttpLimits)[];
    checkKnownSettings(http, "http", ["host", "port", "tls", "bodyLimitBytes", ...limits]);
    if (http.host !== undefined) config.http.host = textSetting(http.host, "http.host");
    if (http.port !== undefined) config.http.port = integerSetting(http.port, "http.port", 0, 65535);
    config.http.tls = tlsSetting(http.tls, "http.tls");
    if (http.bodyLimitBytes !== undefined)
      config.http.bodyLimitBytes = integerSetting(http.bodyLimitBytes, "http.bodyLimitBytes", 1024);
    for (const name of limits) {
      if (http[name] !== undefined) config.http[name] = integerSetting(http[name], `http.${name}`, 1);
    }
    // Node refuses a server whose request head may take longer than the whole request.
    if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
      failSetting("http.headersTimeoutMs", "must be at most http.requestTimeoutMs");
    }
  }

  if (raw.log !== undefined) {
    const log = settingsObject(raw.log, "log");
    checkKnownSettings(log, "log", ["level"]);
    if (log.level !== undefined) {
      if (!LOG_LEVELS.includes(log.level as Config["log"]["level"]))
        failSetting("log.level", `must be one of ${LOG_LEVELS.join(", ")}`);
      config.log.level = log.level as Config["log"]["level"];
    }
  }

  if (raw.sessions !== undefined) {
    const sessions = settingsObject(raw.sessions, "sessions");
    const names = Object.keys(DEFAULT_SESSION_LIMITS) as (keyof SessionLimits)[];
    checkKnownSettings(sessions, "sessions", names);
    for (const name of names) {
      // 0 turns the cache and the database cap off and lets the server choose the hashing concurrency;
      // other limits are at least 1.
      const least = OFF_BY_ZERO.has(name) ? 0 : 1;
      if (sessions[name] !== undefined)
        config.sessions[name] = integerSetting(sessions[name], `sessions.${name}`, least);
    }
  }

  if (raw.realms !== undefined) {
    if (!Array.isArray(raw.realms)) failSetting("realms", "must be a list");
    config.realms = raw.realms.map((r, i) => parseRealm(r, `realms[${i}]`));
    const seen = new Set<string>();
    for (const [i, realm] of config.realms.entries()) {
      if (seen.has(realm.name)) failSetting(`realms[${i}].name`, "repeats the name of an earlier realm");
      seen.add(realm.name);
    }
  }

  config.webhooks = parseWebhookSettings(raw.webhooks, raw.webhookDelivery);

  for (const name of FRONT_DOORS) {
    if (raw[name] !== undefined) config.frontDoors[name] = settingsObject(raw[name], name);
  }
  return config;
}
