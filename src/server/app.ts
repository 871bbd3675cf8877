/**
 * The only place that wires concrete parts together: store, engine, ports and front doors, from a
 * `Config`. Building an app never listens; `start()` does, so tests build on port 0. Front doors are
 * named only through their registry (`src/protocols/doors.ts`).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { availableParallelism } from "node:os";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { type Clock, systemClock } from "../core/clock.ts";
import type { Config } from "../core/config.ts";
import { createEngine, type Engine } from "../core/engine.ts";
import { SessionError } from "../core/errors.ts";
import type { PasswordHasher } from "../core/password.ts";
import type { Store } from "../core/store/index.ts";
import { sendError } from "../protocols/api/plugin.ts";
import { FRONT_DOORS } from "../protocols/doors.ts";
import type { DoorContext, FastPath, Listener, StartedDoor } from "../protocols/kit/front-door.ts";
import { admitConnections, answerClientError, type HttpAdmission, httpServerTimeouts } from "./http-admission.ts";
import { createLocalTicketFiles } from "./local-tickets.ts";
import { answerScrape, listenForScrapes } from "./metrics/endpoint.ts";
import { createServerMetrics, type ServerMetrics } from "./metrics/server-metrics.ts";
import { type ProvisionResult, provision } from "./provision.ts";
import { openConfiguredStore } from "./store-from-config.ts";
import { createWebhookSender, type WebhookSender } from "./webhook-sender.ts";

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

export type { Listener } from "../protocols/kit/front-door.ts";
export { openConfiguredStore, resolveDataPath } from "./store-from-config.ts";

export interface App {
  readonly config: Config;
  readonly engine: Engine;
  /** The server's metrics, when `metrics.enabled` (`GET /metrics`). */
  readonly metrics: ServerMetrics | undefined;
  /** The webhook outbox and its sender; `webhooks.stats()` counts its backlog and deliveries. */
  readonly webhooks: WebhookSender;
  readonly http: FastifyInstance;
  /** What start-up provisioning did (set once `start()` resolved). */
  provisioned: ProvisionResult | undefined;
  /** Doors that started something of their own (`agent`, `astrogrid`), by name, once started. */
  readonly doors: ReadonlyMap<string, StartedDoor>;
  /** Provisions the directory, starts the engine and listens; resolves with one entry per listener. */
  start(): Promise<Listener[]>;
  /** Stops listening, flushes activity and closes the store. Idempotent. */
  stop(): Promise<void>;
}

