/**
 * One session by key or number (JSON `GET /sessions/{key}`). The full view for one's own user's
 * sessions or with `Sessions.TerminateSession`; with only `Sessions.ValidateSession`, just whether it
 * is active and whose it is; otherwise `NOT_FOUND`, so that keys of others cannot be probed.
 */

import { SessionError } from "../errors.ts";
import { SESSION_KEY } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { invalid } from "../validate.ts";
import { type SessionView, sessionView } from "../views.ts";
import { maySee } from "./_visibility.ts";

export const inspectSession = defineOperation({
  name: "session.inspect",
  auth: "user",
  serviceTicket: true,
  input: Type.Object(
    { key: Type.Optional(SESSION_KEY), number: Type.Optional(Type.Integer({ minimum: 1 })) },
    { additionalProperties: false },
  ),
  refine(input) {
    if ((input.key === undefined) === (input.number === undefined))
      throw invalid("key or number", "must be given, not both");
    return input;
  },
  async run(ctx, input): Promise<{ active: true; session?: SessionView; userName: string | null }> {
    const session = await ctx.sessions.find(
      input.key !== undefined ? { key: input.key } : { number: input.number ?? 0 },
    );
    const caller = ctx.caller;
    if (session && maySee(caller, session)) {
      const user = session.userName === null ? null : await ctx.store.getUser(session.realm, session.userName);
      return { active: true, session: sessionView(session, user?.fullName ?? null), userName: session.userName };
    }
    if (session && caller.privileges.has("Sessions.ValidateSession"))
      return { active: true, userName: session.userName };
    throw new SessionError("NOT_FOUND", "No such live session.");
  },
});
