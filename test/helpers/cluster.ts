/**
 * Several real `sessiond serve` processes on one PostgreSQL database, for the multi-node tests in
 * `test/cluster/`. Nothing is mocked: each node is its own process (through tsx, so no build is
 * needed) with its own nodeId, data directory, config file and ports, and they share one fresh
 * database that is dropped when the test is done.
 *
 * Also here:
 *
 * - a TCP proxy between one node and PostgreSQL that the test controls: it can refuse (cut every open
 *   connection and reset new ones, as a database that went away) or stall (stop forwarding without
 *   closing anything, as a network partition looks from both ends), and heal;
 * - a private PostgreSQL cluster (initdb into a temporary directory, run as the `postgres` OS user on a
 *   free port) for tests that restart the database server, never the machine's shared one;
 * - small clients: the JSON API, an SSE reader, and a poll with a deadline.
 *
 * Every test that starts something here passes its `TestContext`: what it starts is stopped, killed,
 * dropped and removed in that test's `t.after`, whether it passed or not.
 *
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { GRANTABLE_PRIVILEGES } from "../../src/core/privileges.ts";
import { skipReason } from "./skip.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = ["--import", "tsx", fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url))];

/** The machine's shared server, unless `SESSIOND_TEST_POSTGRES_URL` names another (fresh schemas then). */
const DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** The one Agent host id every node is given, so that every node answers the same SIDs. */
export const CLUSTER_AGENT_HOST_ID = "4fce28dd-0cd3-1345-bb94-3192b940fb90";

export const CLUSTER_PASSWORDS = {
  admin: "admin-password",
  alice: "alice-password",
  bob: "bob-password",
  carol: "carol-password",
} as const;

export type ClusterUser = keyof typeof CLUSTER_PASSWORDS;

/** One realm: `admin` with every privilege, and three plain users with fixed numbers. */
export const CLUSTER_REALMS = [
  {
    name: "default",
    idleTimeoutSeconds: 1800,
    defaultLocale: "en",
    supportedLocales: ["en", "de"],
    users: [
      {
        name: "admin",
        number: 1,
        fullName: "Administrator",
        password: CLUSTER_PASSWORDS.admin,
        privileges: [...GRANTABLE_PRIVILEGES],
      },
      { name: "alice", number: 2, fullName: "Alice Example", password: CLUSTER_PASSWORDS.alice },
      { name: "bob", number: 3, fullName: "Bob Builder", password: CLUSTER_PASSWORDS.bob },
      { name: "carol", number: 4, fullName: "Carol Agent", password: CLUSTER_PASSWORDS.carol },
    ],
  },
];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------
// PostgreSQL: is it there, and a fresh database per test.

/**
 * Why the cluster tests skip (the server at `serverUrl` is not reachable), or undefined when they run.
 * Under `SESSIOND_TEST_NO_SKIP=1` nothing skips: the test runs and fails.
 */
