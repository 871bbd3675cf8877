/**
 * Reading an Agent connection's framed packets and answering them one at a time, in order.
 *
 * Reading pauses while too many packets (or bytes) wait, or while the client does not read its
 * answers, so that a flood cannot grow memory; it resumes once the queue and the socket's write buffer
 * have drained. A packet over `maxPacketBytes` ends the connection, since its framing is lost.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import { closeWithError, write } from "./connection.ts";
import { AGENT_REASONS } from "./errors.ts";
import type { CallEnvironment } from "./methods.ts";
import type { Admission, AgentLogger, Answers, Connection } from "./parts.ts";
import type { AgentSettings } from "./settings.ts";

export interface PacketPumpOptions {
  settings: AgentSettings;
  log: AgentLogger;
  answers: Answers;
  admission: Pick<Admission, "armIdleTimer">;
  /** What the methods called on a connection see (see `Connections.environment`). */
  environment: (connection: Connection) => CallEnvironment;
}

/** Moves packets from connections to their answers. */
export interface PacketPump {
  /** Starts reading the connection's packets and answering them. */
  attach(connection: Connection): void;
}

/** A pump for the connections of one front door. */
export function createPacketPump(options: PacketPumpOptions): PacketPump {
  const { settings, log, answers, admission, environment } = options;

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
            answers,
          );
          break;
        }
        connection.queuedBytes -= item.bytes.length;
        const response = await answers.answer(connection, env, item.bytes);
        if (connection.closing) break;
        if (response !== null) {
          write(socket, response);
          if (!connection.permanent) admission.armIdleTimer(connection);
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

  function attach(connection: Connection): void {
    connection.socket.on("data", (chunk: Buffer) => {
      if (connection.closing) return;
      for (const item of connection.decoder.push(chunk)) {
        connection.queue.push(item);
        if (item.kind === "packet") connection.queuedBytes += item.bytes.length;
      }
      updateFlow(connection);
      pump(connection);
    });
  }

  return { attach };
}
