/**
 * Turns a clone ticket into a new session of the same user (vSphere `CloneSession`, JSON
 * `POST /clone`). The ticket works once; the session it was taken from must still be live.
 */

import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { digestSecret } from "../secrets.ts";
import { NEW_SESSION_INPUT } from "../sessions.ts";
import { completeLogin, type LoginResult } from "./login.ts";

export const cloneSession = defineOperation({
  name: "session.clone",
  auth: "none",
  input: Type.Object(
    {
      ticket: Type.String({ minLength: 1, maxLength: 256 }),
      idleTimeoutSeconds: NEW_SESSION_INPUT.idleTimeoutSeconds,
      binding: NEW_SESSION_INPUT.binding,
      secretFormat: NEW_SESSION_INPUT.secretFormat,
      client: NEW_SESSION_INPUT.client,
    },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<LoginResult> {
    const ticket = await ctx.store.takeTicket(digestSecret(input.ticket), "clone", ctx.clock.now());
    const source = ticket?.sessionKey ? await ctx.sessions.find({ key: ticket.sessionKey }) : null;
    const user = ticket ? await ctx.store.getUser(ticket.realm, ticket.userName) : null;
    if (!ticket || !source || !user || user.disabled || source.userName !== user.name) {
      throw new SessionError("INVALID_LOGIN", "The clone ticket is unknown, used or expired.");
    }
    const realm = await ctx.realm(ticket.realm);
    // A clone of an impersonated session stays marked with who is really behind it.
    return completeLogin(
      ctx,
      realm,
      user,
      { ...input, realm: realm.name, newSession: true },
      source.locale,
      source.impersonatedBy,
    );
  },
});