export async function postgresSkip(serverUrl = process.env.SESSIOND_TEST_POSTGRES_URL ?? DEFAULT_SERVER_URL) {
  const sql = postgres(serverUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return undefined;
  } catch {
    return skipReason(
      false,
      "PostgreSQL is not reachable at 127.0.0.1:5432 as user postgres (install and start postgresql, or set SESSIOND_TEST_POSTGRES_URL)",
    );
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** A database made for one test, and how to drop it. */
export interface MadeDatabase {
  readonly url: string;
  /** Drops it, `WITH (FORCE)`, so that connections a killed node left behind do not keep it. */
  drop(): Promise<void>;
}

/**
 * A fresh database (or, with `SESSIOND_TEST_POSTGRES_URL`, a fresh schema) on the server of
 * `serverUrl`. The caller drops it.
 */
export async function createDatabase(serverUrl?: string): Promise<MadeDatabase> {
  const given = serverUrl === undefined ? process.env.SESSIOND_TEST_POSTGRES_URL : undefined;
  const server = serverUrl ?? given ?? DEFAULT_SERVER_URL;
  const name = `sessiond_cluster_${process.pid}_${randomBytes(4).toString("hex")}`;
  const url = new URL(server);
  const admin = postgres(server, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    if (given) {
      await admin.unsafe(`CREATE SCHEMA ${name}`);
      url.searchParams.set("search_path", name);
    } else {
      await admin.unsafe(`CREATE DATABASE ${name}`);
      url.pathname = `/${name}`;
    }
  } finally {
    await admin.end({ timeout: 1 });
  }
  return {
    url: url.toString(),
    async drop() {
      const sql = postgres(server, { max: 1, connect_timeout: 5, onnotice: () => {} });
      try {
        if (given) await sql.unsafe(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
        else await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Nodes.

export interface NodeOptions {
  /** The store URL this node uses (a proxy's, say). @default the cluster's database */
  storeUrl?: string;
  /** Turn the Agent front door on (plain TCP on a free port, no TLS). @default the cluster's setting */
  agent?: boolean;
  /** How long to wait for the ready lines, in ms. @default 30000 */
  readyTimeoutMs?: number;
  /** `cluster` settings for this node only, over the cluster's (a node that re-checks more often, say). */
  cluster?: Record<string, number>;
  /** `sessions` settings for this node only, over the cluster's. */
  sessions?: Record<string, unknown>;
}

/** A `sessiond serve` process that may not be ready (or may never be). */
export interface NodeProcess {
  readonly nodeId: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far, stdout and stderr together. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string | null>;
  /** Resolves once every expected ready line was printed; rejects if the process exits first. */
  readonly ready: Promise<ClusterNode>;
}

export interface ClusterNode {
  readonly nodeId: string;
  /** `http://127.0.0.1:port`: JSON API, httpkom, vSphere. */
  readonly url: string;
  /** `tcp://127.0.0.1:port` when the Agent front door is on. */
  readonly agentUrl: string | undefined;
  readonly dataDir: string;
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | string | null>;
  /** SIGTERM, and wait for the exit (SIGKILL after 10 s). */
  stop(): Promise<number | string | null>;
  /** SIGKILL: no chance to release its lease, end its sessions or flush anything. */
  kill9(): Promise<void>;
  /** A JSON API (or any HTTP) request to this node. */
  api(method: string, path: string, options?: RequestOptions): Promise<HttpAnswer>;
}

export interface ClusterOptions {
  /** Extra cluster settings (`cluster` block), e.g. a short lease for tests that kill nodes. */
  cluster?: Record<string, number>;
  /** Extra `sessions` settings. */
  sessions?: Record<string, unknown>;
  /** Turn the Agent front door on in every node. @default false */
  agent?: boolean;
  /** Turn the AstroGrid front door on in every node (its discovery file in the node's data dir). */
  astrogrid?: boolean;
  /** The store's pool size per node. @default 4 */
  poolSize?: number;
  /** The PostgreSQL server to make the database on (a private cluster's URL). @default the shared one */
  serverUrl?: string;
  /** The log level of the nodes; their output is kept for failure messages. @default "info" */
  logLevel?: string;
}

export interface TestCluster {
  /** The database every node shares (not through any proxy). */
  readonly databaseUrl: string;
  /** An administrator's connection to that database, for reading `audit`, `nodes`, `pg_stat_activity`. */
  readonly sql: postgres.Sql;
  /** Starts a node and waits for its ready lines. */
  start(nodeId: string, options?: NodeOptions): Promise<ClusterNode>;
  /** Starts a node without waiting: for a node that should refuse to start. */
  launch(nodeId: string, options?: NodeOptions): NodeProcess;
  /** A proxy in front of the database, for one node's `storeUrl`. */
  proxy(): Promise<PgProxy>;
  /** The temporary directory holding every node's data directory and config. */
  readonly dir: string;
}

/**
 * A fresh database and the means to start nodes on it. Everything is cleaned up in `t.after`, in
 * this order: nodes (SIGTERM, then SIGKILL), proxies, the admin connection, the database, the files.
 */
export async function startCluster(t: TestContext, options: ClusterOptions = {}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), "sessiond-cluster-"));
  const processes: NodeProcess[] = [];
  const proxies: PgProxy[] = [];
  let database: MadeDatabase | undefined;
  let sql: postgres.Sql | undefined;
  // One hook, so that the order holds (node:test runs a test's hooks in the order they were added).
  t.after(async () => {
    await Promise.all(processes.map((p) => terminate(p.child, p.exited)));
    await Promise.all(proxies.map((p) => p.close()));
    await sql?.end({ timeout: 1 });
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  database = await createDatabase(options.serverUrl);
  const databaseUrl = database.url;
  const admin = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  sql = admin;

  const launch = (nodeId: string, nodeOptions: NodeOptions = {}): NodeProcess => {
    const dataDir = join(dir, `node-${nodeId}-${processes.length}`);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const agent = nodeOptions.agent ?? options.agent ?? false;
    const config: Record<string, unknown> = {
      dataDir,
      nodeId,
      store: { driver: "postgres", poolSize: options.poolSize ?? 4 },
      http: { host: "127.0.0.1", port: 0 },
      log: { level: options.logLevel ?? "info" },
      realms: CLUSTER_REALMS,
      ...(options.cluster || nodeOptions.cluster ? { cluster: { ...options.cluster, ...nodeOptions.cluster } } : {}),
      ...(options.sessions || nodeOptions.sessions
        ? { sessions: { ...options.sessions, ...nodeOptions.sessions } }
        : {}),
      ...(agent ? { agent: { port: 0, tlsPort: null, hostId: CLUSTER_AGENT_HOST_ID } } : {}),
      ...(options.astrogrid ? { astrogrid: { discoveryFile: join(dataDir, "astrogrid-desktop") } } : {}),
    };
    const configFile = join(dataDir, "sessiond.json");
    writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
    const made = spawnNode(nodeId, configFile, nodeOptions.storeUrl ?? databaseUrl, dataDir, agent, nodeOptions);
    processes.push(made);
    return made;
  };

  return {
    databaseUrl,
    sql: admin,
    dir,
    launch,
    start: (nodeId, nodeOptions) => launch(nodeId, nodeOptions).ready,
    async proxy() {
      const made = await startProxy(databaseUrl);
      proxies.push(made);
      return made;
    },
  };
}

/** The environment of a node: this process's, without any SESSIOND_* setting that would change it. */
function nodeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("SESSIOND_")) env[name] = value;
  }
  return { ...env, ...extra };
}

function spawnNode(
  nodeId: string,
  configFile: string,
  storeUrl: string,
  dataDir: string,
  agent: boolean,
  options: NodeOptions,
): NodeProcess {
  const child = spawn(process.execPath, [...CLI, "serve", "--config", configFile], {
    cwd: ROOT,
    env: nodeEnv({ SESSIOND_STORE_URL: storeUrl, SESSIOND_NODE_ID: nodeId }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | string | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal)),
  );
  const listeners = new Map<string, string>();
  const ready = new Promise<ClusterNode>((resolve, reject) => {
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    const timer = setTimeout(
      () => reject(new Error(`node ${nodeId} did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    let pending = "";
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const match = /^sessiond: (\S+) listening on (\S+)/.exec(line);
        if (match?.[1] && match[2]) listeners.set(match[1], match[2]);
      }
      const url = listeners.get("http");
      if (url === undefined || (agent && !listeners.has("agent"))) return;
      clearTimeout(timer);
      resolve(makeNode(nodeId, url, listeners.get("agent"), dataDir, child, exited, () => output));
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node ${nodeId} exited (${code}) before it was ready:\n${output}`));
    });
  });
  // A node that was expected to fail must not become an unhandled rejection.
  ready.catch(() => {});
  return { nodeId, child, output: () => output, exited, ready };
}

function makeNode(
  nodeId: string,
  url: string,
  agentUrl: string | undefined,
  dataDir: string,
  child: ChildProcess,
  exited: Promise<number | string | null>,
  output: () => string,
): ClusterNode {
  return {
    nodeId,
    url,
    agentUrl,
    dataDir,
    child,
    output,
    exited,
    stop: () => terminate(child, exited),
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    api: (method, path, options) => request(url, method, path, options),
  };
}

/** SIGTERM, then SIGKILL if the process has not exited within 10 s. */
async function terminate(child: ChildProcess, exited: Promise<number | string | null>) {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------
// HTTP and SSE clients.

export interface RequestOptions {
  bearer?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Gives up (rejects) when no answer came within this many ms. @default 30000 */
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The body parsed as JSON when it is JSON, otherwise undefined. */
  body: any;
  text: string;
}

export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(baseUrl + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** Logs in over the JSON API of `node`; answers the secret and the session's key and number. */
export async function apiLogin(node: ClusterNode, user: ClusterUser) {
  const answer = await node.api("POST", "/api/v1/login", {
    body: { userName: user, password: CLUSTER_PASSWORDS[user] },
  });
  if (answer.status !== 201) throw new Error(`login of ${user} on ${node.nodeId}: ${answer.status} ${answer.text}`);
  return {
    secret: answer.body.secret as string,
    key: answer.body.session.key as string,
    number: answer.body.session.number as number,
  };
}

export interface ServerEvent {
  event: string;
  data: any;
  /** When the event was read, `performance.now()` ms. */
  at: number;
}

/** An open `GET /api/v1/session/events` stream. */
export interface EventStream {
  status: number;
  /** The next event (keep-alive comments skipped); rejects after `timeoutMs`, or when the stream ends. */
  next(timeoutMs?: number): Promise<ServerEvent>;
  /** Resolves true when the stream ends before another event, false when an event comes first. */
  closed(timeoutMs?: number): Promise<boolean>;
  cancel(): Promise<void>;
}

export async function openEvents(node: ClusterNode, secret: string): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`${node.url}/api/v1/session/events`, {
    headers: { authorization: `Bearer ${secret}`, accept: "text/event-stream" },
    signal: controller.signal,
  });
  if (!response.body) throw new Error("the event stream has no body");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let done = false;

  const guarded = <T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
  };

  // One read at a time: a guard that gives up leaves its read running, and the next call continues it.
  let reading: Promise<ServerEvent | null> | undefined;
  const nextEvent = (): Promise<ServerEvent | null> => {
    reading ??= readEvent().finally(() => {
      reading = undefined;
    });
    return reading;
  };

  async function readEvent(): Promise<ServerEvent | null> {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end < 0) {
        if (done) return null;
        const chunk = await reader.read();
        if (chunk.done) done = true;
        else buffer += decoder.decode(chunk.value, { stream: true });
        continue;
      }
      const text = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of text.split("\n")) {
        if (line.startsWith(":")) continue;
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length === 0 && event === "message") continue;
      return { event, data: JSON.parse(data.join("\n")), at: performance.now() };
    }
  }

  return {
    status: response.status,
    async next(timeoutMs = 10_000) {
      const event = await guarded(nextEvent(), timeoutMs, "event");
      if (!event) throw new Error("the event stream closed");
      return event;
    },
    async closed(timeoutMs = 10_000) {
      return (await guarded(nextEvent(), timeoutMs, "end of the event stream")) === null;
    },
    async cancel() {
      controller.abort();
      await reader.cancel().catch(() => {});
    },
  };
}

