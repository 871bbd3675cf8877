/**
 * The only place that wires concrete parts together: store, engine, ports and front doors, from a
 * `Config`. Building an app never listens; `start()` does, so tests build on port 0.
 *
 * @module
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { availableParallelism } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { Clock } from "../core/clock.ts";
import type { Config } from "../core/config.ts";
import { createEngine, type Engine } from "../core/engine.ts";
import { SessionError } from "../core/errors.ts";
import { createSession } from "../core/ops/index.ts";
import type { PasswordHasher } from "../core/password.ts";
import type { Store } from "../core/store/index.ts";
import { loadOrCreateHostId } from "../protocols/agent/host-id.ts";
import { type AgentServer, type AgentStats, createAgentServer } from "../protocols/agent/server.ts";
import { parseAgentSettings } from "../protocols/agent/settings.ts";
import { createWhoAmIFastPath } from "../protocols/api/fast-path.ts";
import { API_PREFIX, apiPlugin, sendError } from "../protocols/api/plugin.ts";
import { astrogridPlugin } from "../protocols/astrogrid/plugin.ts";
import { type AstrogridSettings, discoveryFilePath, parseAstrogridSettings } from "../protocols/astrogrid/settings.ts";
import { httpkomPlugin } from "../protocols/httpkom/plugin.ts";
import { parseHttpkomSettings } from "../protocols/httpkom/settings.ts";
import { vspherePlugin } from "../protocols/vsphere/plugin.ts";
import { parseVsphereSettings } from "../protocols/vsphere/settings.ts";
import { createStore } from "../store/index.ts";
import { createLocalTicketFiles } from "./local-tickets.ts";
import { LOCAL_ADMIN, type ProvisionResult, provision } from "./provision.ts";

/** Paths pino must never write: secrets in headers and bodies. */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["httpkom-connection"]',
  'req.headers["vmware-api-session-id"]',
  "*.password",
  "*.secret",
  "*.ticket",
  "*.passwordHash",
];

/** sessiond's version, from its package.json (one level above both src/ and dist/). */
const PRODUCT_VERSION: string = (() => {
  try {
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: unknown;
    };
    return typeof manifest.version === "string" ? manifest.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
})();

export interface AppOptions {
  clock?: Clock;
  hasher?: PasswordHasher;
  /** Password of the bootstrap `admin` user, when one is created. Otherwise one is generated. */
  adminPassword?: string;
  /** A ready store instead of the one the configuration names (tests, embedding). */
  store?: Store;
  /** Write logs to this stream instead of stdout (tests silence it). */
  logStream?: NodeJS.WritableStream;
}

export interface Listener {
  name: string;
  url: string;
}

export interface App {
  readonly config: Config;
  readonly engine: Engine;
  readonly http: FastifyInstance;
  /** What start-up provisioning did (set once `start()` resolved). */
  provisioned: ProvisionResult | undefined;
  /** The AstroGrid front door's default session and discovery file, when that front door is on and started. */
  astrogrid: { rootUrl: string; discoveryFile: string; sessionId: string } | undefined;
  /** The Agent front door's host id, listeners and what it holds now, when that front door is on and started. */
  agent: { hostId: string; listeners: Listener[]; stats(): AgentStats } | undefined;
  /** Provisions the directory, starts the engine and listens; resolves with one entry per listener. */
  start(): Promise<Listener[]>;
  /** Stops listening, flushes activity and closes the store. Idempotent. */
  stop(): Promise<void>;
}

export function resolveDataPath(config: Config, path: string): string {
  return isAbsolute(path) ? path : join(config.dataDir, path);
}

