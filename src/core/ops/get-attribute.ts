/** Reads one attribute of the caller's own session (Agent `sessionm/get`, JSON `GET /session/attributes/{name}`). */

import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { asObject, onlyFields } from "../validate.ts";
import { checkAttributeName, parseAttributeName } from "./_attributes.ts";

export const getAttribute = defineOperation({
  name: "attributes.get",
  auth: "session",
  serviceTicket: true,
  parse(raw: unknown): { name: string } {
    const input = asObject(raw);
    onlyFields(input, ["name"]);
    return { name: parseAttributeName(input) };
  },
  async run(ctx, input): Promise<{ name: string; value: string | null }> {
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    checkAttributeName(input.name, ctx.limits);
    return { name: input.name, value: await ctx.store.getAttribute(session.key, input.name) };
  },
});
