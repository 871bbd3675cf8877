/**
 * Who is using the console in this request: the session in the console's cookie, authenticated once
 * (one call of that session), with the CSRF token that belongs to it. The privileges here only decide
 * what the pages offer; every operation is checked again by the engine.
 *
 * @module
 */

import type { FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import type { CallContext } from "../../core/operation.ts";
import type { Privilege } from "../../core/privileges.ts";
import type { SessionRecord, User } from "../../core/types.ts";
import { httpCallContext } from "../kit/call-context.ts";
import { openScope, type RequestScope } from "../kit/request-scope.ts";
import { csrfTokenOf, readCookie, SESSION_COOKIE } from "./credentials.ts";

export interface Operator {
  readonly scope: RequestScope;
  readonly user: User;
  readonly session: SessionRecord;
  /** The token every state-changing request of this session must carry. */
  readonly csrf: string;
  may(privilege: Privilege): boolean;
}

/** The call context of a console request, with the cookie's secret when there is one. */
export function consoleContext(request: FastifyRequest): CallContext {
  const secret = readCookie(request.headers, SESSION_COOKIE);
  return httpCallContext("console", request.raw, secret === undefined ? {} : { secret });
}

/** The logged-in operator of the request, or null when the cookie names no logged-in session. */
export async function operatorOf(engine: Engine, request: FastifyRequest): Promise<Operator | null> {
  const context = consoleContext(request);
  if (context.secret === undefined) return null;
  const scope = await openScope(engine, context);
  const { session, user, privileges } = scope.caller;
  if (!session || !user) return null;
  return {
    scope,
    user,
    session,
    csrf: csrfTokenOf(context.secret),
    may: (privilege) => privileges.has(privilege),
  };
}

/** True when the request came over TLS: the console's cookies are `Secure` then. */
export function overTls(request: FastifyRequest): boolean {
  return "encrypted" in request.raw.socket && request.raw.socket.encrypted === true;
}
