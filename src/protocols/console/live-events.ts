/**
 * `GET /console/events`: the console's live updates, a Server-Sent Events stream of the session
 * events the operator may see (everyone's with `Sessions.TerminateSession`, otherwise their own
 * user's), each with a sentence for the page's live region; the page reloads its table on each. When
 * the console's own session ends, the stream says `signed-out` and closes. Opening it is one call of
 * the console's session; keeping it open is not activity. A session may hold a few streams at once
 * (`MAX_STREAMS_PER_SESSION`), so that one login cannot hold the server's sockets.
 *
 * @module
 */

import type { FastifyReply, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { endsLogin, isEndReason, type SessionEvent } from "../../core/events.ts";
import type { Operator } from "./operator.ts";

const HEARTBEAT_MS = 15_000;
/** Open streams one console session may hold (a tab each); one more is refused before it opens. */
export const MAX_STREAMS_PER_SESSION = 8;
const openPerSession = new Map<string, number>();
const SHOWN: ReadonlySet<SessionEvent["type"]> = new Set(["created", "login", "logout", "locale-changed"]);

function sentence(event: SessionEvent): string {
  const who = event.userName === null ? "an anonymous session" : `${event.userName}@${event.realm ?? ""}`;
  const session = event.sessionNumber === null ? "A session" : `Session ${event.sessionNumber}`;
  const via = event.protocol ? ` (${event.protocol})` : "";
  if (isEndReason(event.type))
    return `${session} of ${who}${via} ended: ${event.type}${event.detail ? `, ${event.detail}` : ""}`;
  if (event.type === "created") return `${session}${via} was created.`;
  return `${session} of ${who}${via}: ${event.type}.`;
}

function mayKnow(operator: Operator, event: SessionEvent): boolean {
  if (operator.may("Sessions.TerminateSession")) return true;
  return event.realm === operator.user.realm && event.userName === operator.user.name;
}

export function openLiveEvents(
  streams: Set<() => void>,
  engine: Engine,
  operator: Operator,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const ownKey = operator.session.key;
  const open = openPerSession.get(ownKey) ?? 0;
  if (open >= MAX_STREAMS_PER_SESSION) {
    throw new SessionError("LIMIT_EXCEEDED", "This console session has too many pages open; close some and reload.");
  }
  openPerSession.set(ownKey, open + 1);
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  const send = (event: string, data: unknown) => out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    const left = (openPerSession.get(ownKey) ?? 1) - 1;
    if (left > 0) openPerSession.set(ownKey, left);
    else openPerSession.delete(ownKey);
    streams.delete(close);
    unsubscribe();
    unwatch();
    clearInterval(heartbeat);
    out.end();
  };
  const unwatch = engine.watchSession(ownKey, "console");
  const unsubscribe = engine.events.subscribe((event) => {
    if (closed || event.sessionKey === null) return;
    if (event.sessionKey === ownKey && endsLogin(event.type)) {
      send("signed-out", { reason: event.type });
      close();
      return;
    }
    if (!(SHOWN.has(event.type) || isEndReason(event.type)) || !mayKnow(operator, event)) return;
    send("session", { type: event.type, key: event.sessionKey, number: event.sessionNumber, text: sentence(event) });
  });
  const heartbeat = setInterval(() => {
    engine.store
      .getSessionByKey(ownKey)
      .then((stored) => {
        if (closed) return;
        if (!stored) {
          send("signed-out", { reason: "terminated" });
          close();
        } else out.write(": keep-alive\n\n");
      })
      .catch((error: unknown) => request.log.error({ err: error }, "Could not check the console's session"));
  }, HEARTBEAT_MS).unref();
  streams.add(close);
  request.raw.on("close", close);
  send("ready", { at: engine.clock.now() });
}
