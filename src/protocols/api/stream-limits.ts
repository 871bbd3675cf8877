/**
 * How many Server-Sent Event streams (`GET /api/v1/session/events`) may be open: in all, per client
 * address and per session (`http.maxEventStreams`, `http.maxEventStreamsPerAddress`,
 * `http.maxEventStreamsPerSession`). A stream holds a socket for as long as its session lives, and
 * opening one costs a client nothing but a session it can make anonymously, so without these one client
 * could hold every file descriptor the process has.
 *
 * The counts are per engine (the streams one server holds), kept here rather than in the plugin so
 * that the server sets the limits from its configuration and an embedder that registers the plugin
 * alone gets the defaults.
 *
 * @module
 */

import { DEFAULT_HTTP_LIMITS, type HttpLimits } from "../../core/config.ts";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";

export type StreamLimits = Pick<
  HttpLimits,
  "maxEventStreams" | "maxEventStreamsPerAddress" | "maxEventStreamsPerSession"
>;

interface StreamCounts {
  limits: StreamLimits;
  open: number;
  byAddress: Map<string, number>;
  bySession: Map<string, number>;
}

const countsByEngine = new WeakMap<Engine, StreamCounts>();

function countsOf(engine: Engine): StreamCounts {
  let counts = countsByEngine.get(engine);
  if (!counts) {
    counts = { limits: DEFAULT_HTTP_LIMITS, open: 0, byAddress: new Map(), bySession: new Map() };
    countsByEngine.set(engine, counts);
  }
  return counts;
}

/** Sets the limits of the streams `engine`'s server holds (the server does, from `http`). */
export function setStreamLimits(engine: Engine, limits: StreamLimits): void {
  countsOf(engine).limits = {
    maxEventStreams: limits.maxEventStreams,
    maxEventStreamsPerAddress: limits.maxEventStreamsPerAddress,
    maxEventStreamsPerSession: limits.maxEventStreamsPerSession,
  };
}

function add(map: Map<string, number>, key: string, by: number): void {
  const count = (map.get(key) ?? 0) + by;
  if (count > 0) map.set(key, count);
  else map.delete(key);
}

/**
 * Counts a new stream of `sessionKey` from `address`, or throws `LIMIT_EXCEEDED` saying which limit it
 * would pass. Returns the function that gives the slot back when the stream closes (once).
 */
export function admitStream(engine: Engine, address: string | undefined, sessionKey: string): () => void {
  const counts = countsOf(engine);
  const { limits } = counts;
  const peer = (address ?? "").startsWith("::ffff:") ? (address ?? "").slice(7) : (address ?? "");
  if ((counts.bySession.get(sessionKey) ?? 0) >= limits.maxEventStreamsPerSession) {
    throw new SessionError(
      "LIMIT_EXCEEDED",
      `This session has ${limits.maxEventStreamsPerSession} event streams open, the most it may: close one first.`,
    );
  }
  if ((counts.byAddress.get(peer) ?? 0) >= limits.maxEventStreamsPerAddress) {
    throw new SessionError(
      "LIMIT_EXCEEDED",
      `Your address has ${limits.maxEventStreamsPerAddress} event streams open, the most it may: close some first.`,
    );
  }
  if (counts.open >= limits.maxEventStreams) {
    throw new SessionError("LIMIT_EXCEEDED", "The server has too many event streams open: try again later.");
  }
  counts.open += 1;
  add(counts.byAddress, peer, 1);
  add(counts.bySession, sessionKey, 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    counts.open -= 1;
    add(counts.byAddress, peer, -1);
    add(counts.bySession, sessionKey, -1);
  };
}