/**
 * Polls `check` until it answers something other than undefined, or fails once `timeoutMs` has passed.
 * Answers the value and how long it took (ms). Bounds here are generous guards against a hang, not the
 * bound under test: tests record the time taken and compare it with the spec's bound themselves.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<{ value: T; ms: number }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const started = performance.now();
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return { value, ms: performance.now() - started };
    } catch (error) {
      last = error;
    }
    if (performance.now() - started > timeoutMs) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : "";
      throw new Error(`${what}: not within ${timeoutMs} ms${why}`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------------
// A proxy between a node and PostgreSQL.

/**
 * `forward`: relays bytes both ways. `refuse`: every open connection is cut and new ones are reset at
 * once (the database went away, or a firewall rejects). `stall`: nothing moves, nothing is closed; new
 * connections are accepted and left waiting (a network partition: packets are dropped, no RST). Going
 * back to `forward` from `stall` lets everything that waited through, as a healed network would.
 */
export type ProxyMode = "forward" | "refuse" | "stall";

export interface PgProxy {
  /** The database URL through the proxy. */
  readonly url: string;
  readonly mode: ProxyMode;
  setMode(mode: ProxyMode): void;
  /** Connections open through the proxy now. */
  readonly open: number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
}

export async function startProxy(databaseUrl: string): Promise<PgProxy> {
  const target = new URL(databaseUrl);
  const targetPort = Number(target.port || 5432);
  const targetHost = target.hostname;
  const pairs = new Set<Pair>();
  let mode: ProxyMode = "forward";

  const cut = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  };

  const join = (pair: Pair) => {
    const upstream = tcpConnect(targetPort, targetHost);
    pair.upstream = upstream;
    upstream.on("error", () => cut(pair)).on("close", () => cut(pair));
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
    pair.client.resume();
  };

  const server: Server = createServer((client) => {
    if (mode === "refuse") {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: null };
    pairs.add(pair);
    client.on("error", () => cut(pair)).on("close", () => cut(pair));
    if (mode === "forward") join(pair);
    else client.pause();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);

  const setMode = (next: ProxyMode) => {
    const previous = mode;
    mode = next;
    if (next === "refuse") {
      for (const pair of [...pairs]) cut(pair);
      return;
    }
    if (next === "stall") {
      for (const pair of pairs) {
        pair.client.unpipe();
        pair.upstream?.unpipe();
        pair.client.pause();
        pair.upstream?.pause();
      }
      return;
    }
    if (previous !== "stall") return;
    for (const pair of pairs) {
      if (!pair.upstream) {
        join(pair);
        continue;
      }
      pair.client.pipe(pair.upstream);
      pair.upstream.pipe(pair.client);
      pair.client.resume();
      pair.upstream.resume();
    }
  };

  return {
    url: url.toString(),
    get mode() {
      return mode;
    },
    setMode,
    get open() {
      return pairs.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of [...pairs]) cut(pair);
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------
// A private PostgreSQL cluster.

const PG_BIN = "/usr/lib/postgresql/15/bin";

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  /**
   * `pg_ctl restart`: the server stops, ending every connection, and starts again. `fast` shuts down
   * cleanly; `immediate` is a crash, recovered from the WAL at the start.
   */
  restart(mode: "fast" | "immediate"): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * Why a private cluster cannot be made here (no PostgreSQL 15 binaries, no `postgres` OS user, or not
 * root to run as it), or undefined when it can. Fails instead of skipping under SESSIOND_TEST_NO_SKIP=1.
 */
export function privatePostgresSkip(): string | undefined {
  const works =
    existsSync(join(PG_BIN, "initdb")) &&
    existsSync(join(PG_BIN, "pg_ctl")) &&
    process.getuid?.() === 0 &&
    spawnSync("id", ["-u", "postgres"]).status === 0 &&
    existsSync("/usr/sbin/runuser");
  return skipReason(
    works,
    `a private PostgreSQL cluster needs ${PG_BIN}/initdb and pg_ctl (apt-get install postgresql-15), the postgres OS user, and root to run them as it`,
  );
}

/** A free TCP port on 127.0.0.1 (free now; a race with another process is possible but unlikely). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 0;
}

/** Runs a command as the `postgres` OS user, without blocking this process's event loop. */
function asPostgres(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/sbin/runuser", ["-u", "postgres", "--", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${args.join(" ")} failed (${code}):\n${output}`));
    });
  });
}

