/**
 * The Agent front door's transport: a TCP listener and a TLS listener carrying NUL-terminated XML
 * packets (protocols.md 2.1), one engine connection per TCP connection.
 *
 * Each connection is registered with the engine (`openConnection`) so that the permanent session
 * `system/login` makes is bound to it and ends the moment it closes (`closeConnection`). Packets of
 * one connection are answered one at a time, in order. Reading pauses while too many packets wait,
 * or while the client does not read its answers, so a flood cannot grow memory. Connections are
 * limited in number (in all and per address), and one that has not logged in is closed after
 * `unauthenticatedIdleSeconds` without a packet, or `loginTimeoutSeconds` after it connected whatever
 * it sends. No input can crash the server: every failure is
 * answered as an error packet, or ends that one connection.
 *
 * Nothing secret is logged: not packets, not passwords, not session ids.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import type { Engine, EngineLogger } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { endsLogin } from "../../core/events.ts";
import type { EventType } from "../../core/types.ts";
import { isLoopbackAddress } from "../http-context.ts";
import {
  createPacketIds,
  DEFAULT_VERSION,
  decodeRequest,
  encodeResponse,
  errorBody,
  type RequestEnvelope,
} from "./codec.ts";
import { AGENT_REASONS, agentErrorOf, INTERNAL_ERROR } from "./errors.ts";
import { createPacketDecoder, type DecodedItem, framePacket, type PacketDecoder } from "./framing.ts";
import { type CallEnvironment, dispatch, INTERFACES, type PermanentSession } from "./methods.ts";
import type { AgentSettings } from "./settings.ts";

/** The subset of a pino logger the front door uses: the engine's, and `debug` for connections coming and going. */
export interface AgentLogger extends EngineLogger {
  debug(object: unknown, message?: string): void;
}

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

