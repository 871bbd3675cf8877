/**
 * What the Agent front door answers to one packet: decoded, dispatched to its method, and encoded
 * with the request's envelope echoed, or an error packet when any of that fails. Kept apart from the
 * sockets so that the connection, the admission checks and the packet pump can all send the same
 * error packets.
 *
 * No input makes it throw: every failure is an error packet.
 *
 * @module
 */

import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import {
  createPacketIds,
  DEFAULT_VERSION,
  decodeRequest,
  encodeResponse,
  errorBody,
  type RequestEnvelope,
} from "./codec.ts";
import { agentErrorOf, INTERNAL_ERROR } from "./errors.ts";
import { type CallEnvironment, dispatch, INTERFACES } from "./methods.ts";
import type { AgentLogger, Answers, Connection } from "./parts.ts";

export type { Answers };

export interface AnswersOptions {
  engine: Engine;
  /** The Agent host id: answers are addressed to `vzclient<N>-<hostId>`. */
  hostId: string;
  log: AgentLogger;
}

/** The answer builder of one front door (its packet ids are unique to it). */
export function createAnswers(options: AnswersOptions): Answers {
  const { engine, hostId, log } = options;
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const nextPacketId = createPacketIds(() => engine.clock.now());

  function targetOf(connection: Connection | undefined): string {
    return `vzclient${connection?.number ?? 0}-${hostId}`;
  }

  /** The interface an answer comes from: the request's, when it is one sessiond serves. */
  function originOf(iface: string | undefined): string {
    return iface !== undefined && Object.hasOwn(INTERFACES, iface) ? iface : "system";
  }

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

  return { answer, errorPacket };
}
