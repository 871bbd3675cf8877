/**
 * Sets several attributes of the caller's own session as one change (Agent `sessionm/put`, whose
 * one call may carry many key/value pairs): all of them are written, or none when one is refused.
 */

import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { ATTRIBUTE_NAME, checkedAttributeName, writeAttributes } from "./_attributes.ts";

/** Far above any sensible batch, and above the default attribute count, so the limits decide. */
const MAX_ENTRIES = 4096;

export const putAttributes = defineOperation({
  name: "attributes.putMany",
  auth: "session",
  input: Type.Object(
    {
      entries: Type.Array(
        Type.Object({ name: ATTRIBUTE_NAME, value: Type.String() }, { additionalProperties: false }),
        {
          minItems: 1,
          maxItems: MAX_ENTRIES,
          errorMessage: `must be a list of 1 to ${MAX_ENTRIES} {name, value} objects`,
        },
      ),
    },
    { additionalProperties: false },
  ),
  refine: (input): { entries: [string, string][] } => ({
    entries: input.entries.map(({ name, value }, i) => [checkedAttributeName(name, `entries[${i}].name`), value]),
  }),
  async run(ctx, input): Promise<{ written: number }> {
    await writeAttributes(ctx, input.entries);
    return { written: input.entries.length };
  },
});
