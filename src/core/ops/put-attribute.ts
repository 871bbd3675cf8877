/**
 * Sets one attribute of the caller's own session (AstroGrid session state, JSON
 * `PUT /session/attributes/{name}`). Values are text; the session's total is limited.
 */

import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { ATTRIBUTE_NAME, checkedAttributeName, writeAttributes } from "./_attributes.ts";

export const putAttribute = defineOperation({
  name: "attributes.put",
  auth: "session",
  input: Type.Object({ name: ATTRIBUTE_NAME, value: Type.String() }, { additionalProperties: false }),
  refine: (input) => ({ name: checkedAttributeName(input.name), value: input.value }),
  async run(ctx, input): Promise<{ name: string; bytes: number }> {
    await writeAttributes(ctx, [[input.name, input.value]]);
    return { name: input.name, bytes: Buffer.byteLength(input.value, "utf8") };
  },
});