export async function buildApp(config: Config, options: AppOptions = {}): Promise<App> {
  // Checked before anything is opened: a bad setting stops the start with a message naming it.
  const httpkom = parseHttpkomSettings(config.frontDoors.httpkom);
  const astrogrid = parseAstrogridSettings(config.frontDoors.astrogrid);
  const vsphere = parseVsphereSettings(config.frontDoors.vsphere);
  const agent = parseAgentSettings(config.frontDoors.agent, config.http);
  let store = options.store;
  if (!store) {
    if (config.store.driver === "sqlite") mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    store = createStore({
      driver: config.store.driver,
      path: resolveDataPath(config, config.store.path),
      durability: config.store.durability,
    });
  }
  const tls = config.http.tls;
  // Set once the engine exists: the who-am-i fast path runs before Fastify sees a request.
  let fastPath: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const serve = (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      if (!fastPath?.(req, res)) handler(req, res);
    };
    return tls
      ? createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, listener)
      : createHttpServer(listener);
  };
  const http = Fastify({
    serverFactory: serve,
    logger: {
      level: config.log.level,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    // Per-request log lines would cost more than a who-am-i itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.http.bodyLimitBytes,
    // No type coercion: a number where text belongs is refused, not converted. Query strings, which
    // are always text, are declared as text and converted by the routes.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, allowUnionTypes: true } },
    // Attribute names travel in the path and may be as long as the configured limit.
    routerOptions: { maxParamLength: 1024 },
    // URLs the router cannot even read are answered in the JSON API's error form, without echoing them.
    frameworkErrors: (_error, request, reply) => {
      void sendError(
        new SessionError("MALFORMED_REQUEST", "The request URL is malformed or too long."),
        request,
        reply,
      );
    },
  }) as unknown as FastifyInstance;

  const engine = createEngine({
    store,
    nodeId: config.nodeId,
    limits: { ...config.sessions, hashConcurrency: hashConcurrencyOf(config) },
    log: http.log,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.hasher ? { hasher: options.hasher } : {}),
    ports: createLocalTicketFiles({ dataDir: config.dataDir, ttlMs: config.sessions.localTicketTtlSeconds * 1000 }),
  });

  fastPath = createWhoAmIFastPath(engine, http.log);

  http.get("/healthz", async () => {
    await store.getSetting("healthz");
    return { status: "ok", store: store.driver };
  });
  // biome-ignore lint/nursery/noMisusedPromises: Fastify awaits async plugins; the rule misreads register's overloads.
  await http.register(apiPlugin, { prefix: API_PREFIX, engine });
  // With the prefix "/", `/api/v1/...` and `/healthz` still win: static routes beat the
  // `/:server_id/...` pattern, and no httpkom route has a path that could also be one of theirs.
  // biome-ignore lint/nursery/noMisusedPromises: as above.
  await http.register(httpkomPlugin, {
    prefix: httpkom.prefix === "/" ? "" : httpkom.prefix,
    engine,
    settings: httpkom,
  });

  if (vsphere.enabled) {
    // biome-ignore lint/nursery/noMisusedPromises: as above.
    await http.register(vspherePlugin, { prefix: "/sdk", engine, settings: vsphere, productVersion: PRODUCT_VERSION });
  }

  // The server's own URL, for the URLs the AstroGrid front door hands out (set once listening).
  let baseUrl = "";
  if (astrogrid) {
    // biome-ignore lint/nursery/noMisusedPromises: as above.
    await http.register(astrogridPlugin, {
      prefix: astrogrid.prefix,
      engine,
      settings: astrogrid,
      baseUrl: () => baseUrl,
      configuration: {
        "sessiond.nodeId": config.nodeId,
        "sessiond.astrogrid.prefix": astrogrid.prefix,
        "sessiond.astrogrid.realm": astrogrid.realm ?? "",
        "sessiond.sessions.maxAttributes": String(config.sessions.maxAttributes),
        "sessiond.sessions.maxAttributeValueBytes": String(config.sessions.maxAttributeValueBytes),
      },
    });
  }

  let started = false;
  let stopped: Promise<void> | undefined;
  let agentServer: AgentServer | undefined;
  const app: App = {
    config,
    engine,
    http,
    provisioned: undefined,
    astrogrid: undefined,
    agent: undefined,
    async start() {
      app.provisioned = await provision(engine, config, options.adminPassword);
      await engine.start();
      started = true;
      const defaultSession = astrogrid ? await createAstrogridDefaultSession(engine, astrogrid) : undefined;
      await http.listen({ host: config.http.host, port: config.http.port });
      const address = http.server.address();
      const port = typeof address === "object" && address ? address.port : config.http.port;
      const host = config.http.host.includes(":") ? `[${config.http.host}]` : config.http.host;
      const url = `${tls ? "https" : "http"}://${host}:${port}`;
      baseUrl = `${tls ? "https" : "http"}://${advertisedHost(config.http.host)}:${port}`;
      if (astrogrid && defaultSession !== undefined) {
        const rootUrl = `${baseUrl}${astrogrid.prefix}/${defaultSession}/`;
        const discoveryFile = discoveryFilePath(astrogrid);
        writeDiscoveryFile(discoveryFile, rootUrl);
        app.astrogrid = { rootUrl, discoveryFile, sessionId: defaultSession };
      }
      const listeners: Listener[] = [{ name: "http", url }];
      if (agent) {
        const hostId = agent.hostId ?? loadOrCreateHostId(config.dataDir);
        agentServer = createAgentServer({
          engine,
          settings: agent,
          hostId,
          log: http.log.child({ frontDoor: "agent" }),
        });
        const agentListeners = await agentServer.start();
        const server = agentServer;
        app.agent = { hostId, listeners: agentListeners, stats: () => server.stats() };
        listeners.push(...agentListeners);
      }
      return listeners;
    },
    stop() {
      stopped ??= (async () => {
        if (app.astrogrid) rmSync(app.astrogrid.discoveryFile, { force: true });
        await http.close();
        // Before the engine stops: closing the connections ends their permanent sessions.
        await agentServer?.stop();
        if (started) await engine.stop();
        await store.close();
      })();
      return stopped;
    },
  };
  return app;
}

/**
 * The AstroGrid default session: bound to the server (it lives as long as the server does), with an
 * AstroGrid id, logged in as `astrogrid.defaultUser` when set. Returns its id (secret).
 */
async function createAstrogridDefaultSession(engine: Engine, settings: AstrogridSettings): Promise<string> {
  const created = await engine.call(
    createSession,
    { ...LOCAL_ADMIN, protocol: "astrogrid" },
    {
      binding: "server",
      secretFormat: "hex32",
      client: { name: "astrogrid-default-session" },
      ...(settings.realm === undefined ? {} : { realm: settings.realm }),
      ...(settings.defaultUser === undefined ? {} : { userName: settings.defaultUser }),
    },
  );
  return created.secret;
}

/**
 * How many password hashes run at once: the configured number, or one fewer than the cores this
 * process may use (at least one), so that one core stays free for every other request while logins
 * run. libuv's thread pool must be at least that large; it is 4 unless UV_THREADPOOL_SIZE says more.
 */
export function hashConcurrencyOf(config: Config): number {
  if (config.sessions.hashConcurrency > 0) return config.sessions.hashConcurrency;
  return Math.max(1, availableParallelism() - 1);
}

/** The host clients should connect to: a wildcard listen address is reached on loopback. */
function advertisedHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/** Writes the root URL as the discovery file's single line, readable by its owner only. */
function writeDiscoveryFile(path: string, rootUrl: string): void {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  writeFileSync(path, `${rootUrl}\n`, { mode: 0o600 });
}
