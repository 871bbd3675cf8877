/** The caller's own session, user and privileges (vSphere `currentSession`, httpkom `who-am-i`, JSON `GET /session`). */

import { SessionError } from "../errors.ts";
import { NO_INPUT } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import type { Privilege } from "../privileges.ts";
import { type SessionView, sessionView, type UserView, userView } from "../views.ts";

export const whoAmI = defineOperation({
  name: "session.whoAmI",
  auth: "session",
  serviceTicket: true,
  input: NO_INPUT,
  async run(ctx): Promise<{ session: SessionView; user: UserView | null; privileges: Privilege[] }> {
    const { session, user, privileges } = ctx.caller;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    return {
      session: sessionView(session, user?.fullName ?? null),
      user: user ? userView(user) : null,
      privileges: [...privileges].sort(),
    };
  },
});
