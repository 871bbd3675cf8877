/**
 * `GET /api/v1/session/events`: a Server-Sent Events stream for one session. It pushes the service
 * message when it changes (`service-message`), warns shortly before the session's idle deadline
 * (`session-expiring`, with the deadline: `sessions.expiryWarningSeconds`), and tells the client when
 * its session ends and why (`session-ended`, then the stream closes), whichever node ended it. A comment line every 15 s keeps
 * proxies from closing an idle stream and re-checks that the session still exists (another process
 * may have ended it).
 *
 * Opening the stream is one call like any other; keeping it open is not activity, so an open stream
 * alone never keeps a session alive. Streams are limited in all, per address and per session
 * (`stream-limits.ts`): one over a limit is refused with `LIMIT_EXCEEDED` before it opens.
 *
 * @module
 */

import type { FastifyReply, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { isEndReason, type SessionEvent } from "../../core/events.ts";
import type { CallContext } from "../../core/operation.ts";
import { localizedMessage, readServiceMessage } from "../../core/service-message.ts";
import { admitStream } from "./stream-limits.ts";

const HEARTBEAT_MS = 15_000;

/** Ends every open stream: the server is stopping, and open streams would hold its sockets. */
export function closeAllStreams(streams: Set<() => void>): void {
  for (const close of [...streams]) close();
}

export async function openEventStream(
  streams: Set<() => void>,
  engine: Engine,
  context: CallContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const caller = await engine.authenticate(context);
  const session = caller.session;
  if (!session) throw new SessionError("NOT_AUTHENTICATED");
  const key = session.key;
  const locale = session.messageLocale;
  const release = admitStream(engine, context.ipAddress, key);

  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  const send = (event: string, data: unknown) => {
    out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    release();
    streams.delete(close);
    unsubscribe();
    unwatch();
    clearInterval(heartbeat);
    out.end();
  };
  const ended = (reason: string, at: number, detail: string | null) => {
    send("session-ended", { key, reason, at, detail });
    close();
  };

  // With several nodes, the session may end on another: the engine announces that here too.
  const unwatch = engine.watchSession(key, "api-events");
  const unsubscribe = engine.events.subscribe((event: SessionEvent) => {
    if (closed) return;
    if (event.type === "message-updated") {
      readServiceMessage(engine.store)
        .then((message) => {
          if (!closed)
            send("service-message", { text: message.text, localized: localizedMessage(message, locale), at: event.at });
        })
        .catch((error: unknown) => request.log.error({ err: error }, "Could not read the service message"));
    } else if (event.sessionKey === key && isEndReason(event.type)) {
      ended(event.type, event.at, event.detail);
    } else if (event.sessionKey === key && event.type === "logout") {
      send("logout", { key, at: event.at });
    } else if (event.sessionKey === key && event.type === "session-expiring") {
      // Any call, or `POST /session/active`, before the deadline keeps the session.
      send("session-expiring", { key, deadline: event.deadline, at: event.at });
    }
  });

  const heartbeat = setInterval(() => {
    engine.store
      .getSessionByKey(key)
      .then((stored) => {
        if (closed) return;
        if (!stored) ended("terminated", engine.clock.now(), "The session no longer exists.");
        else out.write(": keep-alive\n\n");
      })
      .catch((error: unknown) => request.log.error({ err: error }, "Could not check a streamed session"));
  }, HEARTBEAT_MS).unref();

  streams.add(close);
  request.raw.on("close", close);
  const message = await readServiceMessage(engine.store);
  send("ready", { key, serviceMessage: localizedMessage(message, locale) });
}
