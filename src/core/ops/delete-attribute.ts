/** Deletes one attribute of the caller's own session (JSON `DELETE /session/attributes/{name}`). */

import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { asObject, onlyFields } from "../validate.ts";
import { checkAttributeName, parseAttributeName } from "./_attributes.ts";

export const deleteAttribute = defineOperation({
  name: "attributes.delete",
  auth: "session",
  parse(raw: unknown): { name: string } {
    const input = asObject(raw);
    onlyFields(input, ["name"]);
    return { name: parseAttributeName(input) };
  },
  async run(ctx, input): Promise<{ deleted: boolean }> {
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    checkAttributeName(input.name, ctx.limits);
    return { deleted: await ctx.store.deleteAttribute(session.key, input.name) };
  },
});
