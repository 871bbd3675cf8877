/**
 * Ends the session a secret names (AstroGrid `dispose(id)` from another session). Holding a session's
 * secret is holding the session, so its holder may end it as its own client could. A server-bound
 * session (the AstroGrid default session) lives as long as the server: it is left alone. An unknown
 * or ended secret is no error. Answers whether a session was ended.
 */

import { SECRET } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { digestSecret } from "../secrets.ts";

export const disposeBySecret = defineOperation({
  name: "session.disposeBySecret",
  auth: "session",
  input: Type.Object({ secret: SECRET }, { additionalProperties: false }),
  async run(ctx, input): Promise<{ ended: boolean }> {
    const session = await ctx.sessions.find({ digest: digestSecret(input.secret) });
    if (!session || session.binding?.kind === "server") return { ended: false };
    const own = session.key === ctx.caller.session?.key;
    return {
      ended: await ctx.endSession(session.key, "disposed", own ? "Ended by its own client." : "Disposed by id."),
    };
  },
});
