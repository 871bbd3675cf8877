/**
 * Who may hold a connection to the HTTP listener, and for how long without sending anything.
 *
 * Every HTTP front door shares one listener, so one client holding thousands of idle sockets starves
 * them all (and `/healthz`). Connections are therefore limited in all (`http.maxConnections`) and per
 * client address (`http.maxConnectionsPerAddress`), counted from the moment the TCP connection is
 * accepted, before any TLS handshake. A connection over a limit is not served: its first request is
 * answered 429 in the JSON API's error form and the connection is closed; past as many refusals at once
 * as connections are allowed, a flood is dropped unanswered. A connection that sends no byte within
 * `http.firstByteTimeoutMs` is closed (this covers a TLS client that never starts its handshake, which
 * Node would otherwise wait for for two minutes), and Node's own `headersTimeout` and `requestTimeout`
 * (`http.headersTimeoutMs`, `http.requestTimeoutMs`) end a request trickling in, with a 408 in the
 * same error form.
 *
 * Addresses are the socket's peer, never a forwarding header: behind a reverse proxy every client has
 * the proxy's address, and the per-address limit becomes a limit on the proxy (see docs/security.md).
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server, Socket } from "node:net";
import type { HttpLimits } from "../core/config.ts";
import { SessionError } from "../core/errors.ts";
import { errorBody } from "../protocols/api/errors.ts";

/** How often Node checks every connection against the header and request timeouts, at most, in ms. */
const CHECK_INTERVAL_MS = 1000;
/** How long a refused or timed-out connection may take to read its answer before it is destroyed. */
const LINGER_MS = 1000;
/** At most one log line about refused connections per this many ms, with the count since the last. */
const LOG_EVERY_MS = 10_000;

/** The options of `http.createServer` (and `https.createServer`) that these limits set. */
export interface HttpServerTimeouts {
  requestTimeout: number;
  headersTimeout: number;
  connectionsCheckingInterval: number;
  /** TLS only: the handshake must be done within the time for the request head. */
  handshakeTimeout: number;
}

/** Node's server options for the limits: they must be given when the server is made. */
export function httpServerTimeouts(limits: HttpLimits): HttpServerTimeouts {
  return {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    // Node checks the timeouts on this interval (30 s by default), so a late request could wait that much longer.
    connectionsCheckingInterval: Math.max(10, Math.min(CHECK_INTERVAL_MS, Math.floor(limits.headersTimeoutMs / 2))),
    handshakeTimeout: limits.headersTimeoutMs,
  };
}

export interface HttpAdmission {
  /**
   * Answers a request that arrived on a connection over the limits (429, then the connection closes)
   * and returns true; returns false for a request of an admitted connection. Call first thing for
   * every request.
   */
  refused(request: IncomingMessage, response: ServerResponse): boolean;
  /** Connections counted against the limits now, and those being refused. */
  stats(): { open: number; refusing: number; addresses: number };
}

export interface AdmissionOptions {
  /** Whether the server speaks TLS: a silent TLS connection cannot be told why it is closed. */
  tls: boolean;
  /** Where refusals are reported (a pino logger's `warn`). */
  warn(object: Record<string, unknown>, message: string): void;
}

/** The key of a peer address: an IPv4 address the same whether it came over IPv4 or IPv6. */
function addressKey(address: string | undefined): string {
  const plain = address ?? "";
  return plain.startsWith("::ffff:") ? plain.slice(7) : plain;
}

/** The answer to a request that cannot be served, in the JSON API's error form, closing the connection. */
function rawAnswer(status: number, error: SessionError): string {
  const body = JSON.stringify(errorBody(error));
  return (
    `HTTP/1.1 ${status} ${status === 408 ? "Request Timeout" : status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
    `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `connection: close\r\n\r\n${body}`
  );
}