/** What the front door holds now, for operators and tests. */
export interface AgentStats {
  /** Open connections. */
  connections: number;
  /** Of those, the ones logged in (with a permanent session). */
  loggedIn: number;
  /** Of those, the ones whose reading is paused: too much queued, or their client does not read. */
  paused: number;
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
/** How long a connection being closed after a last error packet may take to read it. */
const LINGER_MS = 2_000;

const noopLogger: AgentLogger = { error() {}, warn() {}, info() {}, debug() {} };

interface Connection {
  /** The engine's id of this connection. */
  id: string;
  /** Per-server counter: the `N` of `vzclient<N>-<hostId>`. */
  number: number;
  socket: Socket;
  address: string;
  permanent: PermanentSession | undefined;
  decoder: PacketDecoder;
  queue: DecodedItem[];
  queuedBytes: number;
  /** The loop answering queued packets, while it runs. */
  running: Promise<void> | undefined;
  pausedByUs: boolean;
  /** Set once the connection is being closed: nothing more is read or answered. */
  closing: boolean;
  idleTimer: NodeJS.Timeout | undefined;
  /** Closes the connection when it has not logged in by then, whatever it sends meanwhile. */
  loginTimer: NodeJS.Timeout | undefined;
  /** Resolves once the connection is closed and the engine has ended its bound sessions. */
  done: Promise<void>;
  /** Stops the engine watching the permanent session (several nodes: it may end on another). */
  unwatch?: (() => void) | undefined;
}

export function createAgentServer(options: AgentServerOptions): AgentServer {
  const { engine, settings, hostId } = options;
  const log = options.log ?? noopLogger;
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const nextPacketId = createPacketIds(() => engine.clock.now());
  const secureContext: SecureContext | undefined =
    settings.tls && settings.tlsPort !== null
      ? createSecureContext({ cert: readFileSync(settings.tls.cert), key: readFileSync(settings.tls.key) })
      : undefined;

  const servers: Server[] = [];
  /** Every accepted TCP socket, until it closes (TLS ones from before their handshake). */
  const rawSockets = new Set<Socket>();
  const connections = new Set<Connection>();
  const byPermanentKey = new Map<string, Connection>();
  /** Slots taken by connections (and TLS handshakes that will become connections), in all and per address. */
  let slotsTaken = 0;
  const slotsByAddress = new Map<string, number>();
  /** Connections being refused (TLS ones handshake first, to be told why): capped, as they cost work too. */
  let refusing = 0;
  let connectionCounter = 0;
  let stopping = false;
  let unsubscribe: (() => void) | undefined;

  const idleMs = Math.max(1, Math.round(settings.unauthenticatedIdleSeconds * 1000));
  const loginMs = Math.max(1, Math.round(settings.loginTimeoutSeconds * 1000));

  function onEngineEvent(event: { type: EventType; sessionKey: string | null }): void {
    // After these the session no longer backs the connection's login.
    if (event.sessionKey === null || !endsLogin(event.type)) return;
    const connection = byPermanentKey.get(event.sessionKey);
    if (connection) clearPermanent(connection);
  }

  function setPermanent(connection: Connection, session: PermanentSession): void {
    connection.permanent = session;
    // With several nodes, another may terminate it: the engine announces that here too.
    connection.unwatch = engine.watchSession(session.key);
    byPermanentKey.set(session.key, connection);
    clearTimeout(connection.idleTimer);
    connection.idleTimer = undefined;
    clearTimeout(connection.loginTimer);
    connection.loginTimer = undefined;
  }

  function clearPermanent(connection: Connection): void {
    if (!connection.permanent) return;
    connection.unwatch?.();
    connection.unwatch = undefined;
    byPermanentKey.delete(connection.permanent.key);
    connection.permanent = undefined;
    if (!connection.closing) {
      armIdleTimer(connection);
      armLoginTimer(connection);
    }
  }

  /** Starts the deadline by which a connection without a permanent session must log in. */
  function armLoginTimer(connection: Connection): void {
    clearTimeout(connection.loginTimer);
    connection.loginTimer = setTimeout(() => {
      if (connection.permanent) return;
      log.debug({ connection: connection.number }, "Agent connection closed: no login in time");
      closeWithError(
        connection,
        new SessionError(
          "LIMIT_EXCEEDED",
          `Not logged in within ${settings.loginTimeoutSeconds} seconds: closing the connection.`,
        ),
      );
    }, loginMs);
    connection.loginTimer.unref();
  }

  /** (Re)starts the close-if-idle timer of a connection that has no permanent session. */
  function armIdleTimer(connection: Connection): void {
    clearTimeout(connection.idleTimer);
    connection.idleTimer = undefined;
    if (connection.permanent || connection.closing) return;
    connection.idleTimer = setTimeout(() => {
      log.debug({ connection: connection.number }, "Agent connection closed: idle without a login");
      closeWithError(
        connection,
        new SessionError(
          "LIMIT_EXCEEDED",
          `Not logged in, and no packet for ${settings.unauthenticatedIdleSeconds} seconds: closing the connection.`,
        ),
      );
    }, idleMs);
    connection.idleTimer.unref();
  }

  function targetOf(connection: Connection | undefined): string {
    return `vzclient${connection?.number ?? 0}-${hostId}`;
  }

  /**
   * An error answer; `envelope` is what could be read of the request, if anything. Its `<session>`
   * names the session the request ran in (protocols.md 2.2), so it is left out when the request never
   * reached one: an unknown, ended or malformed id must not read as a session the client still holds.
   */
  function errorPacket(
    connection: Connection | undefined,
    envelope: RequestEnvelope | undefined,
    origin: string,
    error: unknown,
  ): string {
    let sessionError: SessionError;
    if (error instanceof SessionError) sessionError = error;
    else {
      log.error({ err: error }, "Unexpected error in the Agent front door");
      sessionError = INTERNAL_ERROR;
    }
    const agentError = agentErrorOf(sessionError);
    log.debug({ connection: connection?.number, code: agentError.code, error: agentError.name }, "Agent call failed");
    const ranIn = agentError.name === "UNKNOWN_SESSION" ? undefined : envelope?.session;
    return encodeResponse(
      {
        id: envelope?.id ?? nextPacketId(),
        time: engine.clock.now(),
        version: envelope?.version ?? DEFAULT_VERSION,
        origin,
        target: targetOf(connection),
        session: ranIn,
        cookie: envelope?.cookie,
      },
      errorBody(agentError),
    );
  }

  /** The interface an answer comes from: the request's, when it is one sessiond serves. */
  function originOf(iface: string | undefined): string {
    return iface !== undefined && Object.hasOwn(INTERFACES, iface) ? iface : "system";
  }

  function environment(connection: Connection): CallEnvironment {
    const isLoopback = isLoopbackAddress(connection.address);
    return {
      engine,
      hostId,
      connection: {
        get permanent() {
          return connection.permanent;
        },
        setPermanent: (session) => setPermanent(connection, session),
        clearPermanent: () => clearPermanent(connection),
      },
      context: (secret) => ({
        protocol: "agent",
        connectionId: connection.id,
        ipAddress: connection.address,
        isLoopback,
        ...(secret === undefined ? {} : { secret }),
      }),
    };
  }

  /** The answer to one packet, or null for a blank one. Never throws. */
  async function answer(connection: Connection, env: CallEnvironment, bytes: Buffer): Promise<string | null> {
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return errorPacket(
        connection,
        undefined,
        "system",
        new SessionError("MALFORMED_REQUEST", "The packet is not valid UTF-8."),
      );
    }
    // White space between packets (a line end after the NUL, say) is not a packet.
    if (text.trim() === "") return null;
    const decoded = decodeRequest(text);
    if (!decoded.ok) {
      // A packet that could not be read ran in no session.
      const envelope = decoded.envelope && { ...decoded.envelope, session: undefined };
      return errorPacket(connection, envelope, originOf(decoded.iface), decoded.error);
    }
    const { envelope, call } = decoded;
    const origin = originOf(call.iface);
    try {
      const body = await dispatch(env, call, envelope.session);
      return encodeResponse(
        {
          id: envelope.id ?? nextPacketId(),
          time: engine.clock.now(),
          version: envelope.version ?? DEFAULT_VERSION,
          origin,
          target: targetOf(connection),
          session: envelope.session,
          cookie: envelope.cookie,
        },
        body,
      );
    } catch (error) {
      return errorPacket(connection, envelope, origin, error);
    }
  }

