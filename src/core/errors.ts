/**
 * The error catalogue: the only error class of the engine and every code it can carry.
 *
 * Each front door maps every code to its own wire form with a `Record<ErrorCode, ...>`, so adding a
 * code here without mapping it everywhere fails to compile. Ids are stable once released: clients and
 * operators may match on them. `docs/errors.md` lists the same table and a test keeps the two in step.
 *
 * @module
 */

export const ERROR_CODES = {
  MALFORMED_REQUEST: { id: 1000, message: "The request could not be parsed." },
  INVALID_ARGUMENT: { id: 1001, message: "An argument is missing or has an invalid value." },
  UNKNOWN_METHOD: { id: 1002, message: "No such method or route." },
  INVALID_LOGIN: { id: 1100, message: "Cannot complete login due to an incorrect user name or password." },
  NOT_AUTHENTICATED: { id: 1101, message: "No valid session: log in first." },
  NO_PERMISSION: { id: 1102, message: "Permission to perform this operation was denied." },
  INVALID_LOCALE: { id: 1103, message: "The locale is not supported by this realm." },
  LOGIN_THROTTLED: { id: 1104, message: "Too many failed logins: try again later." },
  NOT_FOUND: { id: 1200, message: "The object was not found." },
  ALREADY_EXISTS: { id: 1201, message: "The object already exists." },
  INVALID_REQUEST: { id: 1202, message: "The request is not allowed in this state or from this caller." },
  NOT_SUPPORTED: { id: 1203, message: "The operation is not supported." },
  LIMIT_EXCEEDED: { id: 1204, message: "A configured limit was exceeded." },
  STORE_UNAVAILABLE: { id: 1300, message: "The session store is unavailable; try again later." },
  INTERNAL: { id: 1999, message: "Internal error." },
} as const satisfies Record<string, { id: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** All codes, in catalogue order. */
export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as ErrorCode[];

/**
 * Why, more exactly than its code says, the core raised an error: the cases some wire forms tell
 * apart (httpkom answers "no session" 403 but "log in first" 401). Each reason belongs to one code,
 * and the constructor refuses at compile time a reason that is not its code's. A front door that
 * refines errors maps every reason with a `Record<ErrorReason, ...>`, so a new reason must be decided
 * for in each of them.
 */
export const ERROR_REASONS = {
  "no-session": {
    code: "NOT_AUTHENTICATED",
    means: "No live session: no secret, or an unknown, ended or expired one.",
  },
  "login-required": { code: "NOT_AUTHENTICATED", means: "A live session that is not logged in." },
  "undefined-person": { code: "INVALID_LOGIN", means: "No user has the number a login named." },
  "invalid-password": { code: "INVALID_LOGIN", means: "The user exists; the password is wrong." },
  "undefined-session": { code: "NOT_FOUND", means: "No live session has the number named." },
  "name-not-found": { code: "NOT_FOUND", means: "No user matches a typed name." },
  "name-ambiguous": { code: "INVALID_ARGUMENT", means: "Several users match a typed name." },
  "bad-name": { code: "INVALID_ARGUMENT", means: "A name with nothing to make a user name of." },
  "permission-denied": { code: "NO_PERMISSION", means: "Another user's session, without the privilege to end it." },
  "self-registration-disabled": { code: "NO_PERMISSION", means: "The realm does not let callers create users." },
  "person-exists": { code: "ALREADY_EXISTS", means: "A user with that name exists already." },
  "node-id-taken": { code: "ALREADY_EXISTS", means: "A live node holds this node id." },
  "logged-in-elsewhere": { code: "INVALID_REQUEST", means: "A logged-in session cannot log in to another realm." },
  "service-ticket": { code: "INVALID_REQUEST", means: "A service ticket may only read." },
  "session-of-another-door": {
    code: "INVALID_REQUEST",
    means: "An anonymous session made by another front door cannot be logged in through one that keeps its id.",
  },
  fenced: { code: "STORE_UNAVAILABLE", means: "This node lost its lease on the shared store." },
  "clock-skew": { code: "STORE_UNAVAILABLE", means: "This node's clock is too far from the store's." },
} as const satisfies Record<string, { code: ErrorCode; means: string }>;

export type ErrorReason = keyof typeof ERROR_REASONS;

/** The reasons that belong to code `C`. */
export type ReasonOf<C extends ErrorCode> = {
  [R in ErrorReason]: (typeof ERROR_REASONS)[R]["code"] extends C ? R : never;
}[ErrorReason];

/** All reasons, in catalogue order. */
export const ERROR_REASON_NAMES = Object.keys(ERROR_REASONS) as ErrorReason[];

export interface SessionErrorOptions<C extends ErrorCode> {
  cause?: unknown;
  /** The exact case, for front doors that tell it apart; also found as `details.reason`. */
  reason?: ReasonOf<C>;
  details?: Record<string, unknown>;
}

/**
 * The one error type the engine throws. The code carries the meaning; the message is safe to show a
 * client (it never contains secrets or another user's data). `details` holds machine-readable facts
 * that some wire forms need (for example the missing privilege for a vSphere `NoPermission` fault).
 */
class SessionErrorClass extends Error {
  override readonly name = "SessionError";
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  /** The exact case, when the core says it (see `ERROR_REASONS`). */
  readonly reason: ErrorReason | undefined;

  constructor(code: ErrorCode, message?: string, options?: SessionErrorOptions<ErrorCode>) {
    super(message ?? ERROR_CODES[code].message, { cause: options?.cause });
    this.code = code;
    this.reason = options?.reason;
    this.details =
      options?.reason === undefined ? (options?.details ?? {}) : { ...options.details, reason: options.reason };
  }

  /** The stable numeric id of this error's code. */
  get id(): number {
    return ERROR_CODES[this.code].id;
  }
}

/** `new SessionError(code, message, { reason })` accepts only a reason of that code. */
export interface SessionErrorConstructor {
  new <C extends ErrorCode>(code: C, message?: string, options?: SessionErrorOptions<C>): SessionErrorClass;
  readonly prototype: SessionErrorClass;
}

export const SessionError = SessionErrorClass as SessionErrorConstructor;
export type SessionError = SessionErrorClass;

export function isSessionError(value: unknown): value is SessionError {
  return value instanceof SessionError;
}
