/**
 * Sets one attribute of the caller's own session (AstroGrid session state, JSON
 * `PUT /session/attributes/{name}`). Values are text; the session's total is limited.
 */

import { defineOperation } from "../operation.ts";
import { asObject, invalid, onlyFields } from "../validate.ts";
import { parseAttributeName, writeAttributes } from "./_attributes.ts";

export const putAttribute = defineOperation({
  name: "attributes.put",
  auth: "session",
  parse(raw: unknown): { name: string; value: string } {
    const input = asObject(raw);
    onlyFields(input, ["name", "value"]);
    if (typeof input.value !== "string") throw invalid("value", "must be a string");
    return { name: parseAttributeName(input), value: input.value };
  },
  async run(ctx, input): Promise<{ name: string; bytes: number }> {
    await writeAttributes(ctx, [[input.name, input.value]]);
    return { name: input.name, bytes: Buffer.byteLength(input.value, "utf8") };
  },
});
