/**
 * The in-memory store's one rejection: the contract's `ALREADY_EXISTS`, worded alike by every part.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";

/** `ALREADY_EXISTS`, saying "`what` already exists." (`what`: "A session with this key", say). */
export function alreadyExists(what: string): SessionError {
  return new SessionError("ALREADY_EXISTS", `${what} already exists.`);
}
