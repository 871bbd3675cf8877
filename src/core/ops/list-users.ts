/**
 * Lists the users of a realm, a page at a time in number order (command line `user list`, JSON `GET
 * /realms/{realm}/users`). Needs `Directory.Manage`. A page reads only the users it returns.
 */

import { AFTER_NUMBER, PAGE_LIMIT, REALM_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { type UserView, userView } from "../views.ts";
import { DEFAULT_PAGE_LIMIT, pageOf } from "./_directory-changes.ts";

export const listUsers = defineOperation({
  name: "directory.listUsers",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object(
    { realm: Type.Optional(REALM_REFERENCE), after: Type.Optional(AFTER_NUMBER), limit: Type.Optional(PAGE_LIMIT) },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<{ users: UserView[]; nextAfter: number | null }> {
    const realm = input.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(input.realm);
    const limit = input.limit ?? DEFAULT_PAGE_LIMIT;
    const fetched = await ctx.store.listUsers(realm.name, input.after ?? null, limit + 1);
    const page = pageOf(fetched, limit, (user) => user.number);
    return { users: page.items.map(userView), nextAfter: page.nextAfter };
  },
});
