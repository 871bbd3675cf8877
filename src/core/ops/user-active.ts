/**
 * The explicit "the user is active" signal (httpkom `current/active`, JSON `POST /session/active`):
 * it resets the idle timer like any call and also records the user's last activity.
 */

import { SessionError } from "../errors.ts";
import { NO_INPUT } from "../fields.ts";
import { defineOperation } from "../operation.ts";

export const userActive = defineOperation({
  name: "session.userActive",
  auth: "session",
  input: NO_INPUT,
  async run(ctx): Promise<{ userActiveAt: number }> {
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    ctx.recordUserActivity(session);
    return { userActiveAt: ctx.clock.now() };
  },
});
