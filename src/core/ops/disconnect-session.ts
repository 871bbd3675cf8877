/**
 * Ends a session by its public number the way LysKOM's `disconnect` does (httpkom
 * `DELETE /sessions/{n}`): 0 or the caller's own number ends the caller's own session, logged in or
 * not; any other number needs a logged-in caller, and may be one of the same user's sessions or,
 * with `Sessions.TerminateSession`, anyone's.
 *
 * Errors carry `details.reason` for wire forms that name them: `NOT_AUTHENTICATED`
 * `"login-required"`, and with the number as `details.id`, `NOT_FOUND` `"undefined-session"` and
 * `NO_PERMISSION` `"permission-denied"`.
 */

import { SessionError } from "../errors.ts";
import { SESSION_NUMBER } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { maySeeAllSessions, ownsSession } from "./_visibility.ts";

export const disconnectSession = defineOperation({
  name: "session.disconnect",
  auth: "session",
  input: Type.Object({ number: SESSION_NUMBER }, { additionalProperties: false }),
  async run(ctx, input): Promise<{ number: number; own: boolean }> {
    const caller = ctx.caller;
    const own = caller.session;
    if (!own) throw new SessionError("NOT_AUTHENTICATED", undefined, { reason: "no-session" });
    if (input.number === 0 || input.number === own.number) {
      await ctx.endSession(own.key, "disposed", "Ended by its own client.");
      return { number: own.number, own: true };
    }
    if (!caller.user) {
      throw new SessionError("NOT_AUTHENTICATED", "Ending another session needs a logged-in session: log in first.", {
        reason: "login-required",
      });
    }
    const target = await ctx.sessions.find({ number: input.number });
    if (!target) {
      throw new SessionError("NOT_FOUND", "No such session.", {
        reason: "undefined-session",
        details: { id: input.number },
      });
    }
    if (!maySeeAllSessions(caller) && !ownsSession(caller, target)) {
      throw new SessionError(
        "NO_PERMISSION",
        "Ending another user's session needs the Sessions.TerminateSession privilege.",
        { reason: "permission-denied", details: { id: input.number, privilegeId: "Sessions.TerminateSession" } },
      );
    }
    await ctx.endSession(target.key, "terminated");
    return { number: target.number, own: false };
  },
});
