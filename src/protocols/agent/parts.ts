/**
 * The shapes the Agent front door's parts share: a connection, the admission that counts it, the
 * answers written to it, and the logger and counts they report through. The parts (`admission.ts`,
 * `answers.ts`, `connection.ts`, `packet-pump.ts`, `server.ts`) each take the others through these
 * types, so none imports another in a circle.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { EngineLogger } from "../../core/engine.ts";
import type { RequestEnvelope } from "./codec.ts";
import type { DecodedItem, PacketDecoder } from "./framing.ts";
import type { CallEnvironment, PermanentSession } from "./methods.ts";

/** The subset of a pino logger the front door uses: the engine's, and `debug` for connections coming and going. */
export interface AgentLogger extends EngineLogger {
  debug(object: unknown, message?: string): void;
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

/** An open Agent connection: what the admission timers, the packet pump and the login share. */
export interface Connection {
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

/** What to do with a new TCP connection. */
export type Verdict = { kind: "open" } | { kind: "refuse"; message: string } | { kind: "drop" };

/** The connection limits and login deadlines of one front door. */
export interface Admission {
  /**
   * Counts a new TCP connection against the limits until it closes: `open` it, `refuse` it (with
   * `refuse`, once a TLS connection has finished its handshake), or `drop` it (destroy it unanswered).
   */
  admit(raw: Socket): Verdict;
  /** Answers a connection over the limits with one error packet and closes it. */
  refuse(socket: Socket, address: string, message: string): void;
  /** Starts the deadline by which a connection without a permanent session must log in. */
  armLoginTimer(connection: Connection): void;
  /** (Re)starts the close-if-idle timer of a connection that has no permanent session. */
  armIdleTimer(connection: Connection): void;
  /** Stops both timers: the connection has logged in. */
  disarm(connection: Connection): void;
}

/** Builds the packets the front door sends. */
export interface Answers {
  /** The answer to one packet's bytes, or null for a blank one. Never throws. */
  answer(connection: Connection, env: CallEnvironment, bytes: Buffer): Promise<string | null>;
  /**
   * An error answer; `envelope` is what could be read of the request, if anything. Its `<session>`
   * names the session the request ran in (protocols.md 2.2), so it is left out when the request never
   * reached one: an unknown, ended or malformed id must not read as a session the client still holds.
   * Without a connection (one refused at the door) it is addressed to client 0.
   */
  errorPacket(
    connection: Connection | undefined,
    envelope: RequestEnvelope | undefined,
    origin: string,
    error: unknown,
  ): string;
}
