/**
 * Another session's attributes, as an operator sees them (the console's session detail): the names
 * alone, or with `reveal` their values too. Attributes are a session's private state, so reading the
 * values is written to the audit log (`attributes-revealed`), naming the session but never a value.
 */

import { SessionError } from "../errors.ts";
import { SESSION_KEY } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";

export const sessionAttributes = defineOperation({
  name: "session.attributes",
  auth: "user",
  privilege: "Sessions.TerminateSession",
  input: Type.Object(
    {
      key: SESSION_KEY,
      reveal: Type.Optional(Type.Boolean({ description: "Answer the values too (audited)" })),
    },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<{ names: string[]; values: Record<string, string> | null }> {
    const session = await ctx.sessions.find({ key: input.key });
    if (!session) throw new SessionError("NOT_FOUND", "No such live session.");
    const attributes = await ctx.store.listAttributes(session.key);
    const names = Object.keys(attributes).sort();
    if (!input.reveal) return { names, values: null };
    await ctx.audit("attributes-revealed", {
      realm: session.realm,
      userName: session.userName,
      detail: `The attributes of session ${session.number} (${session.key}): ${names.join(", ") || "none"}.`,
    });
    return { names, values: attributes };
  },
});
