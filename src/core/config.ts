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
  textSetting,
  tlsSetting,
} from "./config-readers.ts";
import { isWellFormedLocale } from "./locale.ts";
import { isPrivilege, type Privilege } from "./privileges.ts";
import type { SessionCapPolicy } from "./types.ts";
import { GUID_PATTERN, NAME_PATTERN, REALM_NAME_PATTERN } from "./validate.ts";

export interface TlsConfig {
  /** Path of the PEM certificate (chain). */
  cert: string;
  /** Path of the PEM private key. */
  key: string;
}

export interface UserConfig {
  name: string;
  number?: number;
  /** Clear-text password, hashed at start-up. Prefer `passwordHash` in files others can read. */
  password?: string;
  /** An argon2id PHC string, used as is. */
  passwordHash?: string;
  fullName?: string;
  groups: string[];
  privileges: Privilege[];
  disabled: boolean;
}

export interface GroupConfig {
  name: string;
  number?: number;
  privileges: Privilege[];
}

export interface RealmConfig {
  name: string;
  id?: string;
  defaultLocale?: string;
  supportedLocales?: string[];
  idleTimeoutSeconds?: number;
  maxIdleTimeoutSeconds?: number | null;
  maxLifetimeSeconds?: number | null;
  maxSessionsPerUser?: number | null;
  maxSessionsPolicy?: SessionCapPolicy;
  allowSelfRegistration?: boolean;
  users: UserConfig[];
  groups: GroupConfig[];
}

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
  http: {
    host: string;
    /** 0 picks a free port. @default 8480 */
    port: number;
    tls: TlsConfig | null;
    /** Largest request body, in bytes. @default 1048576 */
    bodyLimitBytes: number;
  };
  log: { level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent" };
  sessions: SessionLimits;
  realms: RealmConfig[];
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
};

export const DEFAULT_CONFIG: Config = {
  dataDir: "./data",
  nodeId: "main",
  store: { driver: "sqlite", path: "sessiond.db", durability: "normal", url: null, poolSize: 10 },
  cluster: DEFAULT_CLUSTER_SETTINGS,
  http: { host: "127.0.0.1", port: 8480, tls: null, bodyLimitBytes: 1024 * 1024 },
  log: { level: "info" },
  sessions: DEFAULT_SESSION_LIMITS,
  realms: [],
  frontDoors: {},
};

const FRONT_DOORS = ["agent", "astrogrid", "httpkom", "vsphere"] as const;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function privileges(value: unknown, path: string): Privilege[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) failSetting(path, "must be a list of privilege names");
  return value.map((p, i) => {
    if (!isPrivilege(p)) failSetting(`${path}[${i}]`, "is not a known privilege");
    return p;
  });
}

function parseUser(value: unknown, path: string): UserConfig {
  const raw = settingsObject(value, path);
  checkKnownSettings(raw, path, [
    "name",
    "number",
    "password",
    "passwordHash",
    "fullName",
    "groups",
    "privileges",
    "disabled",
  ]);
  const user: UserConfig = {
    name: textSetting(raw.name, `${path}.name`, { pattern: NAME_PATTERN }),
    groups: [],
    privileges: privileges(raw.privileges, `${path}.privileges`),
    disabled: raw.disabled === undefined ? false : booleanSetting(raw.disabled, `${path}.disabled`),
  };
  if (raw.number !== undefined) user.number = integerSetting(raw.number, `${path}.number`, 0, 2 ** 31 - 1);
  if (raw.password !== undefined) user.password = textSetting(raw.password, `${path}.password`);
  if (raw.passwordHash !== undefined)
    user.passwordHash = textSetting(raw.passwordHash, `${path}.passwordHash`, { pattern: /^\$argon2id\$/ });
  if (raw.fullName !== undefined) user.fullName = textSetting(raw.fullName, `${path}.fullName`);
  if (raw.groups !== undefined) {
    if (!Array.isArray(raw.groups)) failSetting(`${path}.groups`, "must be a list of group names");
    user.groups = raw.groups.map((g, i) => textSetting(g, `${path}.groups[${i}]`, { pattern: NAME_PATTERN }));
  }
  return user;
}

function parseGroup(value: unknown, path: string): GroupConfig {
  const raw = settingsObject(value, path);
  checkKnownSettings(raw, path, ["name", "number", "privileges"]);
  const group: GroupConfig = {
    name: textSetting(raw.name, `${path}.name`, { pattern: NAME_PATTERN }),
    privileges: privileges(raw.privileges, `${path}.privileges`),
  };
  if (raw.number !== undefined) group.number = integerSetting(raw.number, `${path}.number`, 0, 2 ** 31 - 1);
  return group;
}

