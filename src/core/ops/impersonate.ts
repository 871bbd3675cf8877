/**
 * Logs in as another user without their password (vSphere `ImpersonateUser`, Agent `sessionm/login_as`,
 * JSON `POST /impersonate`), named by name or by number (an Agent SID carries the number). Needs
 * `Sessions.ImpersonateUser`; the session records who impersonated.
 * Into a new session by default; `inPlace: true` turns the caller's own session into the user's, as
 * vSphere describes it.
 */

import { namedRealm, resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { checkLocale } from "../locale.ts";
import { defineOperation } from "../operation.ts";
import { NEW_SESSION_FIELDS, type NewSessionOptions, parseNewSessionOptions } from "../sessions.ts";
import type { Realm, User } from "../types.ts";
import { asObject, invalid, onlyFields, optionalBoolean, optionalInteger, optionalString } from "../validate.ts";
import { completeLogin, type LoginResult } from "./login.ts";

export interface ImpersonateInput extends NewSessionOptions {
  /** The user by name (`name` or `name@realm`), or by number with `userNumber`. */
  userName?: string | undefined;
  userNumber?: number | undefined;
  locale?: string | undefined;
  inPlace?: boolean | undefined;
  /** Answer `identity` too, as login does. */
  identity?: boolean | undefined;
}

export const impersonate = defineOperation({
  name: "session.impersonate",
  auth: "user",
  privilege: "Sessions.ImpersonateUser",
  parse(raw: unknown): ImpersonateInput {
    const input = asObject(raw);
    onlyFields(input, ["userName", "userNumber", "locale", "inPlace", "identity", ...NEW_SESSION_FIELDS]);
    const userName = optionalString(input, "userName", { max: 200 });
    const userNumber = optionalInteger(input, "userNumber", { min: 0 });
    if (userName === "") throw invalid("userName", "is required");
    if ((userName === undefined) === (userNumber === undefined)) {
      throw invalid("userName or userNumber", "must be given, not both");
    }
    return {
      ...parseNewSessionOptions(input),
      userName,
      userNumber,
      locale: optionalString(input, "locale", { max: 16 }),
      inPlace: optionalBoolean(input, "inPlace"),
      identity: optionalBoolean(input, "identity"),
    };
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
    const actor = ctx.caller.user ? `${ctx.caller.user.name}@${ctx.caller.user.realm}` : "(local administrator)";
    return completeLogin(ctx, realm, user, { ...input, newSession: !input.inPlace, replaceUser: true }, locale, actor);
  },
});
