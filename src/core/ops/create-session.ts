/** Creates an anonymous session (httpkom `POST /sessions/`, AstroGrid `createNewSession`, JSON `POST /sessions`). */

import { defineOperation } from "../operation.ts";
import { buildSession, insertSession, type NewSessionOptions, parseNewSessionOptions } from "../sessions.ts";
import { asObject, onlyFields } from "../validate.ts";
import { type SessionView, sessionView } from "../views.ts";

export const createSession = defineOperation({
  name: "session.create",
  auth: "none",
  parse(raw: unknown): NewSessionOptions {
    const input = asObject(raw);
    onlyFields(input, ["realm", "idleTimeoutSeconds", "binding", "secretFormat", "client"]);
    return parseNewSessionOptions(input);
  },
  async run(ctx, options): Promise<{ secret: string; session: SessionView }> {
    const realm = options.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(options.realm);
    const { record, secret } = await buildSession(ctx, realm, options, null);
    await insertSession(ctx, record);
    return { secret, session: sessionView(record) };
  },
});
