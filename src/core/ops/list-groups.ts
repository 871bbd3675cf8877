/**
 * Lists the groups of a realm, a page at a time (JSON `GET /realms/{realm}/groups`, the console's
 * groups page). Needs `Directory.Manage`. In number order; or, with `prefix`, those whose name starts
 * with it, in name order, across the whole realm, as `directory.listUsers` lists users.
 */

import { AFTER_NAME, AFTER_NUMBER, NAME_PREFIX, PAGE_LIMIT, REALM_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import type { Group } from "../types.ts";
import { byName, checkedDirectoryPage, DEFAULT_PAGE_LIMIT, pageOf } from "./_directory-changes.ts";

export const listGroups = defineOperation({
  name: "directory.listGroups",
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
  async run(ctx, input): Promise<{ groups: Group[]; nextAfter: number | null; nextAfterName: string | null }> {
    const realm = input.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(input.realm);
    const limit = input.limit ?? DEFAULT_PAGE_LIMIT;
    if (byName(input)) {
      const fetched = await ctx.store.listGroupsByName(
        realm.name,
        input.prefix ?? "",
        input.afterName ?? null,
        limit + 1,
      );
      const page = pageOf(fetched, limit, (group) => group.name);
      return { groups: page.items, nextAfter: null, nextAfterName: page.nextAfter };
    }
    const fetched = await ctx.store.listGroups(realm.name, input.after ?? null, limit + 1);
    const page = pageOf(fetched, limit, (group) => group.number);
    return { groups: page.items, nextAfter: page.nextAfter, nextAfterName: null };
  },
});
