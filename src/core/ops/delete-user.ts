/** Deletes a user and ends their sessions (command line `user delete`). Needs `Directory.Manage`. */

import { resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { asObject, onlyFields, optionalString, requiredString } from "../validate.ts";
import { endSessionsOfUser } from "./set-password.ts";

export const deleteUser = defineOperation({
  name: "directory.deleteUser",
  auth: "user",
  privilege: "Directory.Manage",
  parse(raw: unknown): { name: string; realm?: string | undefined } {
    const input = asObject(raw);
    onlyFields(input, ["name", "realm"]);
    return { name: requiredString(input, "name", { max: 200 }), realm: optionalString(input, "realm", { max: 63 }) };
  },
  async run(ctx, input): Promise<{ sessionsEnded: number }> {
    const { realm, userName } = await resolveLoginName(ctx, input.name, input.realm);
    if (!(await ctx.store.deleteUser(realm.name, userName))) throw new SessionError("NOT_FOUND", "No such user.");
    return { sessionsEnded: await endSessionsOfUser(ctx, realm.name, userName, "The user was deleted.") };
  },
});
