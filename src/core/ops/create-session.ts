/**
 * Creates a session (httpkom `POST /sessions/`, AstroGrid `createNewSession`, JSON `POST /sessions`):
 * anonymous, or, for trusted in-process callers only, already logged in as `userName` (the AstroGrid
 * default session of `astrogrid.defaultUser`). No password is checked then: only the server itself can
 * ask, as it can for server-bound sessions.
 */

import { namedRealm, resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import {
  buildSession,
  insertSession,
  NEW_SESSION_FIELDS,
  type NewSessionOptions,
  parseNewSessionOptions,
} from "../sessions.ts";
import { asObject, onlyFields, optionalString } from "../validate.ts";
import { type SessionView, sessionView } from "../views.ts";

export interface CreateSessionInput extends NewSessionOptions {
  /** Log the new session in as this user (`name` or `name@realm`); trusted callers only. */
  userName?: string | undefined;
}

export const createSession = defineOperation({
  name: "session.create",
  auth: "none",
  parse(raw: unknown): CreateSessionInput {
    const input = asObject(raw);
    onlyFields(input, [...NEW_SESSION_FIELDS, "userName"]);
    return { ...parseNewSessionOptions(input), userName: optionalString(input, "userName", { max: 200 }) };
  },
  async run(ctx, options): Promise<{ secret: string; session: SessionView }> {
    if (options.userName === undefined) {
      const realm = (await namedRealm(ctx, options.realm, options.realmId)) ?? (await ctx.defaultRealm());
      const { record, secret } = await buildSession(ctx, realm, options, null);
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
