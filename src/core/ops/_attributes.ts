/** Checks and writes shared by the attribute operations. */

import { attributeLimitsOf } from "../anonymous-limits.ts";
import type { SessionLimits } from "../config.ts";
import { SessionError } from "../errors.ts";
import type { OpContext } from "../operation.ts";
import { Type } from "../schema.ts";
import { invalid } from "../validate.ts";

/** Longest name accepted at all; the configured limit may be lower. */
const HARD_NAME_LIMIT = 1024;

/** An attribute's name as input; `checkedAttributeName` adds what a schema cannot say. */
export const ATTRIBUTE_NAME = Type.String({ minLength: 1, maxLength: HARD_NAME_LIMIT });

/** The name, refused when it holds control characters; errors call it `label` (`entries[2].name`). */
export function checkedAttributeName(name: string, label = "name"): string {
  // Control characters in names would make lists and logs ambiguous.
  if (/\p{Cc}/u.test(name)) throw invalid(label, "must not contain control characters");
  return name;
}

/** Refuses names longer than the configured limit, for reads too: such a name cannot exist. */
export function checkAttributeName(name: string, limits: SessionLimits, field = "name"): void {
  if (name.length > limits.maxAttributeNameLength) {
    throw invalid(field, `must be at most ${limits.maxAttributeNameLength} characters`);
  }
}

/**
 * Writes attributes of the caller's own session as one change: all of them, or (when a name, a value
 * or the session's limits refuse one) none.
 */
export async function writeAttributes(ctx: OpContext, entries: readonly (readonly [string, string])[]): Promise<void> {
  const session = ctx.caller.session;
  if (!session) throw new SessionError("NOT_AUTHENTICATED");
  const { limits } = ctx;
  for (const [name, value] of entries) {
    checkAttributeName(name, limits);
    if (Buffer.byteLength(value, "utf8") > limits.maxAttributeValueBytes) {
      throw new SessionError(
        "LIMIT_EXCEEDED",
        `An attribute value may hold at most ${limits.maxAttributeValueBytes} bytes.`,
      );
    }
  }
  // A session without a user holds less: what a stranger stores costs the server as much as anyone's.
  const quota = attributeLimitsOf(session, limits);
  const result = await ctx.store.putAttributes(session.key, entries, quota);
  if (result === "no-session") throw new SessionError("NOT_AUTHENTICATED");
  if (result === "limit") {
    const whose = session.userName === null ? "A session that is not logged in" : "A session";
    throw new SessionError(
      "LIMIT_EXCEEDED",
      `${whose} may hold at most ${quota.maxCount} attributes and ${quota.maxTotalBytes} bytes of them.`,
    );
  }
}
