/**
 * A one-time login ticket for a user (command line `user login-ticket`, JSON `POST
 * /realms/{realm}/users/{name}/login-ticket`): a secret that works once, within its lifetime, as that
 * user's password at any front door's login. Needs `Directory.Manage`. For handing a person a way in
 * without telling them a password, or for a link that signs an operator in.
 *
 * It is a local ticket without the file (see `acquire-local-ticket.ts`): the caller gets the secret
 * once, in the answer, and the store keeps only its digest, bound to the user. The audit log records
 * that one was issued, and by whom; never the ticket.
 */

import { resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { REALM_REFERENCE, USER_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { generateSecret } from "../secrets.ts";
import { storeLocalTicket } from "./_local-ticket.ts";

/** The longest a login ticket may live: it stands in for a password, so it should not lie around. */
export const MAX_LOGIN_TICKET_SECONDS = 3600;

export interface LoginTicket {
  /** The secret to give as the password; shown this once. */
  ticket: string;
  realm: string;
  userName: string;
  expiresAt: number;
}

export const issueLoginTicket = defineOperation({
  name: "directory.issueLoginTicket",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object(
    {
      name: USER_REFERENCE,
      realm: Type.Optional(REALM_REFERENCE),
      ttlSeconds: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: MAX_LOGIN_TICKET_SECONDS,
          description: "How long the ticket works (default: sessions.localTicketTtlSeconds, 60)",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<LoginTicket> {
    const { realm, userName } = await resolveLoginName(ctx, input.name, input.realm);
    const user = await ctx.store.getUser(realm.name, userName);
    if (!user) throw new SessionError("NOT_FOUND", "No such user.");
    if (user.disabled) throw new SessionError("INVALID_REQUEST", "The user is disabled: enable it first.");
    const ttlSeconds = input.ttlSeconds ?? ctx.limits.localTicketTtlSeconds;
    const ticket = generateSecret("base64url");
    const expiresAt = await storeLocalTicket(ctx, realm.name, user.name, ticket, ttlSeconds);
    await ctx.audit("login-ticket-issued", {
      realm: realm.name,
      userName: user.name,
      detail: `valid for ${ttlSeconds} s`,
    });
    return { ticket, realm: realm.name, userName: user.name, expiresAt };
  },
});