export async function buildApp(config: Config, options: AppOptions = {}): Promise<App> {
  // Checked before anything is opened: a bad setting stops the start with a message naming it.
  const doors = FRONT_DOORS.map((door) => door.prepare(config)).filter((door) => door !== undefined);
  const metrics = config.metrics.enabled ? createServerMetrics() : undefined;
  const openedStore = options.store ?? (await openConfiguredStore(config));
  const store = metrics ? metrics.timed(openedStore) : openedStore;
  const tls = config.http.tls;
  // Filled once the doors are registered: a door's fast path answers before Fastify sees a request.
  const fastPaths: FastPath[] = [];
  const serve = (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    // Connections over the limits get their first request answered 429 here, before anything else.
    let admission: HttpAdmission | undefined;
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      if (admission?.refused(req, res)) return;
      if (metrics && config.metrics.port === null && answerScrape(metrics, config.metrics, req, res)) return;
      for (const fastPath of fastPaths) if (fastPath(req, res)) return;
      handler(req, res);
    };
    const timeouts = httpServerTimeouts(config.http);
    const server = tls
      ? createHttpsServer({ ...timeouts, cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, listener)
      : createHttpServer(timeouts, listener);
    admission = admitConnections(server, config.http, {
      tls: tls !== null,
      warn: (object, message) => http.log.warn(object, message),
    });
    return server;
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
    // Requests that time out or are not HTTP at all are answered in the JSON API's error form too.
    clientErrorHandler: (error, socket) => answerClientError(error, socket, config.http),
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

  // The engine writes webhook events into the store's outbox; the sender delivers them from there.
  const webhooks = createWebhookSender({
    store,
    clock: options.clock ?? systemClock,
    settings: config.webhooks,
    nodeId: config.nodeId,
    log: http.log,
  });
  const engine = createEngine({
    store,
    nodeId: config.nodeId,
    limits: { ...config.sessions, hashConcurrency: hashConcurrencyOf(config) },
    cluster: config.cluster,
    throttle: config.loginThrottle,
    ...(metrics ? { observe: metrics.observer } : {}),
    outbox: webhooks.outbox,
    log: http.log,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.hasher ? { hasher: options.hasher } : {}),
    ports: createLocalTicketFiles({ dataDir: config.dataDir, ttlMs: config.sessions.localTicketTtlSeconds * 1000 }),
  });

  metrics?.attach(engine);
  metrics?.watchWebhooks(() => webhooks.stats());

  // The server's own URL as clients reach it, for the URLs doors hand out (set once listening).
  let baseUrl = "";
  const doorContext: DoorContext = {
    engine,
    config,
    log: http.log,
    baseUrl: () => baseUrl,
    productVersion: PRODUCT_VERSION,
  };

  // Routes of the root scope (/healthz) answer errors in the JSON API's form; each door has its own.
  http.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  http.get("/healthz", async () => {
    // A fenced node cannot serve even while its store answers: a load balancer should leave it out.
    if (engine.nodeState() === "fenced") {
      throw new SessionError("STORE_UNAVAILABLE", "This node has lost its lease on the shared store.", {
        reason: "fenced",
      });
    }
    await store.getSetting("healthz");
    // The store's size, so that an operator sees it grow before `sessions.maxDatabaseBytes` refuses strangers.
    const maxDatabaseBytes = config.sessions.maxDatabaseBytes > 0 ? config.sessions.maxDatabaseBytes : null;
    return {
      status: "ok",
      store: store.driver,
      node: config.nodeId,
      nodeState: engine.nodeState(),
      databaseBytes: await store.databaseBytes(),
      maxDatabaseBytes,
    };
  });
  for (const door of doors) {
    const fastPath = await door.http?.(http, doorContext);
    if (fastPath) fastPaths.push(fastPath);
  }

  let started = false;
  let stopped: Promise<void> | undefined;
  let metricsServer: Server | undefined;
  const running = new Map<string, StartedDoor>();
  const app: App = {
    config,
    engine,
    metrics,
    webhooks,
    http,
    provisioned: undefined,
    doors: running,
    async start() {
      app.provisioned = await provision(engine, config, options.adminPassword);
      await engine.start();
      started = true;
      await webhooks.start();
      await http.listen({ host: config.http.host, port: config.http.port });
      const address = http.server.address();
      const port = typeof address === "object" && address ? address.port : config.http.port;
      const host = config.http.host.includes(":") ? `[${config.http.host}]` : config.http.host;
      const scheme = tls ? "https" : "http";
      baseUrl = `${scheme}://${advertisedHost(config.http.host)}:${port}`;
      const listeners: Listener[] = [{ name: "http", url: `${scheme}://${host}:${port}` }];
      if (metrics && config.metrics.port !== null) {
        const own = await listenForScrapes(metrics, { ...config.metrics, port: config.metrics.port });
        metricsServer = own.server;
        listeners.push({ name: "metrics", url: own.url });
      }
      for (const door of doors) {
        if (!door.start) continue;
        const done = await door.start(doorContext);
        running.set(door.name, done);
        listeners.push(...done.listeners);
      }
      return listeners;
    },
    stop() {
      stopped ??= (async () => {
        // Doors stop before the engine: closing their connections ends the sessions bound to them.
        for (const door of [...running.values()].reverse()) await door.stop();
        await http.close();
        metrics?.stop();
        if (metricsServer) await new Promise((resolve) => metricsServer?.close(resolve));
        if (started) await engine.stop();
        await webhooks.stop();
        await store.close();
      })();
      return stopped;
    },
  };
  return app;
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
