/** Sets the session's locale and message locale (vSphere `SetLocale`, JSON `PUT /session/locale`). */

import { SessionError } from "../errors.ts";
import { checkLocale } from "../locale.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { type SessionView, sessionView } from "../views.ts";

export const setLocale = defineOperation({
  name: "session.setLocale",
  auth: "session",
  input: Type.Object({ locale: Type.String({ minLength: 1, maxLength: 16 }) }, { additionalProperties: false }),
  async run(ctx, input): Promise<SessionView> {
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    const realm = await ctx.realm(session.realm);
    const locale = checkLocale(input.locale, realm.supportedLocales);
    const updated = await ctx.sessions.update(session.key, { locale, messageLocale: locale });
    if (!updated) throw new SessionError("NOT_AUTHENTICATED");
    ctx.emit("locale-changed", updated, { detail: locale });
    return sessionView(updated, ctx.caller.user?.fullName ?? null);
  },
});
