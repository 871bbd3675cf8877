/**
 * One Agent connection: its record, the permanent session `system/login` binds to it, and its end.
 *
 * Each connection is registered with the engine (`openConnection`) so that the permanent session is
 * bound to it and ends the moment it closes (`closeConnection`). The engine may end that session first
 * (a logout, a termination, on another node too): its events then take the login away from the
 * connection, which puts it back under the timers of a connection that has not logged in. A node that
 * loses its lease on a shared store closes every connection, so that clients move to a node that serves.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { endsLogin } from "../../core/events.ts";
import type { EventType } from "../../core/types.ts";
import { isLoopbackAddress } from "../http-context.ts";
import { createPacketDecoder, framePacket } from "./framing.ts";
import type { CallEnvironment, PermanentSession } from "./methods.ts";
import type { Admission, AgentLogger, AgentStats, Answers, Connection } from "./parts.ts";

export type { Connection };

import type { AgentSettings } from "./settings.ts";

/** How long a connection being closed after a last error packet may take to read it. */
const LINGER_MS = 2_000;

/** Sends one framed packet, unless the socket is done. */
export function write(socket: Socket, xml: string): void {
  if (socket.destroyed || socket.writableEnded) return;
  socket.write(framePacket(xml));
}

/** Ends the socket, destroying it if the client has not finished reading within `LINGER_MS`. */
export function endSoon(socket: Socket): void {
  socket.end();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/** Sends a last error packet and closes, destroying the socket if the client does not finish. */
export function closeWithError(connection: Connection, error: SessionError, answers: Answers): void {
  if (connection.closing) return;
  connection.closing = true;
  clearTimeout(connection.idleTimer);
  clearTimeout(connection.loginTimer);
  connection.queue.length = 0;
  connection.queuedBytes = 0;
  const { socket } = connection;
  write(socket, answers.errorPacket(connection, undefined, "system", error));
  endSoon(socket);
}

export interface ConnectionsOptions {
  engine: Engine;
  settings: AgentSettings;
  /** The Agent host id (GUID, lower case). */
  hostId: string;
  log: AgentLogger;
  answers: Answers;
  admission: Pick<Admission, "armIdleTimer" | "armLoginTimer" | "disarm">;
}

/** The open connections of one front door. */
export interface Connections {
  /** Registers a new connection with the engine and starts its login deadlines; its close ends it. */
  open(socket: Socket, address: string): Connection;
  /** What the methods called on this connection see of it and of the engine. */
  environment(connection: Connection): CallEnvironment;
  /** Follows the engine's session events and node state; returns the unsubscribe. */
  watch(): () => void;
  stats(): AgentStats;
  /** Destroys every connection; resolves once each has closed and its sessions have ended. */
  destroyAll(): Promise<void>;
}

/** No connections yet. */
export function createConnections(options: ConnectionsOptions): Connections {
  const { engine, settings, hostId, log, answers, admission } = options;
  const connections = new Set<Connection>();
  const byPermanentKey = new Map<string, Connection>();
  let connectionCounter = 0;

  function onEngineEvent(event: { type: EventType; sessionKey: string | null }): void {
    // After these the session no longer backs the connection's login.
    if (event.sessionKey === null || !endsLogin(event.type)) return;
    const connection = byPermanentKey.get(event.sessionKey);
    if (connection) clearPermanent(connection);
  }

  function setPermanent(connection: Connection, session: PermanentSession): void {
    connection.permanent = session;
    // With several nodes, another may terminate it: the engine announces that here too.
    connection.unwatch = engine.watchSession(session.key, "agent");
    byPermanentKey.set(session.key, connection);
    admission.disarm(connection);
  }

  function clearPermanent(connection: Connection): void {
    if (!connection.permanent) return;
    connection.unwatch?.();
    connection.unwatch = undefined;
    byPermanentKey.delete(connection.permanent.key);
    connection.permanent = undefined;
    if (!connection.closing) {
      admission.armIdleTimer(connection);
      admission.armLoginTimer(connection);
    }
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

  function open(socket: Socket, address: string): Connection {
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
    admission.armIdleTimer(connection);
    admission.armLoginTimer(connection);
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
    return connection;
  }

  function watch(): () => void {
    const unsubscribeEvents = engine.events.subscribe(onEngineEvent);
    // A node that lost its lease on a shared store ends its connections: another node may reap their
    // sessions, and their clients should reconnect to a node that serves.
    const unsubscribeState = engine.onNodeState((state) => {
      if (state !== "fenced") return;
      const lost = new SessionError("STORE_UNAVAILABLE", "This node lost its lease: connect to another node.");
      for (const connection of connections) closeWithError(connection, lost, answers);
    });
    return () => {
      unsubscribeEvents();
      unsubscribeState();
    };
  }

  function stats(): AgentStats {
    let loggedIn = 0;
    let paused = 0;
    for (const connection of connections) {
      if (connection.permanent) loggedIn += 1;
      if (connection.pausedByUs) paused += 1;
    }
    return { connections: connections.size, loggedIn, paused };
  }

  async function destroyAll(): Promise<void> {
    for (const connection of connections) connection.socket.destroy();
    await Promise.all([...connections].map((connection) => connection.done));
  }

  return { open, environment, watch, stats, destroyAll };
}