  function write(socket: Socket, xml: string): void {
    if (socket.destroyed || socket.writableEnded) return;
    socket.write(framePacket(xml));
  }

  /** Sends a last error packet and closes, destroying the socket if the client does not finish. */
  function closeWithError(connection: Connection, error: SessionError): void {
    if (connection.closing) return;
    connection.closing = true;
    clearTimeout(connection.idleTimer);
    clearTimeout(connection.loginTimer);
    connection.queue.length = 0;
    connection.queuedBytes = 0;
    const { socket } = connection;
    write(socket, errorPacket(connection, undefined, "system", error));
    endSoon(socket);
  }

  function endSoon(socket: Socket): void {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  }

  function updateFlow(connection: Connection): void {
    const { socket } = connection;
    const mustPause =
      connection.queue.length >= settings.maxQueuedPackets ||
      connection.queuedBytes >= settings.maxPacketBytes ||
      socket.writableNeedDrain;
    if (mustPause && !connection.pausedByUs) {
      connection.pausedByUs = true;
      socket.pause();
    } else if (!mustPause && connection.pausedByUs) {
      connection.pausedByUs = false;
      socket.resume();
    }
  }

  /** Answers queued packets one at a time, in order, waiting while the client does not read. */
  function pump(connection: Connection): void {
    if (connection.running !== undefined) return;
    const env = environment(connection);
    connection.running = (async () => {
      const { socket } = connection;
      for (;;) {
        const item = connection.queue.shift();
        if (!item || socket.destroyed) break;
        if (item.kind === "too-large") {
          closeWithError(
            connection,
            new SessionError("LIMIT_EXCEEDED", `A packet may hold at most ${settings.maxPacketBytes} bytes.`, {
              details: { reason: AGENT_REASONS.packetTooLarge },
            }),
          );
          break;
        }
        connection.queuedBytes -= item.bytes.length;
        const response = await answer(connection, env, item.bytes);
        if (connection.closing) break;
        if (response !== null) {
          write(socket, response);
          if (!connection.permanent) armIdleTimer(connection);
        }
        if (socket.writableNeedDrain) {
          updateFlow(connection);
          await new Promise<void>((resolve) => {
            const done = () => {
              socket.off("drain", done);
              socket.off("close", done);
              resolve();
            };
            socket.on("drain", done);
            socket.on("close", done);
          });
        }
        updateFlow(connection);
      }
    })()
      .catch((error: unknown) => {
        log.error({ err: error }, "The Agent connection loop failed");
        connection.socket.destroy();
      })
      .finally(() => {
        connection.running = undefined;
        if (connection.queue.length > 0 && !connection.closing && !connection.socket.destroyed) pump(connection);
      });
  }

