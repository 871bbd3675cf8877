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
 * The one error type the engine throws. The code carries the meaning; the message is safe to show a
 * client (it never contains secrets or another user's data). `details` holds machine-readable facts
 * that some wire forms need (for example the missing privilege for a vSphere `NoPermission` fault).
 */
export class SessionError extends Error {
  override readonly name = "SessionError";
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message ?? ERROR_CODES[code].message, { cause: options?.cause });
    this.code = code;
    this.details = options?.details ?? {};
  }

  /** The stable numeric id of this error's code. */
  get id(): number {
    return ERROR_CODES[this.code].id;
  }
}

export function isSessionError(value: unknown): value is SessionError {
  return value instanceof SessionError;
}
