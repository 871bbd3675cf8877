/** Checks and writes shared by the attribute operations. */

import type { SessionLimits } from "../config.ts";
import { SessionError } from "../errors.ts";
import type { OpContext } from "../operation.ts";
import { type Input, invalid } from "../validate.ts";

/** Longest name accepted at all; the configured limit may be lower. */
const HARD_NAME_LIMIT = 1024;

/** The `name` field of `input`; errors call it `label` (`entries[2].name` in a batch). */
export function parseAttributeName(input: Input, label = "name"): string {
  const name = input.name;
  if (typeof name !== "string" || name === "") throw invalid(label, "is required");
  if (name.length > HARD_NAME_LIMIT) throw invalid(label, `must be at most ${HARD_NAME_LIMIT} characters`);
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
  const result = await ctx.store.putAttributes(session.key, entries, {
    maxCount: limits.maxAttributes,
    maxTotalBytes: limits.maxAttributeTotalBytes,
  });
  if (result === "no-session") throw new SessionError("NOT_AUTHENTICATED");
  if (result === "limit") {
    throw new SessionError(
      "LIMIT_EXCEEDED",
      `A session may hold at most ${limits.maxAttributes} attributes and ${limits.maxAttributeTotalBytes} bytes of them.`,
    );
  }
}
