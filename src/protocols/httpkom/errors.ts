/**
 * Engine errors as httpkom answers them. httpkom has three forms:
 *
 * - an empty body with a status (403 "forget this connection id", 401 "log in", 404);
 * - an httpkom error, `{"error_msg":"...","error_type":"httpkom"}`;
 * - a LysKOM Protocol A error, `{"error_code":N,"error_msg":"<name>","error_status":"<n>","error_type":"protocol-a"}`,
 *   where `error_status` is the number the error is about (a person, a session), as text.
 *
 * `WIRE_FORMS` maps every code (a new code must be mapped here or this file does not compile);
 * `details.reason`, set by the core where it throws, picks the more exact form some errors have.
 *
 * @module
 */

import type { ErrorCode, SessionError } from "../../core/errors.ts";

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

/** The wire form of one engine error, refined by its `details.reason`. */
export function wireFormOf(error: SessionError, options: WireOptions = {}): WireForm {
  const reason = error.details.reason;
  const name = typeof error.details.name === "string" ? error.details.name : "";
  switch (error.code) {
    case "NOT_AUTHENTICATED":
      if (reason !== "login-required") break;
      return options.loginFirstAsProtocolA
        ? { kind: "protocol-a", status: 401, name: "LoginFirst" }
        : { kind: "empty", status: 401 };
    case "INVALID_LOGIN":
      if (reason === "undefined-person") return { kind: "protocol-a", status: 401, name: "UndefinedPerson" };
      break;
    case "NOT_FOUND":
      if (reason === "undefined-session") return { kind: "protocol-a", status: 404, name: "UndefinedSession" };
      if (reason === "name-not-found") return { kind: "httpkom", status: 400, message: `recipient not found: ${name}` };
      break;
    case "INVALID_ARGUMENT":
      if (reason === "name-ambiguous") return { kind: "httpkom", status: 400, message: `ambiguous recipient: ${name}` };
      break;
    case "NO_PERMISSION":
      // A realm setting, not a missing privilege: say so in words (403 would make jskom drop its connection).
      if (reason === "self-registration-disabled") return { kind: "httpkom", status: 400 };
      break;
    default:
      break;
  }
  return WIRE_FORMS[error.code];
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
