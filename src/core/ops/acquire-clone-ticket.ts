/**
 * A clone ticket (vSphere `AcquireCloneTicket`, JSON `POST /session/clone-ticket`): a single-use,
 * short-lived secret that another client turns into a new session of the same user with
 * `cloneSession`. A ticket is not a session and never shows in session lists.
 */

import { SessionError } from "../errors.ts";
import { NO_INPUT } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { digestSecret, generateSecret } from "../secrets.ts";

export const acquireCloneTicket = defineOperation({
  name: "ticket.clone",
  auth: "user",
  input: NO_INPUT,
  async run(ctx): Promise<{ ticket: string; expiresAt: number }> {
    const session = ctx.caller.session;
    if (!session || session.userName === null) throw new SessionError("NOT_AUTHENTICATED");
    const ticket = generateSecret("hex40");
    const expiresAt = ctx.clock.now() + ctx.limits.cloneTicketTtlSeconds * 1000;
    await ctx.store.insertTicket({
      digest: digestSecret(ticket),
      kind: "clone",
      realm: session.realm,
      userName: session.userName,
      sessionKey: session.key,
      expiresAt,
    });
    return { ticket, expiresAt };
  },
});
