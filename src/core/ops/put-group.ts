/**
 * Creates or updates a group (configuration at start-up, JSON `POST` and `PATCH
 * /realms/{realm}/groups`). Needs `Directory.Manage`. Its members' privileges change at once: the
 * engine forgets what it cached of the directory after every directory operation. A change is audited.
 */

import { PUT_GROUP_INPUT } from "../directory-input.ts";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import type { Static } from "../schema.ts";
import type { Group } from "../types.ts";
import { groupChanges } from "./_directory-changes.ts";

export type PutGroupInput = Static<typeof PUT_GROUP_INPUT> & { mode: "create" | "update" | "upsert" };

export const putGroup = defineOperation({
  name: "directory.putGroup",
  auth: "user",
  privilege: "Directory.Manage",
  input: PUT_GROUP_INPUT,
  refine: (input): PutGroupInput => ({ ...input, mode: input.mode ?? "create" }),
  async run(ctx, input): Promise<Group> {
    const realm = input.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(input.realm);
    const existing = await ctx.store.getGroup(realm.name, input.name);
    if (existing && input.mode === "create") {
      throw new SessionError("ALREADY_EXISTS", "A group with this name exists in the realm.");
    }
    if (!existing && input.mode === "update") throw new SessionError("NOT_FOUND", "No such group.");
    let number = input.number ?? existing?.number;
    if (number === undefined) {
      const groups = await ctx.store.listGroups(realm.name);
      number = groups.reduce((max, g) => Math.max(max, g.number + 1), 1);
    }
    const group: Group = {
      realm: realm.name,
      name: input.name,
      number,
      privileges: input.privileges ?? existing?.privileges ?? [],
    };
    const changes = groupChanges(existing, group);
    if (changes !== null) {
      await ctx.store.putGroup(group);
      await ctx.audit(existing ? "group-updated" : "group-created", { realm: realm.name, detail: changes });
    }
    return group;
  },
});
