/** Ends the caller's own session (vSphere `Logout`, Agent `sessionm/logout` of itself, AstroGrid `dispose`, JSON `DELETE /session`). */

import { SessionError } from "../errors.ts";
import { NO_INPUT } from "../fields.ts";
import { defineOperation } from "../operation.ts";

export const endSession = defineOperation({
  name: "session.end",
  auth: "session",
  input: NO_INPUT,
  async run(ctx): Promise<{ ended: boolean }> {
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    return { ended: await ctx.endSession(session.key, "disposed", "Ended by its own client.") };
  },
});
