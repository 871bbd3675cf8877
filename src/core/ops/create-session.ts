/**
 * Creates a session (httpkom `POST /sessions/`, AstroGrid `createNewSession`, JSON `POST /sessions`):
 * anonymous, or, for trusted in-process callers only, already logged in as `userName` (the AstroGrid
 * default session of `astrogrid.defaultUser`). No password is checked then: only the server itself can
 * ask, as it can for server-bound sessions.
 */

import { admitAnonymousSession, limitAnonymousSession } from "../anonymous-limits.ts";
import { namedRealm, resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { type Static, Type } from "../schema.ts";
import { buildSession, insertSession, NEW_SESSION_INPUT } from "../sessions.ts";
import { type SessionView, sessionView } from "../views.ts";

const CreateSessionInputSchema = Type.Object(
  {
    ...NEW_SESSION_INPUT,
    userName: Type.Optional(
      Type.String({ maxLength: 200, description: "Log the new session in as this user (trusted callers only)" }),
    ),
  },
  { additionalProperties: false },
);

export type CreateSessionInput = Static<typeof CreateSessionInputSchema>;

export const createSession = defineOperation({
  name: "session.create",
  auth: "none",
  input: CreateSessionInputSchema,
  async run(ctx, options): Promise<{ secret: string; session: SessionView }> {
    if (options.userName === undefined) {
      const realm = (await namedRealm(ctx, options.realm, options.realmId)) ?? (await ctx.defaultRealm());
      // A stranger's session: within what one address may hold, with a short idle timeout.
      await admitAnonymousSession(ctx);
      const { record, secret } = await buildSession(ctx, realm, options, null);
      limitAnonymousSession(ctx, record);
      await insertSession(ctx, record);
      return { secret, session: sessionView(record) };
    }
    if (!ctx.caller.context.trusted) {
      throw new SessionError("INVALID_REQUEST", "Only the server itself may create a logged-in session this way.");
    }
    const { realm, userName } = await resolveLoginName(ctx, options.userName, options.realm, options.realmId);
    const user = await ctx.store.getUser(realm.name, userName);
    if (!user || user.disabled) {
      throw new SessionError("NOT_FOUND", "No such user (or the user is disabled).", {
        details: { realm: realm.name, userName },
      });
    }
    const { record, secret } = await buildSession(ctx, realm, options, { name: user.name });
    await insertSession(ctx, record);
    return { secret, session: sessionView(record, user.fullName) };
  },
});
