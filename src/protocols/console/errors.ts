/**
 * Engine errors as the console shows them: an HTTP status and a heading over the core's own message,
 * which says what was wrong and what to do. Exhaustive over the catalogue: a new code must be mapped
 * here or this file does not compile. Reasons (`ERROR_REASONS`) need no form of their own: the
 * core's message already names the exact case, and the console shows it.
 *
 * @module
 */

import type { ErrorCode } from "../../core/errors.ts";

export const CONSOLE_ERRORS: Record<ErrorCode, { status: number; heading: string }> = {
  MALFORMED_REQUEST: { status: 400, heading: "The request could not be read" },
  INVALID_ARGUMENT: { status: 400, heading: "Please check the form" },
  UNKNOWN_METHOD: { status: 404, heading: "No such page" },
  INVALID_LOGIN: { status: 401, heading: "Wrong user name or password" },
  LOGIN_THROTTLED: { status: 429, heading: "Too many attempts" },
  NOT_AUTHENTICATED: { status: 401, heading: "Please log in" },
  NO_PERMISSION: { status: 403, heading: "Not allowed" },
  INVALID_LOCALE: { status: 400, heading: "Unknown locale" },
  NOT_FOUND: { status: 404, heading: "Not found" },
  ALREADY_EXISTS: { status: 409, heading: "It exists already" },
  INVALID_REQUEST: { status: 409, heading: "Not possible now" },
  NOT_SUPPORTED: { status: 501, heading: "Not supported" },
  LIMIT_EXCEEDED: { status: 429, heading: "A limit was reached" },
  STORE_UNAVAILABLE: { status: 503, heading: "The store is unavailable" },
  INTERNAL: { status: 500, heading: "Something went wrong" },
};
