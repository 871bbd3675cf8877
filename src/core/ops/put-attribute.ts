/**
 * Sets one attribute of the caller's own session (Agent `sessionm/put`, AstroGrid session state,
 * JSON `PUT /session/attributes/{name}`). Values are text; the session's total is limited.
 */

import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { asObject, invalid, onlyFields } from "../validate.ts";
import { checkAttributeName, parseAttributeName } from "./_attributes.ts";

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
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    const name = input.name;
    checkAttributeName(name, ctx.limits);
    const bytes = Buffer.byteLength(input.value, "utf8");
    if (bytes > ctx.limits.maxAttributeValueBytes) {
      throw new SessionError(
        "LIMIT_EXCEEDED",
        `An attribute value may hold at most ${ctx.limits.maxAttributeValueBytes} bytes.`,
      );
    }
    const result = await ctx.store.putAttribute(session.key, name, input.value, {
      maxCount: ctx.limits.maxAttributes,
      maxTotalBytes: ctx.limits.maxAttributeTotalBytes,
    });
    if (result === "no-session") throw new SessionError("NOT_AUTHENTICATED");
    if (result === "limit") {
      throw new SessionError(
        "LIMIT_EXCEEDED",
        `A session may hold at most ${ctx.limits.maxAttributes} attributes and ${ctx.limits.maxAttributeTotalBytes} bytes of them.`,
      );
    }
    return { name, bytes };
  },
});