/** Ends a socket after `data`, destroying it if the client does not read and close in time. */
function endSoon(socket: Socket, data: string): void {
  if (socket.destroyed) return;
  socket.end(data);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/** Counts the connections of `server` against `limits` and closes silent ones; see the module comment. */
export function admitConnections(server: Server, limits: HttpLimits, options: AdmissionOptions): HttpAdmission {
  let open = 0;
  const byAddress = new Map<string, number>();
  /** Connections over a limit, by `address:port` (a TLS request's socket is not the TCP one, but has its peer). */
  const refusals = new Map<string, string>();
  let refused = 0;
  let lastLogAt = 0;

  function overLimit(address: string): string | undefined {
    if (open >= limits.maxConnections) return "The server has too many connections open: try again shortly.";
    if ((byAddress.get(address) ?? 0) >= limits.maxConnectionsPerAddress) {
      return `Your address has ${limits.maxConnectionsPerAddress} connections open, the most it may: close some, or reuse them.`;
    }
    return undefined;
  }

  function report(address: string, reason: string): void {
    refused += 1;
    const now = Date.now();
    if (now - lastLogAt < LOG_EVERY_MS) return;
    lastLogAt = now;
    options.warn({ address, refused, reason }, "HTTP connections refused: over the connection limits");
    refused = 0;
  }

  /** Closes the connection if it has sent nothing by the deadline: it holds a slot for nothing. */
  function armFirstByteTimer(socket: Socket): void {
    const timer = setTimeout(() => {
      if (socket.bytesRead > 0 || socket.destroyed) return;
      if (options.tls) {
        socket.destroy();
        return;
      }
      const error = new SessionError(
        "LIMIT_EXCEEDED",
        `Nothing was received within ${limits.firstByteTimeoutMs} ms of connecting: closing the connection.`,
      );
      endSoon(socket, rawAnswer(408, error));
    }, limits.firstByteTimeoutMs);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  }

  server.on("connection", (socket: Socket) => {
    const address = addressKey(socket.remoteAddress);
    const refusal = overLimit(address);
    if (refusal === undefined) {
      open += 1;
      byAddress.set(address, (byAddress.get(address) ?? 0) + 1);
      socket.once("close", () => {
        open -= 1;
        const left = (byAddress.get(address) ?? 1) - 1;
        if (left > 0) byAddress.set(address, left);
        else byAddress.delete(address);
      });
      armFirstByteTimer(socket);
      return;
    }
    report(address, refusal);
    // Being refused costs a socket too: past as many at once as connections are allowed, drop the rest.
    if (refusals.size >= limits.maxConnections) {
      socket.destroy();
      return;
    }
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    refusals.set(peer, refusal);
    socket.once("close", () => refusals.delete(peer));
    armFirstByteTimer(socket);
  });

  return {
    refused(request, response) {
      if (refusals.size === 0) return false;
      const refusal = refusals.get(`${request.socket.remoteAddress}:${request.socket.remotePort}`);
      if (refusal === undefined) return false;
      const body = JSON.stringify(errorBody(new SessionError("LIMIT_EXCEEDED", refusal)));
      response.writeHead(429, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        "retry-after": "1",
        connection: "close",
      });
      response.end(body);
      return true;
    },
    stats: () => ({ open, refusing: refusals.size, addresses: byAddress.size }),
  };
}

/**
 * Answers what Node's HTTP parser could not take (Fastify's `clientErrorHandler`): a request that did
 * not arrive within `headersTimeoutMs` or `requestTimeoutMs` (408), headers too large (431), or bytes
 * that are not HTTP (400), in the JSON API's error form, and closes the connection.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket, limits: HttpLimits): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  // A response has begun on this connection: nothing more can be written that the client would read.
  if ((socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    const message =
      `The request did not arrive in time (its head within ${limits.headersTimeoutMs} ms, ` +
      `all of it within ${limits.requestTimeoutMs} ms): closing the connection.`;
    endSoon(socket, rawAnswer(408, new SessionError("LIMIT_EXCEEDED", message)));
  } else if (error.code === "HPE_HEADER_OVERFLOW") {
    endSoon(socket, rawAnswer(431, new SessionError("LIMIT_EXCEEDED", "The request's headers are too large.")));
  } else {
    endSoon(socket, rawAnswer(400, new SessionError("MALFORMED_REQUEST", "The request could not be read as HTTP.")));
  }
}
