/**
 * Errors the HTTP framework raises before a route runs (a body too large, of the wrong media type,
 * unreadable, or failing its schema), as engine errors, so that each front door answers them in its
 * own wire form like any other.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";

/** An engine error with the HTTP status the JSON form uses when it differs from its code's. */
export interface FrameworkFailure {
  error: SessionError;
  /** 413 for a body too large, 415 for a wrong media type; undefined: the code's own status. */
  status?: number;
}

interface FrameworkError {
  code?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  message?: unknown;
}

function asFrameworkError(error: unknown): FrameworkError | undefined {
  return typeof error === "object" && error !== null && "code" in error ? (error as FrameworkError) : undefined;
}

/** A door's own words for what went wrong, where it has them. */
export interface FrameworkWords {
  /** The largest body, named in the message of a body too large. */
  bodyLimit?: number;
  /** For a body that could not be read (the JSON API: "not valid JSON"). */
  unreadable?: string;
  /** For a body of a media type the route does not take. */
  mediaType?: string;
}

/**
 * The engine error for an error Fastify raised, or undefined for anything else (which is a bug:
 * log it and answer `INTERNAL`).
 */
export function frameworkFailure(error: unknown, words: FrameworkWords = {}): FrameworkFailure | undefined {
  const { bodyLimit } = words;
  const framework = asFrameworkError(error);
  if (!framework) return undefined;
  if (framework.validation) {
    const detail = typeof framework.message === "string" ? `: ${framework.message}` : "";
    return { error: new SessionError("INVALID_ARGUMENT", `Invalid request${detail}.`) };
  }
  if (framework.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    const message =
      bodyLimit === undefined ? "The request body is too large." : `The request is larger than ${bodyLimit} bytes.`;
    return { error: new SessionError("LIMIT_EXCEEDED", message), status: 413 };
  }
  if (framework.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return {
      error: new SessionError("MALFORMED_REQUEST", "The request body has a media type this route does not take."),
      status: 415,
    };
  }
  if (typeof framework.statusCode === "number" && framework.statusCode < 500) {
    return { error: new SessionError("MALFORMED_REQUEST", words.unreadable ?? "The request could not be read.") };
  }
  return undefined;
}
