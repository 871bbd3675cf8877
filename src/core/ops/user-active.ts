/**
 * The explicit "the user is active" signal (httpkom `current/active`, JSON `POST /session/active`):
 * it resets the idle timer like any call and also records the user's last activity.
 */

import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { asObject, onlyFields } from "../validate.ts";

export const userActive = defineOperation({
  name: "session.userActive",
  auth: "session",
  parse(raw: unknown): Record<string, never> {
    onlyFields(asObject(raw), []);
    return {};
  },
  async run(ctx): Promise<{ userActiveAt: number }> {
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    ctx.recordUserActivity(session);
    return { userActiveAt: ctx.clock.now() };
  },
});
