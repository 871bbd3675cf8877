/** Checks shared by the attribute operations. */

import type { SessionLimits } from "../config.ts";
import { type Input, invalid, requiredString } from "../validate.ts";

/** Longest name accepted at all; the configured limit may be lower. */
const HARD_NAME_LIMIT = 1024;

export function parseAttributeName(input: Input): string {
  const name = requiredString(input, "name", { max: HARD_NAME_LIMIT });
  // Control characters in names would make lists and logs ambiguous.
  if (/\p{Cc}/u.test(name)) throw invalid("name", "must not contain control characters");
  return name;
}

/** Refuses names longer than the configured limit, for reads too: such a name cannot exist. */
export function checkAttributeName(name: string, limits: SessionLimits): void {
  if (name.length > limits.maxAttributeNameLength) {
    throw invalid("name", `must be at most ${limits.maxAttributeNameLength} characters`);
  }
}
