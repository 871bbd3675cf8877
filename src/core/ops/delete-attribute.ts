/** Deletes one attribute of the caller's own session (JSON `DELETE /session/attributes/{name}`). */

import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { ATTRIBUTE_NAME, checkAttributeName, checkedAttributeName } from "./_attributes.ts";

export const deleteAttribute = defineOperation({
  name: "attributes.delete",
  auth: "session",
  input: Type.Object({ name: ATTRIBUTE_NAME }, { additionalProperties: false }),
  refine: (input) => ({ name: checkedAttributeName(input.name) }),
  async run(ctx, input): Promise<{ deleted: boolean }> {
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    checkAttributeName(input.name, ctx.limits);
    return { deleted: await ctx.store.deleteAttribute(session.key, input.name) };
  },
});
