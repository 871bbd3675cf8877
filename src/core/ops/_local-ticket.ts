/**
 * A local ticket: a one-time password of one user, stored only as its digest, that works once as the
 * password of a login until it expires (`verifyCredentials`). Made for vSphere's AcquireLocalTicket
 * and for operators (`issueLoginTicket`, `sessiond console-link`).
 */

import type { OpContext } from "../operation.ts";
import { localTicketDigest } from "../secrets.ts";

/** Stores the ticket's digest for the user of `realm`; answers when it expires (epoch ms). */
export async function storeLocalTicket(
  ctx: OpContext,
  realm: string,
  userName: string,
  ticket: string,
  ttlSeconds: number,
): Promise<number> {
  const expiresAt = ctx.clock.now() + ttlSeconds * 1000;
  await ctx.store.insertTicket({
    digest: localTicketDigest(realm, userName, ticket),
    kind: "local",
    realm,
    userName,
    sessionKey: null,
    expiresAt,
  });
  return expiresAt;
}
