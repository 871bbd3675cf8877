/**
 * Engine errors as the Astro Runtime answers them. A service exception becomes an XML-RPC fault with
 * `faultCode` 0 and `faultString` `"<message> , <exception class>"` (ws-xmlrpc's form, section 3.3),
 * and an HTTP 500 with that short text in the function-call binding. Faults that are not service
 * exceptions (wrong parameter count, unknown method) have no class: see `Fault`.
 *
 * `EXCEPTION_CLASSES` maps every code (a new code must be mapped here or this file does not compile).
 * A call in a context whose session is gone is not a fault at all: it is 403 (`Forbidden`).
 *
 * @module
 */

import { type ErrorCode, type ErrorReason, SessionError } from "../../core/errors.ts";

const ACR = "org.astrogrid.acr";

/** The AstroGrid exception class each engine error is reported as. */
export const EXCEPTION_CLASSES: Record<ErrorCode, string> = {
  MALFORMED_REQUEST: `${ACR}.InvalidArgumentException`,
  INVALID_ARGUMENT: `${ACR}.InvalidArgumentException`,
  UNKNOWN_METHOD: `${ACR}.NotFoundException`,
  INVALID_LOGIN: `${ACR}.SecurityException`,
  LOGIN_THROTTLED: `${ACR}.SecurityException`,
  NOT_AUTHENTICATED: `${ACR}.SecurityException`,
  NO_PERMISSION: `${ACR}.SecurityException`,
  INVALID_LOCALE: `${ACR}.InvalidArgumentException`,
  NOT_FOUND: `${ACR}.NotFoundException`,
  ALREADY_EXISTS: `${ACR}.InvalidArgumentException`,
  INVALID_REQUEST: `${ACR}.NotApplicableException`,
  NOT_SUPPORTED: `${ACR}.NotApplicableException`,
  LIMIT_EXCEEDED: `${ACR}.ServiceException`,
  STORE_UNAVAILABLE: `${ACR}.ServiceException`,
  INTERNAL: `${ACR}.ACRException`,
};

/** Every fault raised here carries code 0, as ws-xmlrpc's invocation and no-such-handler faults do. */
export const FAULT_CODE = 0;

/** A fault that is not a service exception: its text is the whole `faultString`. */
export class Fault extends Error {
  override readonly name = "Fault";
}

/** The caller's context (session) is gone or never existed: 403 `Astro Runtime - Forbidden`. */
export class Forbidden extends Error {
  override readonly name = "Forbidden";
  constructor() {
    super("Astro Runtime - Forbidden");
  }
}

export const FORBIDDEN_TEXT = "Astro Runtime - Forbidden";

export function notAvailable(methodName: string): Fault {
  return new Fault(`${methodName} is not available`);
}

export function wrongParameterCount(methodName: string, count: number): Fault {
  return new Fault(`Incorrect number of parameters:${methodName} takes ${count} parameters`);
}

/** The `faultString` of an engine error. */
export function faultString(error: SessionError): string {
  return `${error.message} , ${EXCEPTION_CLASSES[error.code]}`;
}

/** True when the error means "no live session behind this context" rather than a fault. */
export function isNoSession(error: SessionError): boolean {
  return error.reason === "no-session";
}

/**
 * What AstroGrid says instead of the core's words, for each exact case the core names
 * (`ERROR_REASONS`); undefined: the core's message. Every reason is decided here.
 */
const REASON_MESSAGES: Record<ErrorReason, string | undefined> = {
  "no-session": undefined,
  "login-required": undefined,
  "undefined-person": undefined,
  "invalid-password": undefined,
  "undefined-session": undefined,
  "name-not-found": undefined,
  "name-ambiguous": undefined,
  "bad-name": undefined,
  "permission-denied": undefined,
  "self-registration-disabled": undefined,
  "person-exists": undefined,
  "node-id-taken": undefined,
  // A session logged in to one community keeps its realm until it logs out.
  "logged-in-elsewhere":
    "This session is logged in to another community: call astrogrid.community.logout first, then log in.",
  "service-ticket": undefined,
  // A context id is the session's for life: one made elsewhere could be known to someone else.
  "session-of-another-door":
    "This session was not made by astrogrid.session.createNewSession: make a new one, then log in.",
  fenced: undefined,
  "clock-skew": undefined,
};

/** An engine error in AstroGrid's words, where its reason has words of its own. */
export function inAstrogridTerms(error: unknown): unknown {
  if (!(error instanceof SessionError) || error.reason === undefined) return error;
  const message = REASON_MESSAGES[error.reason];
  if (message === undefined) return error;
  return new SessionError(error.code, message, { details: error.details });
}
