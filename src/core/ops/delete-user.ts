/**
 * Deletes a user and ends their sessions (command line `user delete`, JSON `DELETE
 * /realms/{realm}/users/{name}`). Needs `Directory.Manage`.
 */

import { resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { REALM_REFERENCE, USER_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { endSessionsOfUser } from "./set-password.ts";

export const deleteUser = defineOperation({
  name: "directory.deleteUser",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object({ name: USER_REFERENCE, realm: Type.Optional(REALM_REFERENCE) }, { additionalProperties: false }),
  async run(ctx, input): Promise<{ sessionsEnded: number }> {
    const { realm, userName } = await resolveLoginName(ctx, input.name, input.realm);
    if (!(await ctx.store.deleteUser(realm.name, userName))) throw new SessionError("NOT_FOUND", "No such user.");
    await ctx.audit("user-deleted", { realm: realm.name, userName });
    return { sessionsEnded: await endSessionsOfUser(ctx, realm.name, userName, "The user was deleted.") };
  },
});