function parseRealm(value: unknown, path: string): RealmConfig {
  const raw = settingsObject(value, path);
  checkKnownSettings(raw, path, [
    "name",
    "id",
    "defaultLocale",
    "supportedLocales",
    "idleTimeoutSeconds",
    "maxIdleTimeoutSeconds",
    "maxLifetimeSeconds",
    "maxSessionsPerUser",
    "maxSessionsPolicy",
    "allowSelfRegistration",
    "users",
    "groups",
  ]);
  const realm: RealmConfig = {
    name: textSetting(raw.name, `${path}.name`, { pattern: REALM_NAME_PATTERN }),
    users: [],
    groups: [],
  };
  if (raw.id !== undefined) realm.id = textSetting(raw.id, `${path}.id`, { pattern: GUID_PATTERN }).toLowerCase();
  if (raw.defaultLocale !== undefined) {
    if (!isWellFormedLocale(raw.defaultLocale)) failSetting(`${path}.defaultLocale`, "must look like 'en' or 'en_US'");
    realm.defaultLocale = raw.defaultLocale;
  }
  if (raw.supportedLocales !== undefined) {
    if (!Array.isArray(raw.supportedLocales) || !raw.supportedLocales.every(isWellFormedLocale)) {
      failSetting(`${path}.supportedLocales`, "must be a list of locales like 'en' or 'en_US'");
    }
    realm.supportedLocales = raw.supportedLocales;
  }
  if (raw.idleTimeoutSeconds !== undefined)
    realm.idleTimeoutSeconds = integerSetting(raw.idleTimeoutSeconds, `${path}.idleTimeoutSeconds`, 0);
  if (raw.maxIdleTimeoutSeconds !== undefined) {
    realm.maxIdleTimeoutSeconds =
      raw.maxIdleTimeoutSeconds === null
        ? null
        : integerSetting(raw.maxIdleTimeoutSeconds, `${path}.maxIdleTimeoutSeconds`, 1);
  }
  if (raw.maxLifetimeSeconds !== undefined) {
    realm.maxLifetimeSeconds =
      raw.maxLifetimeSeconds === null ? null : integerSetting(raw.maxLifetimeSeconds, `${path}.maxLifetimeSeconds`, 1);
  }
  if (raw.maxSessionsPerUser !== undefined) {
    realm.maxSessionsPerUser =
      raw.maxSessionsPerUser === null ? null : integerSetting(raw.maxSessionsPerUser, `${path}.maxSessionsPerUser`, 1);
  }
  if (raw.maxSessionsPolicy !== undefined) {
    if (raw.maxSessionsPolicy !== "deny" && raw.maxSessionsPolicy !== "evict-oldest") {
      failSetting(`${path}.maxSessionsPolicy`, "must be deny or evict-oldest");
    }
    realm.maxSessionsPolicy = raw.maxSessionsPolicy;
  }
  if (raw.allowSelfRegistration !== undefined) {
    realm.allowSelfRegistration = booleanSetting(raw.allowSelfRegistration, `${path}.allowSelfRegistration`);
  }
  if (raw.users !== undefined) {
    if (!Array.isArray(raw.users)) failSetting(`${path}.users`, "must be a list");
    realm.users = raw.users.map((u, i) => parseUser(u, `${path}.users[${i}]`));
  }
  if (raw.groups !== undefined) {
    if (!Array.isArray(raw.groups)) failSetting(`${path}.groups`, "must be a list");
    realm.groups = raw.groups.map((g, i) => parseGroup(g, `${path}.groups[${i}]`));
  }
  return realm;
}

/** Checks a merged raw configuration and fills in defaults. Throws `INVALID_ARGUMENT` naming the path. */
export function parseConfig(value: unknown): Config {
  const raw = value === undefined ? {} : settingsObject(value, "(top level)");
  checkKnownSettings(raw, "", [
    "dataDir",
    "nodeId",
    "store",
    "cluster",
    "http",
    "log",
    "sessions",
    "realms",
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

  if (raw.http !== undefined) {
    const http = settingsObject(raw.http, "http");
    checkKnownSettings(http, "http", ["host", "port", "tls", "bodyLimitBytes"]);
    if (http.host !== undefined) config.http.host = textSetting(http.host, "http.host");
    if (http.port !== undefined) config.http.port = integerSetting(http.port, "http.port", 0, 65535);
    config.http.tls = tlsSetting(http.tls, "http.tls");
    if (http.bodyLimitBytes !== undefined)
      config.http.bodyLimitBytes = integerSetting(http.bodyLimitBytes, "http.bodyLimitBytes", 1024);
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
      // 0 turns the cache off and lets the server choose the hashing concurrency; other limits are at least 1.
      const least = name === "sessionCacheEntries" || name === "hashConcurrency" ? 0 : 1;
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

  for (const name of FRONT_DOORS) {
    if (raw[name] !== undefined) config.frontDoors[name] = settingsObject(raw[name], name);
  }
  return config;
}
