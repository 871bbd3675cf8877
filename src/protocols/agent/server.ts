/**
 * The Agent front door: a TCP listener and a TLS listener carrying NUL-terminated XML packets
 * (protocols.md 2.1), one engine connection per TCP connection.
 *
 * This file listens, starts and stops, and puts the parts together: `admission.ts` decides who may
 * connect and for how long without a login, `connection.ts` keeps each connection and the permanent
 * session bound to it, `packet-pump.ts` reads packets and answers them in order, and `answers.ts` builds
 * the answers. No input can crash the server: every failure is answered as an error packet, or ends
 * that one connection.
 *
 * Nothing secret is logged: not packets, not passwords, not session ids.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import type { Engine } from "../../core/engine.ts";
import { createAdmission } from "./admission.ts";
import { createAnswers } from "./answers.ts";
import { createConnections } from "./connection.ts";
import { createPacketPump } from "./packet-pump.ts";
import type { AgentLogger, AgentStats } from "./parts.ts";
import type { AgentSettings } from "./settings.ts";

export type { AgentLogger, AgentStats };

export interface AgentServerOptions {
  engine: Engine;
  settings: AgentSettings;
  /** The Agent host id (GUID, lower case). */
  hostId: string;
  log?: AgentLogger;
}

/** One listening socket: `agent` (tcp://host:port) or `agent-tls` (tls://host:port). */
export interface AgentListener {
  name: string;
  url: string;
}

export interface AgentServer {
  /** Listens on the configured ports; resolves with one entry per listener. */
  start(): Promise<AgentListener[]>;
  stats(): AgentStats;
  /** Stops listening and closes every connection, ending their permanent sessions. Idempotent. */
  stop(): Promise<void>;
}

/** A TLS handshake that takes longer is given up: half-open handshakes must not hold slots for long. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

const noopLogger: AgentLogger = { error() {}, warn() {}, info() {}, debug() {} };

/** An Agent front door for the engine; it listens once started. */
export function createAgentServer(options: AgentServerOptions): AgentServer {
  const { engine, settings, hostId } = options;
  const log = options.log ?? noopLogger;
  const secureContext: SecureContext | undefined =
    settings.tls && settings.tlsPort !== null
      ? createSecureContext({ cert: readFileSync(settings.tls.cert), key: readFileSync(settings.tls.key) })
      : undefined;

  const answers = createAnswers({ engine, hostId, log });
  const admission = createAdmission({ settings, log, answers });
  const connections = createConnections({ engine, settings, hostId, log, answers, admission });
  const pump = createPacketPump({ settings, log, answers, admission, environment: connections.environment });

  const servers: Server[] = [];
  /** Every accepted TCP socket, until it closes (TLS ones from before their handshake). */
  const rawSockets = new Set<Socket>();
  let stopping = false;
  let unwatch: (() => void) | undefined;

  function open(socket: Socket, address: string): void {
    pump.attach(connections.open(socket, address));
  }

  function onRawConnection(raw: Socket, secure: boolean): void {
    raw.on("error", (error: Error) => log.debug({ err: error }, "Agent connection error"));
    if (stopping) {
      raw.destroy();
      return;
    }
    rawSockets.add(raw);
    raw.once("close", () => rawSockets.delete(raw));
    const address = raw.remoteAddress ?? "";
    const verdict = admission.admit(raw);
    if (verdict.kind === "drop") {
      raw.destroy();
      return;
    }
    const admitted = (socket: Socket) => {
      if (verdict.kind === "open") open(socket, address);
      else admission.refuse(socket, address, verdict.message);
    };
    if (!secure || !secureContext) {
      admitted(raw);
      return;
    }
    const socket = new TLSSocket(raw, { isServer: true, secureContext });
    socket.on("error", (error: Error) => log.debug({ err: error }, "Agent TLS connection error"));
    const handshakeTimer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
    handshakeTimer.unref();
    socket.once("close", () => clearTimeout(handshakeTimer));
    socket.once("secure", () => {
      clearTimeout(handshakeTimer);
      if (stopping) socket.destroy();
      else admitted(socket);
    });
  }

  function listen(secure: boolean, port: number): Promise<AgentListener> {
    const server = createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 }, (raw) =>
      onRawConnection(raw, secure),
    );
    server.on("error", (error: Error) => log.error({ err: error }, "Agent listener error"));
    servers.push(server);
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => reject(error);
      server.once("error", failed);
      server.listen({ host: settings.host, port }, () => {
        server.off("error", failed);
        const address = server.address();
        const bound = typeof address === "object" && address ? address.port : port;
        const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
        resolve(
          secure
            ? { name: "agent-tls", url: `tls://${host}:${bound}` }
            : { name: "agent", url: `tcp://${host}:${bound}` },
        );
      });
    });
  }

  let stopped: Promise<void> | undefined;
  return {
    async start() {
      unwatch = connections.watch();
      const listeners: AgentListener[] = [];
      if (settings.port !== null) listeners.push(await listen(false, settings.port));
      if (secureContext && settings.tlsPort !== null) listeners.push(await listen(true, settings.tlsPort));
      return listeners;
    },
    stats: connections.stats,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        const closed = servers.map(
          (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
        );
        for (const raw of rawSockets) raw.destroy();
        await Promise.all([...closed, connections.destroyAll()]);
        unwatch?.();
      })();
      return stopped;
    },
  };
}
