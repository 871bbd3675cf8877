/** One user (JSON `GET /realms/{realm}/users/{name}`). Needs `Directory.Manage`. */

import { resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { REALM_REFERENCE, USER_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { type UserView, userView } from "../views.ts";

export const getUser = defineOperation({
  name: "directory.getUser",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object({ name: USER_REFERENCE, realm: Type.Optional(REALM_REFERENCE) }, { additionalProperties: false }),
  async run(ctx, input): Promise<UserView> {
    const { realm, userName } = await resolveLoginName(ctx, input.name, input.realm);
    const user = await ctx.store.getUser(realm.name, userName);
    if (!user) throw new SessionError("NOT_FOUND", "No such user.");
    return userView(user);
  },
});
