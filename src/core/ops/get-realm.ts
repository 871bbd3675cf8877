/** One realm with its settings (JSON `GET /realms/{realm}`). Needs `Directory.Manage`. */

import { REALM_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { type RealmView, realmView } from "../views.ts";

export const getRealm = defineOperation({
  name: "directory.getRealm",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object({ name: REALM_REFERENCE }, { additionalProperties: false }),
  async run(ctx, input): Promise<RealmView> {
    return realmView(await ctx.realm(input.name), (await ctx.defaultRealm()).name);
  },
});
