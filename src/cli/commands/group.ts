/**
 * `sessiond group add|list|delete`: manage groups, whose privileges their members hold. Through the
 * running server's API when one runs on this configuration, otherwise in the store (see
 * `admin-access.ts`).
 *
 * @module
 */

import { deleteGroup, listGroups, putGroup } from "../../core/ops/index.ts";
import { adminOptions, allPages, realmOrDefault, segment, withAdminAccess } from "../admin-access.ts";
import { type Command, type CommandOptions, listFlag, stringFlag, wholeNumberFlag } from "../command.ts";
import { printJson, printTable } from "../output.ts";

const realmOption: CommandOptions = {
  realm: { type: "string", placeholder: "NAME", description: "Realm (default: the default realm)" },
};

export const groupCommands: Command[] = [
  {
    name: "group add",
    usage: "group add NAME [--realm R] [--number N] [--privilege P]...",
    summary: "Create a group; its members hold its privileges.",
    positionals: [1, 1],
    options: {
      ...realmOption,
      number: { type: "string", placeholder: "N", description: "Group number (gid); default: next free" },
      privilege: { type: "string", multiple: true, placeholder: "NAME", description: "Privilege the group grants" },
      ...adminOptions,
    },
    async run(input) {
      const fields = {
        name: input.positionals[0],
        number: wholeNumberFlag(input, "number"),
        privileges: listFlag(input, "privilege"),
      };
      const group = await withAdminAccess(input, async (access) => {
        const realm = await realmOrDefault(access, stringFlag(input, "realm"));
        return access.run(
          putGroup,
          { ...fields, realm, mode: "create" },
          { method: "POST", path: `/realms/${segment(realm)}/groups`, body: fields },
        );
      });
      process.stdout.write(`sessiond: created group ${group.name} (number ${group.number}) in realm ${group.realm}\n`);
      return 0;
    },
  },
  {
    name: "group list",
    usage: "group list [--realm R] [--json]",
    summary: "List the groups of a realm.",
    options: { ...realmOption, json: { type: "boolean", description: "Print JSON" }, ...adminOptions },
    async run(input) {
      const groups = await withAdminAccess(input, async (access) => {
        const realm = await realmOrDefault(access, stringFlag(input, "realm"));
        return allPages(async (after: number | null) => {
          const query = new URLSearchParams({ limit: "1000", ...(after === null ? {} : { after: String(after) }) });
          const page = await access.run(
            listGroups,
            { realm, limit: 1000, ...(after === null ? {} : { after }) },
            { method: "GET", path: `/realms/${segment(realm)}/groups?${query}` },
          );
          return { items: page.groups, nextAfter: page.nextAfter };
        });
      });
      if (input.values.json) printJson(groups);
      else
        printTable(
          groups.map((g) => ({ ...g, privileges: g.privileges.join(",") })),
          ["number", "name", "privileges"],
        );
      return 0;
    },
  },
  {
    name: "group delete",
    usage: "group delete NAME [--realm R]",
    summary: "Delete a group; its members lose what it granted at once.",
    positionals: [1, 1],
    options: { ...realmOption, ...adminOptions },
    async run(input) {
      const name = input.positionals[0] as string;
      const result = await withAdminAccess(input, async (access) => {
        const realm = await realmOrDefault(access, stringFlag(input, "realm"));
        return access.run(
          deleteGroup,
          { name, realm },
          { method: "DELETE", path: `/realms/${segment(realm)}/groups/${segment(name)}` },
        );
      });
      process.stdout.write(`sessiond: group deleted; struck from ${result.membersUpdated} member(s)\n`);
      return 0;
    },
  },
];
