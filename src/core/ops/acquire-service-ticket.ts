/**
 * A service ticket (vSphere `AcquireGenericServiceTicket`): a single-use, short-lived secret that
 * authorizes one request to one service as the caller's session, for a client that hands the request
 * to another program which must not hold the session itself. The front door names the service as a
 * `scope` text (for example `http GET /sdk/vim25/8.0.3.0/SessionManager/SessionManager/currentSession`)
 * and presents the ticket with the scopes of a later request (`CallContext.serviceTicket`). A ticket
 * is not a session and never shows in session lists.
 */

import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { generateSecret, serviceTicketDigest } from "../secrets.ts";

export const acquireServiceTicket = defineOperation({
  name: "ticket.service",
  auth: "user",
  input: Type.Object(
    { scope: Type.String({ minLength: 1, maxLength: 2048, description: "What the ticket may be used for" }) },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<{ ticket: string; expiresAt: number }> {
    const session = ctx.caller.session;
    if (!session || session.userName === null) throw new SessionError("NOT_AUTHENTICATED");
    const ticket = generateSecret("hex40");
    const expiresAt = ctx.clock.now() + ctx.limits.serviceTicketTtlSeconds * 1000;
    await ctx.store.insertTicket({
      digest: serviceTicketDigest(input.scope, ticket),
      kind: "service",
      realm: session.realm,
      userName: session.userName,
      sessionKey: session.key,
      expiresAt,
    });
    return { ticket, expiresAt };
  },
});