  function open(socket: Socket, address: string): void {
    connectionCounter += 1;
    let resolveDone: () => void = () => {};
    const connection: Connection = {
      id: engine.openConnection(),
      number: connectionCounter,
      socket,
      address,
      permanent: undefined,
      decoder: createPacketDecoder({ maxPacketBytes: settings.maxPacketBytes }),
      queue: [],
      queuedBytes: 0,
      running: undefined,
      pausedByUs: false,
      closing: false,
      idleTimer: undefined,
      loginTimer: undefined,
      done: new Promise<void>((resolve) => {
        resolveDone = resolve;
      }),
    };
    connections.add(connection);
    log.debug({ connection: connection.number, address }, "Agent connection opened");
    armIdleTimer(connection);
    armLoginTimer(connection);
    socket.on("data", (chunk: Buffer) => {
      if (connection.closing) return;
      for (const item of connection.decoder.push(chunk)) {
        connection.queue.push(item);
        if (item.kind === "packet") connection.queuedBytes += item.bytes.length;
      }
      updateFlow(connection);
      pump(connection);
    });
    socket.once("close", () => {
      connection.closing = true;
      clearTimeout(connection.idleTimer);
      clearTimeout(connection.loginTimer);
      connection.queue.length = 0;
      void (async () => {
        // A call still running (a login, say) finishes first, so that a session it binds to this
        // connection is ended below, not left behind.
        await connection.running;
        if (connection.permanent) byPermanentKey.delete(connection.permanent.key);
        try {
          await engine.closeConnection(connection.id);
        } catch (error) {
          log.error({ err: error }, "Could not end the sessions of a closed Agent connection");
        }
        connections.delete(connection);
        log.debug({ connection: connection.number }, "Agent connection closed");
        resolveDone();
      })();
    });
  }

  /** Answers a connection over the limits with one error packet and closes it. */
  function refuse(socket: Socket, address: string, message: string): void {
    log.warn({ address }, "Agent connection refused: too many connections");
    write(socket, errorPacket(undefined, undefined, "system", new SessionError("LIMIT_EXCEEDED", message)));
    endSoon(socket);
  }

  /** Why a new connection from `address` is over the limits, or undefined when it is not. */
  function overLimit(address: string): string | undefined {
    if (slotsTaken >= settings.maxConnections) return "Too many connections to this server: try again later.";
    if ((slotsByAddress.get(address) ?? 0) >= settings.maxConnectionsPerAddress) {
      return "Too many connections from this address: close some first.";
    }
    return undefined;
  }

  function takeSlot(raw: Socket, address: string): void {
    slotsTaken += 1;
    slotsByAddress.set(address, (slotsByAddress.get(address) ?? 0) + 1);
    raw.once("close", () => {
      slotsTaken -= 1;
      const left = (slotsByAddress.get(address) ?? 1) - 1;
      if (left > 0) slotsByAddress.set(address, left);
      else slotsByAddress.delete(address);
    });
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
    const key = address.startsWith("::ffff:") ? address.slice(7) : address;
    const refusal = overLimit(key);
    if (refusal === undefined) takeSlot(raw, key);
    else {
      // Past this many being refused at once, a flood gets no answer: it is dropped at once.
      if (refusing >= settings.maxConnections) {
        raw.destroy();
        return;
      }
      refusing += 1;
      raw.once("close", () => {
        refusing -= 1;
      });
    }
    if (!secure || !secureContext) {
      if (refusal === undefined) open(raw, address);
      else refuse(raw, address, refusal);
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
      else if (refusal === undefined) open(socket, address);
      else refuse(socket, address, refusal);
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
      unsubscribe = engine.events.subscribe(onEngineEvent);
      // A node that lost its lease on a shared store ends its connections: another node may reap their
      // sessions, and their clients should reconnect to a node that serves.
      const unsubscribeState = engine.onNodeState((state) => {
        if (state !== "fenced") return;
        const lost = new SessionError("STORE_UNAVAILABLE", "This node lost its lease: connect to another node.");
        for (const connection of connections) closeWithError(connection, lost);
      });
      const unsubscribeEvents = unsubscribe;
      unsubscribe = () => {
        unsubscribeEvents();
        unsubscribeState();
      };
      const listeners: AgentListener[] = [];
      if (settings.port !== null) listeners.push(await listen(false, settings.port));
      if (secureContext && settings.tlsPort !== null) listeners.push(await listen(true, settings.tlsPort));
      return listeners;
    },
    stats() {
      let loggedIn = 0;
      let paused = 0;
      for (const connection of connections) {
        if (connection.permanent) loggedIn += 1;
        if (connection.pausedByUs) paused += 1;
      }
      return { connections: connections.size, loggedIn, paused };
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        const closed = servers.map(
          (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
        );
        for (const raw of rawSockets) raw.destroy();
        for (const connection of connections) connection.socket.destroy();
        await Promise.all([...closed, ...[...connections].map((connection) => connection.done)]);
        unsubscribe?.();
      })();
      return stopped;
    },
  };
}
