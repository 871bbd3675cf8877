/**
 * Lists the users of a realm, a page at a time (command line `user list`, JSON `GET
 * /realms/{realm}/users`, the console's users page). Needs `Directory.Manage`. In number order; or,
 * with `prefix`, those whose name starts with it, in name order, across the whole realm. Either way a
 * page reads only the users it returns: number order from the (realm, number) index, a search from the
 * (realm, name) one.
 */

import { AFTER_NAME, AFTER_NUMBER, NAME_PREFIX, PAGE_LIMIT, REALM_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { type UserView, userView } from "../views.ts";
import { byName, checkedDirectoryPage, DEFAULT_PAGE_LIMIT, pageOf } from "./_directory-changes.ts";

export const listUsers = defineOperation({
  name: "directory.listUsers",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object(
    {
      realm: Type.Optional(REALM_REFERENCE),
      after: Type.Optional(AFTER_NUMBER),
      prefix: Type.Optional(NAME_PREFIX),
      afterName: Type.Optional(AFTER_NAME),
      limit: Type.Optional(PAGE_LIMIT),
    },
    { additionalProperties: false },
  ),
  refine: (input) => checkedDirectoryPage(input),
  async run(ctx, input): Promise<{ users: UserView[]; nextAfter: number | null; nextAfterName: string | null }> {
    const realm = input.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(input.realm);
    const limit = input.limit ?? DEFAULT_PAGE_LIMIT;
    if (byName(input)) {
      const fetched = await ctx.store.listUsersByName(
        realm.name,
        input.prefix ?? "",
        input.afterName ?? null,
        limit + 1,
      );
      const page = pageOf(fetched, limit, (user) => user.name);
      return { users: page.items.map(userView), nextAfter: null, nextAfterName: page.nextAfter };
    }
    const fetched = await ctx.store.listUsers(realm.name, input.after ?? null, limit + 1);
    const page = pageOf(fetched, limit, (user) => user.number);
    return { users: page.items.map(userView), nextAfter: page.nextAfter, nextAfterName: null };
  },
});
