/**
 * Sets several attributes of the caller's own session as one change (Agent `sessionm/put`, whose
 * one call may carry many key/value pairs): all of them are written, or none when one is refused.
 */

import { defineOperation } from "../operation.ts";
import { asObject, invalid, onlyFields } from "../validate.ts";
import { parseAttributeName, writeAttributes } from "./_attributes.ts";

/** Far above any sensible batch, and above the default attribute count, so the limits decide. */
const MAX_ENTRIES = 4096;

export const putAttributes = defineOperation({
  name: "attributes.putMany",
  auth: "session",
  parse(raw: unknown): { entries: [string, string][] } {
    const input = asObject(raw);
    onlyFields(input, ["entries"]);
    const list = input.entries;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ENTRIES) {
      throw invalid("entries", `must be a list of 1 to ${MAX_ENTRIES} {name, value} objects`);
    }
    const entries = list.map((item, i): [string, string] => {
      const entry = asObject(item, `entries[${i}]`);
      onlyFields(entry, ["name", "value"], `entries[${i}]`);
      if (typeof entry.value !== "string") throw invalid(`entries[${i}].value`, "must be a string");
      return [parseAttributeName(entry, `entries[${i}].name`), entry.value];
    });
    return { entries };
  },
  async run(ctx, input): Promise<{ written: number }> {
    await writeAttributes(ctx, input.entries);
    return { written: input.entries.length };
  },
});
