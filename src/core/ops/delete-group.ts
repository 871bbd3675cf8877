/**
 * Deletes a group (JSON `DELETE /realms/{realm}/groups/{name}`). Needs `Directory.Manage`. Its members
 * lose what it granted at once, and the group is struck from their lists too: a group made later
 * under the same name must not hand its privileges to whoever was a member of this one.
 */

import { SessionError } from "../errors.ts";
import { GROUP_REFERENCE, REALM_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";

const MEMBER_PAGE = 500;

export const deleteGroup = defineOperation({
  name: "directory.deleteGroup",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object({ name: GROUP_REFERENCE, realm: Type.Optional(REALM_REFERENCE) }, { additionalProperties: false }),
  async run(ctx, input): Promise<{ membersUpdated: number }> {
    const realm = input.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(input.realm);
    if (!(await ctx.store.deleteGroup(realm.name, input.name))) throw new SessionError("NOT_FOUND", "No such group.");
    let membersUpdated = 0;
    let after: number | null = null;
    for (;;) {
      const users = await ctx.store.listUsers(realm.name, after, MEMBER_PAGE);
      for (const user of users) {
        if (!user.groups.includes(input.name)) continue;
        await ctx.store.putUser({ ...user, groups: user.groups.filter((name) => name !== input.name) });
        membersUpdated += 1;
      }
      const last = users[users.length - 1];
      if (users.length < MEMBER_PAGE || !last) break;
      after = last.number;
    }
    await ctx.audit("group-deleted", {
      realm: realm.name,
      detail: `group ${input.name}, struck from ${membersUpdated} member(s)`,
    });
    return { membersUpdated };
  },
});
