/** Creates or updates a group (configuration at start-up). Needs `Directory.Manage`. */

import { defineOperation } from "../operation.ts";
import { isPrivilege, type Privilege } from "../privileges.ts";
import type { Group } from "../types.ts";
import {
  asObject,
  invalid,
  NAME_PATTERN,
  onlyFields,
  optionalInteger,
  optionalString,
  optionalStringArray,
  requiredString,
} from "../validate.ts";

export const putGroup = defineOperation({
  name: "directory.putGroup",
  auth: "user",
  privilege: "Directory.Manage",
  parse(raw: unknown): {
    name: string;
    realm?: string | undefined;
    number?: number | undefined;
    privileges?: Privilege[] | undefined;
  } {
    const input = asObject(raw);
    onlyFields(input, ["name", "realm", "number", "privileges"]);
    const privileges = optionalStringArray(input, "privileges", { max: 64 });
    if (privileges && !privileges.every(isPrivilege)) throw invalid("privileges", "must name known privileges");
    return {
      name: requiredString(input, "name", { pattern: NAME_PATTERN }),
      realm: optionalString(input, "realm", { max: 63 }),
      number: optionalInteger(input, "number", { min: 0, max: 2 ** 31 - 1 }),
      privileges: privileges as Privilege[] | undefined,
    };
  },
  async run(ctx, input): Promise<Group> {
    const realm = input.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(input.realm);
    const existing = await ctx.store.getGroup(realm.name, input.name);
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
    await ctx.store.putGroup(group);
    return group;
  },
});
