/**
 * Engine errors as JSON API responses: `{"error":{"code","id","message"}}` with an HTTP status.
 * Exhaustive over the catalogue: a new code must be mapped here or this file does not compile.
 *
 * @module
 */

import { ERROR_CODES, type ErrorCode, SessionError } from "../../core/errors.ts";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  MALFORMED_REQUEST: 400,
  INVALID_ARGUMENT: 400,
  UNKNOWN_METHOD: 404,
  INVALID_LOGIN: 401,
  // With `Retry-After` (see `retryAfterHeader`).
  LOGIN_THROTTLED: 429,
  NOT_AUTHENTICATED: 401,
  NO_PERMISSION: 403,
  INVALID_LOCALE: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  INVALID_REQUEST: 409,
  NOT_SUPPORTED: 501,
  LIMIT_EXCEEDED: 429,
  STORE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface ApiErrorBody {
  error: { code: ErrorCode; id: number; message: string };
}

export function errorBody(error: SessionError): ApiErrorBody {
  return { error: { code: error.code, id: error.id, message: error.message } };
}

/** The one answer for anything that is not an engine error: nothing of the cause reaches the wire. */
export const INTERNAL_ERROR = new SessionError("INTERNAL");

export function statusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/** The `WWW-Authenticate` challenge that goes with a 401, or undefined for other errors. */
export function authChallenge(code: ErrorCode): Record<string, string> | undefined {
  return code === "NOT_AUTHENTICATED" || code === "INVALID_LOGIN"
    ? { "www-authenticate": 'Bearer realm="sessiond"' }
    : undefined;
}

/** The headers an error answer carries besides its body: the auth challenge, or when to try again. */
export function errorHeaders(error: SessionError): Record<string, string> | undefined {
  const retryAfter = error.details.retryAfterSeconds;
  if (typeof retryAfter === "number") return { "retry-after": String(retryAfter) };
  return authChallenge(error.code);
}

export { ERROR_CODES };
