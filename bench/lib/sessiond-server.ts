/**
 * A real sessiond for the benchmarks: `buildApp` with the SQLite store in a fresh temporary data
 * directory, the default (real-cost argon2id) hasher, listening on 127.0.0.1 port 0.
 *
 * The store is made here, from the configuration as `buildApp` would make it, and handed to `buildApp`
 * (its `store` option), so that this process holds the very object the engine writes to. Before it
 * reports ready it creates the benchmark users through the `putUser` operation and inserts
 * `--sessions` live logged-in sessions straight into that store (not through the engine, so no cache
 * of the engine starts warm), built the way `src/core/sessions.ts` builds them (only the SHA-256
 * digest of each secret is stored). It then prints one line:
 *
 *   {"ready":true,"url":...,"secrets":[...],"users":[...],"password":...,"insertMs":...}
 *
 * with `--sample` of the secrets, so the load generator can send valid bearers. Stops (and deletes its
 * data directory) on SIGTERM or when stdin closes.
 *
 *   node --import tsx bench/lib/sessiond-server.ts --sessions 100000 --sample 10000 --users 4 [--agent] [--astrogrid]
 *
 * With `--agent` the Agent front door listens too (plain TCP, a free port), and the ready line names
 * it as `agentUrl`. With `--astrogrid` the AstroGrid front door is on (at `/astrogrid`, its discovery
 * file in the data directory rather than the home folder).
 *
 * Inserting: the sessions go through the store's own `insertSession` (so the rows are exactly what the
 * store writes), but 25,000 to one SQLite transaction, with `synchronous = OFF` meanwhile: one commit
 * per session costs ~220 µs, which makes a million sessions take four minutes; this way it is ~40 µs.
 * For that the child opens the SQLite connection itself and hands it to the store (its `database`
 * option), so that it can run the store's inserts in transactions of its own. Durability is set back and the
 * WAL checkpointed before the server reports ready, so the measured server is configured as `npm
 * start` configures it. The page cache is left at the store's size on purpose: a bigger one makes the
 * inserts faster still, but the memory it took stays in the process (the allocator keeps it) and
 * would inflate the RSS that `whoami1m` reports. Without a handle (memory store, `BENCH_STORE=memory`)
 * it inserts one by one.
 *
 * Requests from the parent (one JSON line each on stdin, see `answerParent` in `proc.ts`):
 *
 * - `{"cmd":"stats"}` answers the activity the store has written so far (rows and calls of
 *   `applyActivity`, and the milliseconds spent in them), the process's memory (RSS from
 *   /proc/self/status) and its CPU time. It flushes nothing: the parent reads it before and after a
 *   measured run, and the difference is what the engine wrote on its own meanwhile. Activity is
 *   counted by replacing `applyActivity` on the store object before `buildApp` gets it; before
 *   reporting ready the child makes one call and flushes it, and `activityCounted` in the ready line
 *   says whether that write went through the replacement.
 * - `{"cmd":"profile-start"}` and `{"cmd":"profile-stop","file":...}`: a V8 CPU profile through
 *   `node:inspector`, written to `file` (discarded without one), so that a profile covers only the
 *   measured load and not the insertion.
 */

import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import postgres from "postgres";
import type { SessionRecord } from "../../src/core/types.ts";
import { answerParent, exitWithParent } from "./proc.ts";

