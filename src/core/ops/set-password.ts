/**
 * Changes a user's password (command line `user passwd`). Needs `Directory.Manage`, or is the
 * caller's own password. Every other session of the user ends: a changed password means whoever
 * knew the old one must be shut out.
 */

import { resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { defineOperation, type OpContext } from "../operation.ts";
import { asObject, onlyFields, optionalString, requiredString } from "../validate.ts";

export const setPassword = defineOperation({
  name: "directory.setPassword",
  auth: "user",
  parse(raw: unknown): { name: string; realm?: string | undefined; password: string } {
    const input = asObject(raw);
    onlyFields(input, ["name", "realm", "password"]);
    return {
      name: requiredString(input, "name", { max: 200 }),
      realm: optionalString(input, "realm", { max: 63 }),
      password: requiredString(input, "password", { max: 1024 }),
    };
  },
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
    return { sessionsEnded: await endSessionsOfUser(ctx, realm.name, userName, "The password changed.") };
  },
});

/** Ends every session of a user except the caller's own; returns how many ended. */
export async function endSessionsOfUser(
  ctx: OpContext,
  realm: string,
  userName: string,
  detail: string,
): Promise<number> {
  const keys: string[] = [];
  let after: number | null = null;
  do {
    const page = await ctx.sessions.list({ realm, userName }, after, 500);
    keys.push(...page.sessions.map((s) => s.key).filter((key) => key !== ctx.caller.session?.key));
    after = page.nextAfter;
  } while (after !== null);
  let ended = 0;
  for (const key of keys) if (await ctx.endSession(key, "terminated", detail)) ended += 1;
  return ended;
}
