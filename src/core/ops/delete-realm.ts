/**
 * Deletes a realm with its users and groups, and ends every session in it (command line `realm
 * delete`, JSON `DELETE /realms/{realm}`). Needs `Directory.Manage`.
 *
 * The default realm cannot be deleted (logins that name no realm go there), nor the caller's own (an
 * operator would lock themself out mid-request). A realm the configuration file lists comes back, empty
 * of what was not listed, at the next start.
 */

import { SessionError } from "../errors.ts";
import { REALM_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";

export const deleteRealm = defineOperation({
  name: "directory.deleteRealm",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object({ name: REALM_REFERENCE }, { additionalProperties: false }),
  async run(ctx, input): Promise<{ sessionsEnded: number }> {
    const realm = await ctx.realm(input.name);
    if ((await ctx.defaultRealm()).name === realm.name) {
      throw new SessionError("INVALID_REQUEST", "The default realm cannot be deleted.");
    }
    if (ctx.caller.user?.realm === realm.name) {
      throw new SessionError("INVALID_REQUEST", "You are logged in to this realm: delete it from another realm.");
    }
    // The directory goes first, so that no new login can start in the realm while its sessions end.
    if (!(await ctx.store.deleteRealm(realm.name))) throw new SessionError("NOT_FOUND", "No such realm.");
    await ctx.audit("realm-deleted", { realm: realm.name });
    const keys: string[] = [];
    let after: number | null = null;
    do {
      const page = await ctx.sessions.list({ realm: realm.name }, after, 500);
      keys.push(...page.sessions.map((session) => session.key));
      after = page.nextAfter;
    } while (after !== null);
    let sessionsEnded = 0;
    for (const key of keys) if (await ctx.endSession(key, "terminated", "The realm was deleted.")) sessionsEnded += 1;
    return { sessionsEnded };
  },
});
