/**
 * Lists the groups of a realm, a page at a time in number order (JSON `GET /realms/{realm}/groups`).
 * Needs `Directory.Manage`.
 */

import { AFTER_NUMBER, PAGE_LIMIT, REALM_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import type { Group } from "../types.ts";
import { DEFAULT_PAGE_LIMIT, pageOf } from "./_directory-changes.ts";

export const listGroups = defineOperation({
  name: "directory.listGroups",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object(
    { realm: Type.Optional(REALM_REFERENCE), after: Type.Optional(AFTER_NUMBER), limit: Type.Optional(PAGE_LIMIT) },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<{ groups: Group[]; nextAfter: number | null }> {
    const realm = input.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(input.realm);
    const limit = input.limit ?? DEFAULT_PAGE_LIMIT;
    const fetched = await ctx.store.listGroups(realm.name, input.after ?? null, limit + 1);
    const page = pageOf(fetched, limit, (group) => group.number);
    return { groups: page.items, nextAfter: page.nextAfter };
  },
});
