/** Lists the users of a realm (command line `user list`). Needs `Directory.Manage`. */

import { defineOperation } from "../operation.ts";
import { asObject, onlyFields, optionalString } from "../validate.ts";
import { type UserView, userView } from "../views.ts";

export const listUsers = defineOperation({
  name: "directory.listUsers",
  auth: "user",
  privilege: "Directory.Manage",
  parse(raw: unknown): { realm?: string | undefined } {
    const input = asObject(raw);
    onlyFields(input, ["realm"]);
    return { realm: optionalString(input, "realm", { max: 63 }) };
  },
  async run(ctx, input): Promise<UserView[]> {
    const realm = input.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(input.realm);
    return (await ctx.store.listUsers(realm.name)).map(userView);
  },
});
