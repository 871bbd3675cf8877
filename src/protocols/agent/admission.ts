/**
 * Who may hold an Agent connection, and for how long without logging in.
 *
 * Connections are limited in number, in all and per address, so that one client (or a flood) cannot
 * take every socket: one over the limits is told why in one error packet and closed, and past as many
 * refusals at once as connections are allowed, a flood gets no answer at all. A connection that has not
 * logged in is closed after `unauthenticatedIdleSeconds` without a packet, or `loginTimeoutSeconds`
 * after it connected whatever it sends, so that idle or trickling clients cannot hold slots either.
 *
 * @module
 */

import type { Socket } from "node:net";
import { SessionError } from "../../core/errors.ts";
import { closeWithError, endSoon, write } from "./connection.ts";
import type { Admission, AgentLogger, Answers, Connection, Verdict } from "./parts.ts";

export type { Admission, Verdict };

import type { AgentSettings } from "./settings.ts";

export interface AdmissionOptions {
  settings: AgentSettings;
  log: AgentLogger;
  answers: Answers;
}

/** Limits with nothing counted yet. */
export function createAdmission(options: AdmissionOptions): Admission {
  const { settings, log, answers } = options;
  /** Slots taken by connections (and TLS handshakes that will become connections), in all and per address. */
  let slotsTaken = 0;
  const slotsByAddress = new Map<string, number>();
  /** Connections being refused (TLS ones handshake first, to be told why): capped, as they cost work too. */
  let refusing = 0;

  const idleMs = Math.max(1, Math.round(settings.unauthenticatedIdleSeconds * 1000));
  const loginMs = Math.max(1, Math.round(settings.loginTimeoutSeconds * 1000));

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

  function admit(raw: Socket): Verdict {
    const address = raw.remoteAddress ?? "";
    const key = address.startsWith("::ffff:") ? address.slice(7) : address;
    const refusal = overLimit(key);
    if (refusal === undefined) {
      takeSlot(raw, key);
      return { kind: "open" };
    }
    // Past this many being refused at once, a flood gets no answer: it is dropped at once.
    if (refusing >= settings.maxConnections) return { kind: "drop" };
    refusing += 1;
    raw.once("close", () => {
      refusing -= 1;
    });
    return { kind: "refuse", message: refusal };
  }

  function refuse(socket: Socket, address: string, message: string): void {
    log.warn({ address }, "Agent connection refused: too many connections");
    write(socket, answers.errorPacket(undefined, undefined, "system", new SessionError("LIMIT_EXCEEDED", message)));
    endSoon(socket);
  }

  /** Closes a connection whose time to log in is up: `logged` for the log, `told` for the client. */
  function expire(connection: Connection, logged: string, told: string): void {
    log.debug({ connection: connection.number }, logged);
    closeWithError(connection, new SessionError("LIMIT_EXCEEDED", told), answers);
  }

  function armLoginTimer(connection: Connection): void {
    clearTimeout(connection.loginTimer);
    connection.loginTimer = setTimeout(() => {
      if (connection.permanent) return;
      expire(
        connection,
        "Agent connection closed: no login in time",
        `Not logged in within ${settings.loginTimeoutSeconds} seconds: closing the connection.`,
      );
    }, loginMs);
    connection.loginTimer.unref();
  }

  function armIdleTimer(connection: Connection): void {
    clearTimeout(connection.idleTimer);
    connection.idleTimer = undefined;
    if (connection.permanent || connection.closing) return;
    connection.idleTimer = setTimeout(() => {
      expire(
        connection,
        "Agent connection closed: idle without a login",
        `Not logged in, and no packet for ${settings.unauthenticatedIdleSeconds} seconds: closing the connection.`,
      );
    }, idleMs);
    connection.idleTimer.unref();
  }

  function disarm(connection: Connection): void {
    clearTimeout(connection.idleTimer);
    connection.idleTimer = undefined;
    clearTimeout(connection.loginTimer);
    connection.loginTimer = undefined;
  }

  return { admit, refuse, armLoginTimer, armIdleTimer, disarm };
}
