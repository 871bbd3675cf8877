/** Reads one attribute of the caller's own session (Agent `sessionm/get`, JSON `GET /session/attributes/{name}`). */

import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { ATTRIBUTE_NAME, checkAttributeName, checkedAttributeName } from "./_attributes.ts";

export const getAttribute = defineOperation({
  name: "attributes.get",
  auth: "session",
  serviceTicket: true,
  input: Type.Object({ name: ATTRIBUTE_NAME }, { additionalProperties: false }),
  refine: (input) => ({ name: checkedAttributeName(input.name) }),
  async run(ctx, input): Promise<{ name: string; value: string | null }> {
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    checkAttributeName(input.name, ctx.limits);
    return { name: input.name, value: await ctx.store.getAttribute(session.key, input.name) };
  },
});