// The server under test is the compiled build in dist/, as `npm start` runs it, not the sources
// through tsx (whose transpiled output adds work to every call). bench/run.ts builds it first.
type Modules = [
  typeof import("../../src/core/config.ts"),
  typeof import("../../src/core/ops/index.ts"),
  typeof import("../../src/core/secrets.ts"),
  typeof import("../../src/server/app.ts"),
  typeof import("../../src/server/provision.ts"),
  typeof import("../../src/store/index.ts"),
  typeof import("../../src/store/sqlite.ts"),
];
const dist = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href;
const [
  { parseConfig },
  { putUser },
  { digestSecret },
  { buildApp, openConfiguredStore, resolveDataPath },
  { LOCAL_ADMIN },
  { createStore },
  { createSqliteStore },
] = (await Promise.all([
  import(dist("core/config.js")),
  import(dist("core/ops/index.js")),
  import(dist("core/secrets.js")),
  import(dist("server/app.js")),
  import(dist("server/provision.js")),
  import(dist("store/index.js")),
  import(dist("store/sqlite.js")),
])) as Modules;

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "100000" },
    sample: { type: "string", default: "10000" },
    users: { type: "string", default: "4" },
    agent: { type: "boolean", default: false },
    astrogrid: { type: "boolean", default: false },
    postgres: { type: "boolean", default: false },
    "no-metrics": { type: "boolean", default: false },
  },
});
const sessionCount = Number(values.sessions);
const sampleCount = Math.min(Number(values.sample), sessionCount);
const userCount = Math.max(1, Number(values.users));

export const BENCH_PASSWORD = "bench-password-0123456789";
/** The sessions' last activity lies within this many ms before the start (the default tolerance). */
const ACTIVE_SPREAD_MS = 60_000;
/** Sessions inserted per SQLite transaction. */
const INSERT_BATCH = 25_000;

const dataDir = mkdtempSync(join(tmpdir(), "sessiond-bench-"));
// With --postgres: a database of its own on this machine's server, made now and dropped at exit.
const postgresDatabase = values.postgres ? `sessiond_bench_${process.pid}` : undefined;
const POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432/postgres";
if (postgresDatabase) {
  const admin = postgres(POSTGRES_SERVER, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${postgresDatabase}`);
  await admin.end();
}
const config = parseConfig({
  dataDir,
  store: postgresDatabase
    ? { driver: "postgres", url: `postgres://postgres@127.0.0.1:5432/${postgresDatabase}` }
    : { driver: process.env.BENCH_STORE === "memory" ? "memory" : "sqlite" },
  http: { host: "127.0.0.1", port: 0 },
  log: { level: "warn" },
  ...(values["no-metrics"] ? { metrics: { enabled: false } } : {}),
  // Every load generator connection comes from 127.0.0.1, as clients behind a proxy do: the login
  // scenarios measure logins, not the throttle's bound on one address's concurrent attempts.
  loginThrottle: { concurrentPerAddress: 1000 },
  // To see what the cache's staleness bound costs on a shared store, and what activity written more
  // often (a short tolerance, as short idle timeouts give) costs (see docs/benchmarks.md).
  sessions: {
    ...(process.env.BENCH_STALENESS_MS ? { sessionCacheStalenessMs: Number(process.env.BENCH_STALENESS_MS) } : {}),
    ...(process.env.BENCH_ACTIVITY_TOLERANCE_S
      ? { activityToleranceSeconds: Number(process.env.BENCH_ACTIVITY_TOLERANCE_S) }
      : {}),
  },
  ...(values.agent ? { agent: { port: 0, tlsPort: null } } : {}),
  ...(values.astrogrid
    ? { astrogrid: { prefix: "/astrogrid", discoveryFile: join(dataDir, "astrogrid-desktop") } }
    : {}),
});

// The store, made here as buildApp would make it from the configuration, so that this process holds
// the very object the engine writes to (an engine may wrap it, e.g. in a cache, and write through the
// wrapper's back). For SQLite this process opens the connection and hands it to the store, so that it
// can wrap the bulk insert in transactions of its own.
const path = resolveDataPath(config, config.store.path);
const db = config.store.driver === "sqlite" ? new Database(path) : undefined;
const store =
  config.store.driver === "postgres"
    ? await openConfiguredStore(config)
    : db === undefined
      ? createStore({ driver: "memory" })
      : createSqliteStore({
          path,
          durability: config.store.durability,
          database: db,
          // To see what checkpoints on a worker thread buy (see docs/benchmarks.md): `inline` leaves them
          // to SQLite, inside whichever write crosses its 1,000 pages.
          ...(process.env.BENCH_SQLITE_CHECKPOINTS === "inline" ? { checkpointIntervalMs: null } : {}),
        });

