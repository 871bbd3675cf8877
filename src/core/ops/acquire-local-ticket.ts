/**
 * A local ticket (vSphere `AcquireLocalTicket`, JSON `POST /tickets/local`): a one-time password for
 * a user, written to a file that only the OS user of the same name can read. Offered to callers on
 * loopback only: whoever can read the file proves they are that user on this machine. The command
 * line logs in this way, so operators type no password.
 */

import { resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { LOGIN_NAME, REALM_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { generateSecret } from "../secrets.ts";
import { storeLocalTicket } from "./_local-ticket.ts";

export const acquireLocalTicket = defineOperation({
  name: "ticket.local",
  auth: "none",
  input: Type.Object({ userName: LOGIN_NAME, realm: Type.Optional(REALM_REFERENCE) }, { additionalProperties: false }),
  async run(ctx, input): Promise<{ userName: string; passwordFilePath: string; expiresAt: number }> {
    if (!ctx.caller.context.isLoopback && !ctx.caller.context.trusted) {
      throw new SessionError("INVALID_REQUEST", "Local tickets are offered only to callers on this machine.");
    }
    const write = ctx.ports.writeLocalTicket;
    if (!write) throw new SessionError("NOT_SUPPORTED", "This server cannot write local tickets.");
    const { realm, userName } = await resolveLoginName(ctx, input.userName, input.realm);
    const user = await ctx.store.getUser(realm.name, userName);
    if (!user || user.disabled) throw new SessionError("INVALID_LOGIN", "No such user.");
    const ticket = generateSecret("hex40");
    const expiresAt = await storeLocalTicket(ctx, realm.name, user.name, ticket, ctx.limits.localTicketTtlSeconds);
    const passwordFilePath = await write(user.name, ticket);
    return { userName: user.name, passwordFilePath, expiresAt };
  },
});
