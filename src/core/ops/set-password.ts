/**
 * Changes a user's password (command line `user passwd`, JSON `PUT
 * /realms/{realm}/users/{name}/password`). Needs `Directory.Manage`, or is the caller's own password.
 * Every other session of the user ends: a changed password means whoever knew the old one must be
 * shut out. The audit log records that it changed, never what to.
 */

import { resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { PASSWORD, REALM_REFERENCE, USER_REFERENCE } from "../fields.ts";
import { defineOperation, type OpContext } from "../operation.ts";
import { Type } from "../schema.ts";

export const setPassword = defineOperation({
  name: "directory.setPassword",
  auth: "user",
  input: Type.Object(
    { name: USER_REFERENCE, realm: Type.Optional(REALM_REFERENCE), password: PASSWORD },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<{ sessionsEnded: number }> {
    const { realm, userName } = await resolveLoginName(ctx, input.name, input.realm);
    const caller = ctx.caller;
    const own = caller.user?.realm === realm.name && caller.user.name === userName;
    if (!own && !caller.privileges.has("Directory.Manage")) {
      throw new SessionError(
        "NO_PERMISSION",
        "Changing another user's password needs the Directory.Manage privilege.",
        {
          details: { privilegeId: "Directory.Manage" },
        },
      );
    }
    const user = await ctx.store.getUser(realm.name, userName);
    if (!user) throw new SessionError("NOT_FOUND", "No such user.");
    await ctx.store.putUser({ ...user, passwordHash: await ctx.hasher.hash(input.password) });
    await ctx.audit("password-changed", { realm: realm.name, userName });
    return {
      sessionsEnded: await endSessionsOfUser(ctx, realm.name, userName, "The password changed.", { keepCallers: true }),
    };
  },
});

/**
 * Ends every session of a user; returns how many ended. The caller's own session is kept when
 * `keepCallers` (changing one's own password should not log one out); a user who is disabled or
 * deleted keeps none, even the session that did it.
 */
export async function endSessionsOfUser(
  ctx: OpContext,
  realm: string,
  userName: string,
  detail: string,
  options: { keepCallers: boolean } = { keepCallers: false },
): Promise<number> {
  const keys: string[] = [];
  const kept = options.keepCallers ? ctx.caller.session?.key : undefined;
  let after: number | null = null;
  do {
    const page = await ctx.sessions.list({ realm, userName }, after, 500);
    keys.push(...page.sessions.map((s) => s.key).filter((key) => key !== kept));
    after = page.nextAfter;
  } while (after !== null);
  let ended = 0;
  for (const key of keys) if (await ctx.endSession(key, "terminated", detail)) ended += 1;
  return ended;
}
