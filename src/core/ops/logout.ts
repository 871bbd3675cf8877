/** Logs the user out; the session itself stays, anonymous (httpkom `current/logout`, JSON `POST /session/logout`). */

import { SessionError } from "../errors.ts";
import { NO_INPUT } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { type SessionView, sessionView } from "../views.ts";

export const logout = defineOperation({
  name: "session.logout",
  auth: "user",
  input: NO_INPUT,
  async run(ctx): Promise<SessionView> {
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    const updated = await ctx.sessions.update(session.key, { userName: null, loginAt: null, impersonatedBy: null });
    if (!updated) throw new SessionError("NOT_AUTHENTICATED");
    ctx.emit("logout", session);
    return sessionView(updated);
  },
});