// --- Activity writes, counted where the engine writes them ---

const activity = { rows: 0, calls: 0, ms: 0 };
const writeActivity = store.applyActivity;
store.applyActivity = async (deltas) => {
  const started = performance.now();
  const written = writeActivity.call(store, deltas);
  // SQLite writes synchronously inside the call: this is the time the event loop spent writing.
  activity.ms += performance.now() - started;
  await written;
  activity.calls += 1;
  activity.rows += deltas.length;
};

// No `hasher` option: the default argon2id cost is part of what is measured. Logs go to stderr so that
// stdout carries only this process's messages.
const app = await buildApp(config, { adminPassword: BENCH_PASSWORD, logStream: process.stderr, store });

exitWithParent(async () => {
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (postgresDatabase) {
    const admin = postgres(POSTGRES_SERVER, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${postgresDatabase} WITH (FORCE)`);
    await admin.end();
  }
}, 30 * 60_000);

const listeners = await app.start();
const listener = listeners.find((l) => l.name === "http");
if (!listener) throw new Error("sessiond did not listen");
const agentUrl = listeners.find((l) => l.name === "agent")?.url;

const users = ["admin"];
for (let i = 1; i < userCount; i++) {
  const name = `bench${i}`;
  await app.engine.call(putUser, LOCAL_ADMIN, { name, password: BENCH_PASSWORD, privileges: [], mode: "create" });
  users.push(name);
}

// --- Sessions ---

const realm = await store.getRealm("default");
if (!realm) throw new Error("no default realm");
const now = Date.now();
const secrets: string[] = [];
let random = Buffer.alloc(0);
const newSecret = (index: number): string => {
  const offset = (index % 4096) * 32;
  if (offset === 0) random = randomBytes(32 * 4096);
  return random.subarray(offset, offset + 32).toString("base64url");
};

/** Sets the database up for a bulk insert (no fsync); returns what sets it back. */
function bulkInsertSettings(connection: Database.Database): () => void {
  const synchronous = connection.pragma("synchronous", { simple: true }) as number;
  connection.pragma("synchronous = OFF");
  return () => {
    connection.pragma(`synchronous = ${synchronous}`);
    connection.pragma("wal_checkpoint(TRUNCATE)");
  };
}

const sampleStride = Math.max(1, Math.floor(sessionCount / Math.max(1, sampleCount)));
/** Inserts in flight at once on PostgreSQL. */
const PIPELINED_INSERTS = 500;
const pending: Promise<void>[] = [];
const started = performance.now();
const restore = db ? bulkInsertSettings(db) : undefined;
try {
  for (let i = 0; i < sessionCount; i++) {
    if (db && i % INSERT_BATCH === 0) db.exec("BEGIN");
    const secret = newSecret(i);
    // Every n-th secret, so that the sample's last activity spreads over the whole minute like the rest.
    if (i % sampleStride === 0 && secrets.length < sampleCount) secrets.push(secret);
    const record: SessionRecord = {
      key: randomUUID(),
      number: await store.nextSessionNumber(),
      secretDigest: digestSecret(secret),
      realm: realm.name,
      userName: users[i % users.length] as string,
      impersonatedBy: null,
      protocol: "api",
      createdAt: now - ACTIVE_SPREAD_MS,
      loginAt: now - ACTIVE_SPREAD_MS,
      // Spread over the last minute, as the sessions of a live server are: activity then comes due for
      // writing steadily (about one tolerance after each session's last write), not all at once.
      lastActiveAt: now - Math.floor((i * ACTIVE_SPREAD_MS) / sessionCount),
      userActiveAt: null,
      callCount: 1,
      locale: realm.defaultLocale,
      messageLocale: realm.defaultLocale,
      client: { ipAddress: "127.0.0.1", userAgent: "sessiond-bench/1" },
      idleTimeoutMs: realm.idleTimeoutSeconds === 0 ? null : realm.idleTimeoutSeconds * 1000,
      idleTimeoutChosen: false,
      expiresAt: realm.maxLifetimeSeconds === null ? null : now + realm.maxLifetimeSeconds * 1000,
      binding: null,
    };
    // PostgreSQL pipelines: many inserts in flight at once instead of one round trip after another.
    if (postgresDatabase) pending.push(store.insertSession(record));
    else await store.insertSession(record);
    if (pending.length >= PIPELINED_INSERTS) await Promise.all(pending.splice(0));
    if (db && (i % INSERT_BATCH === INSERT_BATCH - 1 || i === sessionCount - 1)) db.exec("COMMIT");
    if (sessionCount >= 500_000 && (i + 1) % 250_000 === 0) {
      console.error(`inserted ${i + 1} of ${sessionCount} sessions in ${Math.round(performance.now() - started)} ms`);
    }
  }
  await Promise.all(pending.splice(0));
} catch (error) {
  if (db?.inTransaction) db.exec("ROLLBACK");
  throw error;
} finally {
  restore?.();
}
const insertMs = Math.round(performance.now() - started);

// One call of one session, written: proves that the engine writes through the counting wrapper.
// (`true`: everything buffered, for an engine whose flush otherwise writes only what is due.)
const flushAll = (app.engine.flush as (everything?: boolean) => Promise<unknown>).bind(app.engine);
const probe = secrets[0];
if (probe !== undefined) {
  await app.engine.authenticate({ protocol: "api", secret: probe, isLoopback: true });
  await flushAll(true);
}
const activityCounted = activity.rows > 0;
Object.assign(activity, { rows: 0, calls: 0, ms: 0 });

// --- Requests from the parent ---

/** This process's resident memory, from /proc (Linux); `process.memoryUsage()` elsewhere. */
function memory(): Record<string, number> {
  const usage = process.memoryUsage();
  const figures: Record<string, number> = { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external };
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    for (const [field, name] of [
      ["VmRSS", "rss"],
      ["VmHWM", "peakRss"],
      ["RssAnon", "rssAnon"],
      ["RssFile", "rssFile"],
    ] as const) {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
      if (match?.[1]) figures[name] = Number(match[1]) * 1024;
    }
  } catch {
    // Not Linux: the figures of memoryUsage() stand.
  }
  return figures;
}

let profiler: Session | undefined;

answerParent(async (request) => {
  switch (request.cmd) {
    case "stats": {
      // Nothing is flushed here: what counts is what the server writes on its own while measured.
      const cpu = process.cpuUsage();
      return {
        activity: { ...activity, ms: Math.round(activity.ms * 10) / 10 },
        memory: memory(),
        cpuUs: cpu.user + cpu.system,
      };
    }
    case "profile-start": {
      if (!profiler) {
        profiler = new Session();
        profiler.connect();
        await profiler.post("Profiler.enable");
        // --cpu-prof's default interval.
        await profiler.post("Profiler.setSamplingInterval", { interval: 1000 });
      }
      await profiler.post("Profiler.start");
      return {};
    }
    case "profile-stop": {
      if (!profiler) throw new Error("no profile is running");
      const { profile } = await profiler.post("Profiler.stop");
      if (typeof request.file === "string") writeFileSync(request.file, JSON.stringify(profile));
      return {};
    }
    default:
      throw new Error(`unknown request ${JSON.stringify(request.cmd)}`);
  }
});

console.log(
  JSON.stringify({
    ready: true,
    url: listener.url,
    ...(agentUrl === undefined ? {} : { agentUrl }),
    secrets,
    users,
    password: BENCH_PASSWORD,
    sessions: sessionCount,
    insertMs,
    insertMode: db ? `transactions of ${INSERT_BATCH}` : "one by one",
    activityCounted,
    pid: process.pid,
  }),
);
