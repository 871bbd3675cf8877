/**
 * Engine errors as the Agent answers them (protocols.md 2.6): an `<error>` with a numeric `code` and
 * a `message` inside the interface element of an ordinary answer packet.
 *
 * The real Agent's own code list was not recoverable, so the codes are sessiond's own, stable and
 * documented in `docs/agent.md` (a test keeps the two in step). `AGENT_CODE_OF` maps every engine
 * code (a new code must be mapped here or this file does not compile); `details.reason` picks the
 * more exact code some errors have. The dispatcher (`methods.ts`) turns a missing session into
 * "unknown session" or "not logged in" itself, since only it knows whether the packet named one.
 *
 * @module
 */

import { type ErrorCode, type ErrorReason, SessionError } from "../../core/errors.ts";

/** The Agent error codes sessiond answers, by name. Stable once released. */
export const AGENT_ERROR_CODES = {
  MALFORMED_PACKET: 1,
  PACKET_TOO_LARGE: 2,
  UNKNOWN_INTERFACE: 3,
  UNKNOWN_CALL: 4,
  INVALID_PARAMETER: 5,
  BAD_CREDENTIALS: 10,
  NOT_LOGGED_IN: 11,
  UNKNOWN_SESSION: 12,
  NO_PERMISSION: 13,
  NOT_ALLOWED_NOW: 14,
  LIMIT_EXCEEDED: 20,
  NOT_FOUND: 21,
  ALREADY_EXISTS: 22,
  NOT_SUPPORTED: 23,
  STORE_UNAVAILABLE: 30,
  INTERNAL: 31,
} as const;

export type AgentErrorName = keyof typeof AGENT_ERROR_CODES;

/** The code each engine error is answered with, before refinement. */
export const AGENT_CODE_OF: Record<ErrorCode, AgentErrorName> = {
  MALFORMED_REQUEST: "MALFORMED_PACKET",
  INVALID_ARGUMENT: "INVALID_PARAMETER",
  UNKNOWN_METHOD: "UNKNOWN_CALL",
  INVALID_LOGIN: "BAD_CREDENTIALS",
  // A throttled login is a failed login to the client; the message says how long to wait.
  LOGIN_THROTTLED: "BAD_CREDENTIALS",
  NOT_AUTHENTICATED: "NOT_LOGGED_IN",
  NO_PERMISSION: "NO_PERMISSION",
  INVALID_LOCALE: "INVALID_PARAMETER",
  NOT_FOUND: "NOT_FOUND",
  ALREADY_EXISTS: "ALREADY_EXISTS",
  INVALID_REQUEST: "NOT_ALLOWED_NOW",
  NOT_SUPPORTED: "NOT_SUPPORTED",
  LIMIT_EXCEEDED: "LIMIT_EXCEEDED",
  STORE_UNAVAILABLE: "STORE_UNAVAILABLE",
  INTERNAL: "INTERNAL",
};

/** `details.reason` values the front door sets on the errors it raises itself (the core's are `ERROR_REASONS`). */
export const AGENT_REASONS = {
  packetTooLarge: "agent-packet-too-large",
  unknownInterface: "agent-unknown-interface",
  unknownSession: "agent-unknown-session",
  notLoggedIn: "agent-not-logged-in",
} as const;

const MESSAGES: Partial<Record<AgentErrorName, string>> = {
  NOT_LOGGED_IN: "Not logged in: log in with system/login on this connection first.",
  UNKNOWN_SESSION: "No such session: the session id is unknown, or the session has ended or expired.",
};

export interface AgentError {
  code: number;
  name: AgentErrorName;
  message: string;
}

/** The Agent form of an engine error: its code, refined by `details.reason`, and a message safe to show. */
export function agentErrorOf(error: SessionError): AgentError {
  const name = refinedName(error);
  // The core's words for a missing session speak of bearers; the Agent's own say what to do here.
  const message =
    error.code === "NOT_AUTHENTICATED" && !isAgentReason(error) ? (MESSAGES[name] ?? error.message) : error.message;
  return { code: AGENT_ERROR_CODES[name], name, message };
}

/**
 * How the Agent answers each exact case the core names (`ERROR_REASONS`); undefined: as its code does.
 * Every reason is decided here: a new one fails to compile until it is.
 */
const REASON_NAMES: Record<ErrorReason, AgentErrorName | undefined> = {
  "no-session": undefined,
  "login-required": "NOT_LOGGED_IN",
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
  "logged-in-elsewhere": undefined,
  "service-ticket": undefined,
  "session-of-another-door": undefined,
  fenced: undefined,
  "clock-skew": undefined,
};

function refinedName(error: SessionError): AgentErrorName {
  const byCore = error.reason === undefined ? undefined : REASON_NAMES[error.reason];
  if (byCore) return byCore;
  const reason = error.details.reason;
  switch (error.code) {
    case "LIMIT_EXCEEDED":
      if (reason === AGENT_REASONS.packetTooLarge) return "PACKET_TOO_LARGE";
      break;
    case "UNKNOWN_METHOD":
      if (reason === AGENT_REASONS.unknownInterface) return "UNKNOWN_INTERFACE";
      break;
    case "NOT_AUTHENTICATED":
      if (reason === AGENT_REASONS.unknownSession) return "UNKNOWN_SESSION";
      break;
    default:
      break;
  }
  return AGENT_CODE_OF[error.code];
}

/** Whether the front door raised this error itself (its `details.reason` is one of `AGENT_REASONS`). */
export function isAgentReason(error: SessionError): boolean {
  return (Object.values(AGENT_REASONS) as unknown[]).includes(error.details.reason);
}

/** The answer to anything that is not an engine error: the generic message only, never the cause. */
export const INTERNAL_ERROR = new SessionError("INTERNAL");

export function unknownSession(): SessionError {
  return new SessionError("NOT_AUTHENTICATED", MESSAGES.UNKNOWN_SESSION, {
    details: { reason: AGENT_REASONS.unknownSession },
  });
}

export function notLoggedIn(message = MESSAGES.NOT_LOGGED_IN): SessionError {
  return new SessionError("NOT_AUTHENTICATED", message, { details: { reason: AGENT_REASONS.notLoggedIn } });
}
