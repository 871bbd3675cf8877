/**
 * Hints between nodes over PostgreSQL's LISTEN/NOTIFY: the messaging half of `ClusterStore`.
 *
 * - **publish** is `SELECT pg_notify('sessiond', json)` with `{ from: <node>, hint }`. The database
 *   delivers it to every listening connection on the database, this node's included, in commit order.
 *   A payload must stay under 8000 bytes: hints are small, but an event's `detail` is free text, so an
 *   event too large to send goes without its detail (a hint only says "look again"; the row is the
 *   truth).
 * - **subscribe** shares one `LISTEN` per store among its subscribers. The client keeps that connection
 *   apart from the pool and listens again by itself after the connection is lost, calling `onlisten`
 *   each time it has: the first call is the listen asked for, any later one follows a loss, during
 *   which hints may have been missed, and subscribers are told `reconnected`. If even the first listen
 *   fails (the database is down), the client keeps trying, and its eventual success is reported as
 *   `reconnected` too: hints sent since the subscription began were missed.
 *
 * - **Session notices** share the channel as plain text, not JSON, so that nodes of an older version
 *   ignore them: `s <key> <key>...` is sent by triggers on every change or deletion of session rows,
 *   in the changing transaction (`schema.ts`, version 8), `s *` after the table was emptied, and
 *   `p <node> <seq>` is a node's ping. PostgreSQL delivers a channel's notifications to a listener in
 *   the order their transactions committed, so a ping is heard after every notice committed before it
 *   was sent.
 *
 * A payload that is none of these (someone else's NOTIFY on the channel) is ignored. A subscriber that
 * throws is reported to `onListenerError` and does not stop the others, nor the listening connection.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import type { ClusterMessage, ClusterStore, StoreHint } from "../../core/store/index.ts";
import type { StoreContext } from "./context.ts";

/** The NOTIFY channel of every sessiond node on a database. */
export const HINT_CHANNEL = "sessiond";

/** The largest payload PostgreSQL accepts (in its default build) is one byte less than 8000. */
const MAX_PAYLOAD_BYTES = 7999;

/** Starts the text of a notice of changed session rows: the keys follow, separated by spaces. */
const SESSIONS_CHANGED_PREFIX = "s ";

/** Starts the text of a ping: the node's id and the ping's number follow. */
const PING_PREFIX = "p ";

export type HintsPart = Pick<ClusterStore, "publish" | "subscribe" | "ping"> & {
  /** Stops delivering to subscribers: the store is closing. */
  stop(): void;
};

export function createHintsPart(context: StoreContext, onListenerError: (error: unknown) => void): HintsPart {
  const { sql, nodeId } = context;
  const subscribers = new Set<(message: ClusterMessage) => void>();
  let listening = false;
  let listenedOnce = false;
  let firstListenFailed = false;
  let stopped = false;

  const deliver = (message: ClusterMessage) => {
    if (stopped) return;
    for (const subscriber of [...subscribers]) {
      try {
        subscriber(message);
      } catch (error) {
        onListenerError(error);
      }
    }
  };

  const onNotify = (payload: string) => {
    const message = decodeMessage(payload);
    if (message) deliver(message);
  };

  const onListen = () => {
    if (listenedOnce || firstListenFailed) deliver({ kind: "reconnected" });
    listenedOnce = true;
  };

  const startListening = () => {
    if (listening) return;
    listening = true;
    sql.listen(HINT_CHANNEL, onNotify, onListen).catch(() => {
      // The client listens again once it can connect; that success is reported as `reconnected`.
      firstListenFailed = true;
    });
  };

  return {
    publish: (hint) =>
      context.run(async (q) => {
        await q`SELECT pg_notify(${HINT_CHANNEL}, ${encodeHint(nodeId, hint)})`;
      }),

    // Committed without waiting for the disk: a ping holds nothing worth keeping, and the lock that
    // orders notifications is held until the commit is done.
    ping: (seq) =>
      context.run(async (q) => {
        await q`
          SELECT set_config('synchronous_commit', 'off', true),
            pg_notify(${HINT_CHANNEL}, ${`${PING_PREFIX}${nodeId} ${seq}`})`;
      }),

    subscribe: (listener) => {
      if (stopped) return () => {};
      subscribers.add(listener);
      startListening();
      return () => {
        subscribers.delete(listener);
      };
    },

    stop: () => {
      stopped = true;
      subscribers.clear();
    },
  };
}

/** The NOTIFY payload of a hint from `from`, shortened (see the module comment) when too large. */
export function encodeHint(from: string, hint: StoreHint): string {
  const payload = JSON.stringify({ from, hint });
  if (Buffer.byteLength(payload, "utf8") <= MAX_PAYLOAD_BYTES) return payload;
  if (hint.kind === "event" && hint.event.detail !== null) {
    return encodeHint(from, { kind: "event", event: { ...hint.event, detail: null } });
  }
  throw new SessionError("INVALID_ARGUMENT", "postgres store: a hint too large to send");
}

/** The message a NOTIFY payload carries, or null when it is none of sessiond's. */
export function decodeMessage(payload: string): ClusterMessage | null {
  if (payload === `${SESSIONS_CHANGED_PREFIX}*`) return { kind: "all-sessions-changed" };
  if (payload.startsWith(SESSIONS_CHANGED_PREFIX)) {
    const keys = payload
      .slice(SESSIONS_CHANGED_PREFIX.length)
      .split(" ")
      .filter((key) => key !== "");
    return keys.length > 0 ? { kind: "sessions-changed", keys } : null;
  }
  if (payload.startsWith(PING_PREFIX)) {
    // The number is last: whatever comes before it is the node's id.
    const rest = payload.slice(PING_PREFIX.length);
    const space = rest.lastIndexOf(" ");
    const from = rest.slice(0, space);
    const seq = Number(rest.slice(space + 1));
    return space > 0 && Number.isSafeInteger(seq) ? { kind: "ping", from, seq } : null;
  }
  return decodeHint(payload);
}

/** The hint a JSON payload carries, or null when it is not a hint. */
function decodeHint(payload: string): ClusterMessage | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { from, hint } = parsed as { from?: unknown; hint?: unknown };
  if (typeof from !== "string" || typeof hint !== "object" || hint === null) return null;
  const kind = (hint as { kind?: unknown }).kind;
  if (kind === "directory-changed") return { kind: "hint", from, hint: { kind } };
  const event = (hint as { event?: unknown }).event;
  if (kind === "event" && typeof event === "object" && event !== null) {
    return { kind: "hint", from, hint: hint as StoreHint };
  }
  return null;
}
