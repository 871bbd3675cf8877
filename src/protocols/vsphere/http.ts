/**
 * What both wire forms of the vSphere front door read from an HTTP request the same way: the session
 * secret's carriers, a generic service ticket, the facts of the caller, and faults raised by the HTTP
 * layer itself before a route runs.
 *
 * @module
 */

import type { FastifyReply, FastifyRequest } from "fastify";
import type { CallContext } from "../../core/operation.ts";
import { httpCallContext } from "../kit/call-context.ts";
import { frameworkFailure } from "../kit/framework-errors.ts";
import { faultOf, INTERNAL_FAULT, type WireFault } from "./errors.ts";
import type { Invocation } from "./methods.ts";
import { cookieValue } from "./soap.ts";

export const XML_TYPE = "text/xml; charset=utf-8";

export const SESSION_COOKIE = "vmware_soap_session";
/** The cookie vSphere clients present a generic service ticket in. */
export const SERVICE_TICKET_COOKIE = "vmware_cgi_ticket";

/**
 * The engine's view of one request: its secret, or else a generic service ticket from the
 * `vmware_cgi_ticket` cookie with the scopes the request falls under.
 */
export function vsphereContext(
  request: FastifyRequest,
  secret: string | undefined,
  scopes: readonly string[],
): CallContext {
  const ticket = secret === undefined ? cookieValue(request.headers.cookie, SERVICE_TICKET_COOKIE) : undefined;
  return httpCallContext("vsphere", request, {
    secret,
    serviceTicket: ticket === undefined ? undefined : { ticket: ticket.slice(0, 256), scopes },
  });
}

/** `Set-Cookie` as vCenter writes it, without `Secure` on plain HTTP (protocols.md 1.2, 1.3). */
export function sessionCookie(secret: string, secure: boolean): string {
  return `${SESSION_COOKIE}="${secret}"; Path=/; HttpOnly;${secure ? " Secure;" : ""} `;
}

/** The parts of an invocation every request has, whatever its wire form. */
export function requestFacts(
  request: FastifyRequest,
  reply: FastifyReply,
): Pick<Invocation, "hostName" | "signal" | "logError"> {
  let controller: AbortController | undefined;
  return {
    hostName: request.hostname.replace(/:\d+$/, ""),
    // Made only when a method asks (a long wait): it stops when the client goes away before its answer.
    signal() {
      if (!controller) {
        const made = new AbortController();
        reply.raw.on("close", () => {
          if (!reply.raw.writableFinished) made.abort();
        });
        controller = made;
      }
      return controller.signal;
    },
    logError: (error) => request.log.error({ err: error }, "Unexpected error in the vSphere front door"),
  };
}

/** The fault for an error Fastify raised before a route ran (a body too large or unreadable). */
export function transportFault(error: unknown, request: FastifyRequest, maxRequestBytes: number): WireFault {
  const fault = faultOf(error, undefined);
  if (fault) return fault;
  const framework = frameworkFailure(error, { bodyLimit: maxRequestBytes });
  if (framework) return faultOf(framework.error, undefined) ?? INTERNAL_FAULT;
  request.log.error({ err: error }, "Unexpected error in the vSphere front door");
  return INTERNAL_FAULT;
}
