/**
 * Logs in as another user without their password (vSphere `ImpersonateUser`, Agent `sessionm/login_as`,
 * JSON `POST /impersonate`). Needs `Sessions.ImpersonateUser`; the session records who impersonated.
 * Into a new session by default; `inPlace: true` turns the caller's own session into the user's, as
 * vSphere describes it.
 */

import { resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { checkLocale } from "../locale.ts";
import { defineOperation } from "../operation.ts";
import { type NewSessionOptions, parseNewSessionOptions } from "../sessions.ts";
import { asObject, onlyFields, optionalBoolean, optionalString, requiredString } from "../validate.ts";
import { completeLogin, type LoginResult } from "./login.ts";

export const impersonate = defineOperation({
  name: "session.impersonate",
  auth: "user",
  privilege: "Sessions.ImpersonateUser",
  parse(
    raw: unknown,
  ): NewSessionOptions & { userName: string; locale?: string | undefined; inPlace?: boolean | undefined } {
    const input = asObject(raw);
    onlyFields(input, [
      "userName",
      "locale",
      "inPlace",
      "realm",
      "idleTimeoutSeconds",
      "binding",
      "secretFormat",
      "client",
    ]);
    return {
      ...parseNewSessionOptions(input),
      userName: requiredString(input, "userName", { max: 200 }),
      locale: optionalString(input, "locale", { max: 16 }),
      inPlace: optionalBoolean(input, "inPlace"),
    };
  },
  async run(ctx, input): Promise<LoginResult> {
    const { realm, userName } = await resolveLoginName(ctx, input.userName, input.realm);
    const locale = input.locale === undefined ? undefined : checkLocale(input.locale, realm.supportedLocales);
    const user = await ctx.store.getUser(realm.name, userName);
    if (!user || user.disabled) throw new SessionError("INVALID_LOGIN", "No such user can be impersonated.");
    const actor = ctx.caller.user ? `${ctx.caller.user.name}@${ctx.caller.user.realm}` : "(local administrator)";
    return completeLogin(ctx, realm, user, { ...input, newSession: !input.inPlace, replaceUser: true }, locale, actor);
  },
});
