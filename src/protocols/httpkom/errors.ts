/**
 * Engine errors as httpkom answers them. httpkom has three forms:
 *
 * - an empty body with a status (403 "forget this connection id", 401 "log in", 404);
 * - an httpkom error, `{"error_msg":"...","error_type":"httpkom"}`;
 * - a LysKOM Protocol A error, `{"error_code":N,"error_msg":"<name>","error_status":"<n>","error_type":"protocol-a"}`,
 *   where `error_status` is the number the error is about (a person, a session), as text.
 *
 * `WIRE_FORMS` maps every code (a new code must be mapped here or this file does not compile);
 * The error's reason (`ERROR_REASONS`), set by the core where it throws, picks the more exact form some
 * errors have; `REASON_FORMS` decides every reason.
 *
 * @module
 */

import type { ErrorCode, ErrorReason, SessionError } from "../../core/errors.ts";

/** Protocol A error numbers (and pylyskom's class names) that sessiond answers. */
export const PROTOCOL_A = {
  NotImplemented: 2,
  InvalidPassword: 4,
  LoginFirst: 6,
  ConferenceZero: 8,
  UndefinedPerson: 10,
  PermissionDenied: 12,
  PersonExists: 21,
  UndefinedSession: 42,
} as const;

export type ProtocolAName = keyof typeof PROTOCOL_A;

export type WireForm =
  | { kind: "empty"; status: number }
  /** `message` replaces the engine error's own (safe) message. */
  | { kind: "httpkom"; status: number; message?: string }
  | { kind: "protocol-a"; status: number; name: ProtocolAName };

export const WIRE_FORMS: Record<ErrorCode, WireForm> = {
  MALFORMED_REQUEST: { kind: "httpkom", status: 400, message: "Invalid body." },
  INVALID_ARGUMENT: { kind: "httpkom", status: 400 },
  UNKNOWN_METHOD: { kind: "empty", status: 404 },
  INVALID_LOGIN: { kind: "protocol-a", status: 401, name: "InvalidPassword" },
  // Protocol A has no "try later" for logins: jskom shows the message of a failed one.
  LOGIN_THROTTLED: { kind: "httpkom", status: 401 },
  // No live session (missing, unknown, ended, or of another server): the client must forget its id.
  NOT_AUTHENTICATED: { kind: "empty", status: 403 },
  NO_PERMISSION: { kind: "protocol-a", status: 400, name: "PermissionDenied" },
  INVALID_LOCALE: { kind: "httpkom", status: 400 },
  NOT_FOUND: { kind: "empty", status: 404 },
  ALREADY_EXISTS: { kind: "protocol-a", status: 400, name: "PersonExists" },
  INVALID_REQUEST: { kind: "httpkom", status: 400 },
  NOT_SUPPORTED: { kind: "protocol-a", status: 400, name: "NotImplemented" },
  LIMIT_EXCEEDED: { kind: "httpkom", status: 400 },
  STORE_UNAVAILABLE: { kind: "httpkom", status: 503 },
  INTERNAL: { kind: "httpkom", status: 500, message: "Unknown error" },
};

export interface WireOptions {
  /**
   * Answer "log in first" as Protocol A `LoginFirst` (6) instead of an empty 401: where the LysKOM
   * server itself refuses (disconnecting another session), not httpkom's own login guard.
   */
  loginFirstAsProtocolA?: boolean;
}

/** The name a typed-name error is about, for its message. */
function typedName(error: SessionError): string {
  return typeof error.details.name === "string" ? error.details.name : "";
}

/**
 * How httpkom answers each exact case the core names (`ERROR_REASONS`); undefined: as its code does
 * (`WIRE_FORMS`). Every reason is decided here: a new one fails to compile until it is.
 */
const REASON_FORMS: Record<ErrorReason, ((error: SessionError, options: WireOptions) => WireForm) | undefined> = {
  "no-session": undefined,
  "login-required": (_error, options) =>
    options.loginFirstAsProtocolA
      ? { kind: "protocol-a", status: 401, name: "LoginFirst" }
      : { kind: "empty", status: 401 },
  "undefined-person": () => ({ kind: "protocol-a", status: 401, name: "UndefinedPerson" }),
  "invalid-password": undefined,
  "undefined-session": () => ({ kind: "protocol-a", status: 404, name: "UndefinedSession" }),
  "name-not-found": (error) => ({ kind: "httpkom", status: 400, message: `recipient not found: ${typedName(error)}` }),
  "name-ambiguous": (error) => ({ kind: "httpkom", status: 400, message: `ambiguous recipient: ${typedName(error)}` }),
  "bad-name": undefined,
  "permission-denied": undefined,
  // A realm setting, not a missing privilege: say so in words (403 would make jskom drop its connection).
  "self-registration-disabled": () => ({ kind: "httpkom", status: 400 }),
  "person-exists": undefined,
  "node-id-taken": undefined,
  "logged-in-elsewhere": undefined,
  "service-ticket": undefined,
  "session-of-another-door": undefined,
  fenced: undefined,
  "clock-skew": undefined,
};

/** The wire form of one engine error, refined by its reason. */
export function wireFormOf(error: SessionError, options: WireOptions = {}): WireForm {
  const refine = error.reason === undefined ? undefined : REASON_FORMS[error.reason];
  return refine ? refine(error, options) : WIRE_FORMS[error.code];
}

/** An httpkom error body. */
export function httpkomErrorBody(message: string): { error_msg: string; error_type: "httpkom" } {
  return { error_msg: message, error_type: "httpkom" };
}

/** A Protocol A error body; `status` is the number the error is about. */
export function protocolAErrorBody(name: ProtocolAName, status: number | string) {
  return { error_code: PROTOCOL_A[name], error_msg: name, error_status: String(status), error_type: "protocol-a" };
}

/** Status and body (undefined: empty) of an engine error. */
export function wireError(error: SessionError, options: WireOptions = {}): { status: number; body?: object } {
  const form = wireFormOf(error, options);
  switch (form.kind) {
    case "empty":
      return { status: form.status };
    case "httpkom":
      return { status: form.status, body: httpkomErrorBody(form.message ?? error.message) };
    case "protocol-a": {
      const id = error.details.id;
      return { status: form.status, body: protocolAErrorBody(form.name, typeof id === "number" ? id : 0) };
    }
  }
}
