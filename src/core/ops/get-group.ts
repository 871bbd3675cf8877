/** One group (JSON `GET /realms/{realm}/groups/{name}`). Needs `Directory.Manage`. */

import { SessionError } from "../errors.ts";
import { GROUP_REFERENCE, REALM_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import type { Group } from "../types.ts";

export const getGroup = defineOperation({
  name: "directory.getGroup",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object({ name: GROUP_REFERENCE, realm: Type.Optional(REALM_REFERENCE) }, { additionalProperties: false }),
  async run(ctx, input): Promise<Group> {
    const realm = input.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(input.realm);
    const group = await ctx.store.getGroup(realm.name, input.name);
    if (!group) throw new SessionError("NOT_FOUND", "No such group.");
    return group;
  },
});
