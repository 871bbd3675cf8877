/**
 * Lists the realms with their settings, a page at a time in name order (command line `realm list`,
 * JSON `GET /realms`). Needs `Directory.Manage`: a realm's policy is for operators. Anyone may see the
 * realms' names and locales (`listPublicRealms`).
 */

import { MAX_REALM_NAME_LENGTH, PAGE_LIMIT } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { type RealmView, realmView } from "../views.ts";
import { DEFAULT_PAGE_LIMIT, pageOf } from "./_directory-changes.ts";

export const listRealms = defineOperation({
  name: "directory.listRealms",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object(
    {
      after: Type.Optional(
        Type.String({ maxLength: MAX_REALM_NAME_LENGTH, description: "The `nextAfter` of the previous page" }),
      ),
      limit: Type.Optional(PAGE_LIMIT),
    },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<{ realms: RealmView[]; nextAfter: string | null }> {
    const limit = input.limit ?? DEFAULT_PAGE_LIMIT;
    const page = pageOf(await ctx.store.listRealms(input.after ?? null, limit + 1), limit, (realm) => realm.name);
    const defaultName = (await ctx.defaultRealm()).name;
    return { realms: page.items.map((realm) => realmView(realm, defaultName)), nextAfter: page.nextAfter };
  },
});
