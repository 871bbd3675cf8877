/**
 * The engine's view of one caller, made the same way by every front door: which protocol, the
 * secret it presented, its address, user agent and whether it is on this machine.
 *
 * The address is the socket's peer, never a forwarding header a client could forge, and is also what
 * decides loopback (local tickets are offered only to loopback callers).
 *
 * @module
 */

import type { IncomingHttpHeaders } from "node:http";
import type { CallContext } from "../../core/operation.ts";
import type { Protocol } from "../../core/types.ts";
import { isLoopbackAddress } from "../http-context.ts";

/** What every HTTP request offers, whether Fastify's or Node's own: its socket and headers. */
export interface HttpRequestLike {
  socket: { remoteAddress?: string | undefined };
  headers: IncomingHttpHeaders;
}

/** Facts a front door adds to a call context beyond where it came from. */
export type CallFacts = Pick<CallContext, "secret" | "realm" | "serviceTicket" | "connectionId">;

/** The call context of an HTTP request. */
export function httpCallContext(protocol: Protocol, request: HttpRequestLike, facts: CallFacts = {}): CallContext {
  const address = request.socket.remoteAddress;
  const context: CallContext = {
    protocol,
    ipAddress: address,
    userAgent: request.headers["user-agent"],
    isLoopback: isLoopbackAddress(address),
  };
  return withFacts(context, facts);
}

/** The call context of a message on a raw socket connection (the Agent's). */
export function socketCallContext(protocol: Protocol, address: string | undefined, facts: CallFacts = {}): CallContext {
  return withFacts({ protocol, ipAddress: address, isLoopback: isLoopbackAddress(address) }, facts);
}

/** Adds only the facts that are set, so that a context never holds an `undefined` field it was not given. */
function withFacts(context: CallContext, facts: CallFacts): CallContext {
  if (facts.secret !== undefined) context.secret = facts.secret;
  if (facts.realm !== undefined) context.realm = facts.realm;
  if (facts.serviceTicket !== undefined) context.serviceTicket = facts.serviceTicket;
  if (facts.connectionId !== undefined) context.connectionId = facts.connectionId;
  return context;
}
