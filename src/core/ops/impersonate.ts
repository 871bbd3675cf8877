/**
 * Logs in as another user without their password (vSphere `ImpersonateUser`, Agent `sessionm/login_as`,
 * JSON `POST /impersonate`), named by name or by number (an Agent SID carries the number). Needs
 * `Sessions.ImpersonateUser`; the session records who impersonated.
 * Into a new session by default; `inPlace: true` turns the caller's own session into the user's, as
 * vSphere describes it.
 */

import { namedRealm, resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { LOCALE, LOGIN_NAME } from "../fields.ts";
import { checkLocale } from "../locale.ts";
import { defineOperation } from "../operation.ts";
import { type Static, Type } from "../schema.ts";
import { NEW_SESSION_INPUT } from "../sessions.ts";
import type { Realm, User } from "../types.ts";
import { invalid } from "../validate.ts";
import { completeLogin, type LoginResult } from "./login.ts";

const ImpersonateInputSchema = Type.Object(
  {
    userName: Type.Optional(LOGIN_NAME),
    userNumber: Type.Optional(Type.Integer({ minimum: 0, description: "The user by number instead of by name" })),
    locale: Type.Optional(LOCALE),
    inPlace: Type.Optional(Type.Boolean({ description: "Turn the caller's own session into the user's" })),
    identity: Type.Optional(Type.Boolean({ description: "Answer `identity` too, as login does" })),
    ...NEW_SESSION_INPUT,
  },
  { additionalProperties: false },
);

/** The user by name (`name` or `name@realm`), or by number with `userNumber`: one of the two. */
export type ImpersonateInput = Static<typeof ImpersonateInputSchema>;

export const impersonate = defineOperation({
  name: "session.impersonate",
  auth: "user",
  privilege: "Sessions.ImpersonateUser",
  input: ImpersonateInputSchema,
  refine(input) {
    if ((input.userName === undefined) === (input.userNumber === undefined)) {
      throw invalid("userName or userNumber", "must be given, not both");
    }
    return input;
  },
  async run(ctx, input): Promise<LoginResult> {
    let realm: Realm;
    let user: User | null;
    if (input.userName !== undefined) {
      const named = await resolveLoginName(ctx, input.userName, input.realm, input.realmId);
      realm = named.realm;
      user = await ctx.store.getUser(realm.name, named.userName);
    } else {
      realm = (await namedRealm(ctx, input.realm, input.realmId)) ?? (await ctx.defaultRealm());
      user = await ctx.store.getUserByNumber(realm.name, input.userNumber ?? -1);
    }
    const locale = input.locale === undefined ? undefined : checkLocale(input.locale, realm.supportedLocales);
    if (!user || user.disabled) throw new SessionError("INVALID_LOGIN", "No such user can be impersonated.");
    // A call without a user here is the server's own (the command line on its data directory).
    const actor = ctx.actor ?? "(local administrator)";
    return completeLogin(ctx, realm, user, { ...input, newSession: !input.inPlace, replaceUser: true }, locale, actor);
  },
});
