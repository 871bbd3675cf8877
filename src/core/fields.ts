/**
 * Input fields several operations share, declared once with their limits. Operations compose their
 * input schemas from these (see `schema.ts`), so a limit changed here changes every door's checks,
 * the JSON API's schemas and the OpenAPI document together.
 *
 * @module
 */

import { PRIVILEGES } from "./privileges.ts";
import { choiceOf, Type } from "./schema.ts";
import { GUID_PATTERN, NAME_PATTERN, REALM_NAME_PATTERN } from "./validate.ts";

/** The longest realm name (realm names appear in URLs: httpkom `server_id`). */
export const MAX_REALM_NAME_LENGTH = 63;

/** No input at all: any field given is refused. */
export const NO_INPUT = Type.Object({}, { additionalProperties: false });

/** A user as a login names them: `name`, or `name@realm`. */
export const LOGIN_NAME = Type.String({ minLength: 1, maxLength: 200, description: "`name` or `name@realm`" });
/**
 * A user named by an operator: `name`, or `name@realm` when no realm is given. Unlike a new user's
 * name (`DIRECTORY_NAME`), any text is taken: an unknown name is `NOT_FOUND`, never a format error.
 */
export const USER_REFERENCE = Type.String({ minLength: 1, maxLength: 200 });
/** A group named by an operator; an unknown name is `NOT_FOUND`, never a format error. */
export const GROUP_REFERENCE = Type.String({ minLength: 1, maxLength: 200 });
/** A realm named by an operation's caller; an unknown name is `NOT_FOUND`, never a format error. */
export const REALM_REFERENCE = Type.String({ maxLength: MAX_REALM_NAME_LENGTH });
/** A password, or a local ticket in its place. */
export const PASSWORD = Type.String({ minLength: 1, maxLength: 1024 });
/** A locale as a client names it; whether the realm supports it is the operation's check. */
export const LOCALE = Type.String({ maxLength: 16, description: "Like `en` or `en_US`" });
/** A session's public key. */
export const SESSION_KEY = Type.String({ minLength: 1, maxLength: 64 });
/** A bearer secret presented as input (not as the caller's credential). */
export const SECRET = Type.String({ minLength: 1, maxLength: 256 });
/** A session's public number. */
export const SESSION_NUMBER = Type.Integer({ minimum: 0 });
/** A user's or group's number, chosen by an operator. */
export const DIRECTORY_NUMBER = Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 });

/** Names of new users and groups. */
export const DIRECTORY_NAME = Type.String({ minLength: 1, pattern: NAME_PATTERN.source });
/** Names of new realms. */
export const REALM_NAME = Type.String({ minLength: 1, pattern: REALM_NAME_PATTERN.source });
/** A realm's GUID. */
export const GUID = Type.String({ pattern: GUID_PATTERN.source });

/** Whether a directory write may only create, only update what exists, or do either. */
export const WRITE_MODE = choiceOf(["create", "update", "upsert"] as const, {
  description:
    "`create` (the default) refuses a name that exists; `update` refuses one that does not; `upsert` does either",
});

/** How many entries a page of a listing holds at most (default 100). */
export const PAGE_LIMIT = Type.Integer({ minimum: 1, maximum: 1000, description: "At most this many (default 100)" });

/** Where a listing by number goes on: the `nextAfter` of the previous page. */
export const AFTER_NUMBER = Type.Integer({ minimum: 0, description: "The `nextAfter` of the previous page" });
/**
 * The start of a user's or group's name, to search a realm by (case-sensitive, every character
 * literal). Any text is taken but NUL, which no name holds and PostgreSQL cannot compare.
 */
export const NAME_PREFIX = Type.String({
  maxLength: 64,
  pattern: "^[^\\u0000]*$",
  description: "Only names that start with this, case-sensitively; listed in name order",
});
/** Where a listing by name goes on: the `nextAfterName` of the previous page. */
export const AFTER_NAME = Type.String({
  maxLength: 64,
  pattern: "^[^\\u0000]*$",
  description: "The `nextAfterName` of the previous page",
});
/** Privileges granted to a user or group. */
export const PRIVILEGE_LIST = Type.Array(choiceOf(PRIVILEGES, { errorMessage: "is not a known privilege" }), {
  maxItems: 64,
});