/**
 * initdb into a new temporary directory (owned by `postgres`), started on a free port of 127.0.0.1
 * with trust authentication and its socket in that directory. Stopped (`-m immediate`) and removed in
 * `t.after`.
 */
export async function startPrivatePostgres(t: TestContext): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "sessiond-pg-"));
  chmodSync(dir, 0o755);
  const data = join(dir, "data");
  mkdirSync(data);
  const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
  const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
  chownSync(dir, uid, gid);
  chownSync(data, uid, gid);
  let initialised = false;
  t.after(() => {
    if (initialised) {
      spawnSync(
        "/usr/sbin/runuser",
        ["-u", "postgres", "--", join(PG_BIN, "pg_ctl"), "-D", data, "-m", "immediate", "stop"],
        {
          timeout: 30_000,
        },
      );
    }
    rmSync(dir, { recursive: true, force: true });
  });

  await asPostgres([join(PG_BIN, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  // From here on a server may be running (even if the start below times out): the clean-up stops it.
  initialised = true;
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c max_connections=60`;
  const pgCtl = (...args: string[]) =>
    asPostgres([join(PG_BIN, "pg_ctl"), "-D", data, "-l", join(dir, "log"), ...args]);
  await pgCtl("-o", options, "-w", "-t", "60", "start");
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: (mode) => pgCtl("-o", options, "-m", mode, "-w", "-t", "60", "restart"),
    stop: () => pgCtl("-m", "fast", "-w", "-t", "60", "stop"),
    start: () => pgCtl("-o", options, "-w", "-t", "60", "start"),
  };
}
