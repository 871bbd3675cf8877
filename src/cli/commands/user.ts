/**
 * `sessiond user add|list|passwd|delete`: manage users in the data directory's store. Passwords are
 * read from the terminal (echo off) or from standard input, never from the command line.
 *
 * @module
 */

import { deleteUser, listUsers, putUser, setPassword } from "../../core/ops/index.ts";
import { LOCAL_ADMIN } from "../../server/provision.ts";
import { type Command, type CommandOptions, configFlags, listFlag, stringFlag } from "../command.ts";
import { loadConfig } from "../config-sources.ts";
import { withLocalEngine } from "../local-engine.ts";
import { isoTime, printJson, printTable } from "../output.ts";
import { readNewPassword } from "../password-input.ts";

const realmOption: CommandOptions = {
  realm: { type: "string", placeholder: "NAME", description: "Realm (default: the default realm)" },
};

export const userCommands: Command[] = [
  {
    name: "user add",
    usage: "user add NAME [--realm R] [--full-name TEXT] [--privilege P]... [--group G]... [--no-password]",
    summary: "Create a user. The password is asked for twice on a terminal, or read from standard input.",
    positionals: [1, 1],
    options: {
      ...realmOption,
      "full-name": { type: "string", placeholder: "TEXT", description: "Full name shown in session lists" },
      number: {
        type: "string",
        placeholder: "N",
        description: "User number (httpkom pers_no, Agent RID); default: next free",
      },
      privilege: {
        type: "string",
        multiple: true,
        placeholder: "NAME",
        description: "Privilege, e.g. Sessions.TerminateSession",
      },
      group: { type: "string", multiple: true, placeholder: "NAME", description: "Group membership" },
      "no-password": {
        type: "boolean",
        description: "Create the user without a password (log in by local ticket only)",
      },
    },
    async run(input) {
      const config = loadConfig(configFlags(input), input.env);
      const password = input.values["no-password"] ? undefined : await readNewPassword();
      const number = stringFlag(input, "number");
      if (number !== undefined && !/^\d+$/.test(number)) throw new Error("--number must be a whole number.");
      const user = await withLocalEngine(config, (engine) =>
        engine.call(putUser, LOCAL_ADMIN, {
          name: input.positionals[0],
          realm: stringFlag(input, "realm"),
          fullName: stringFlag(input, "full-name"),
          number: number === undefined ? undefined : Number(number),
          privileges: listFlag(input, "privilege"),
          groups: listFlag(input, "group"),
          password,
          mode: "create",
        }),
      );
      process.stdout.write(`sessiond: created user ${user.name} (number ${user.number}) in realm ${user.realm}\n`);
      return 0;
    },
  },
  {
    name: "user list",
    usage: "user list [--realm R] [--json]",
    summary: "List the users of a realm.",
    options: { ...realmOption, json: { type: "boolean", description: "Print JSON" } },
    async run(input) {
      const config = loadConfig(configFlags(input), input.env);
      const users = await withLocalEngine(config, (engine) =>
        engine.call(listUsers, LOCAL_ADMIN, { realm: stringFlag(input, "realm") }),
      );
      if (input.values.json) printJson(users);
      else {
        printTable(
          users.map((u) => ({
            ...u,
            privileges: u.privileges.join(","),
            groups: u.groups.join(","),
            created: isoTime(u.createdAt),
          })),
          ["number", "name", "fullName", "groups", "privileges", "disabled", "created"],
        );
      }
      return 0;
    },
  },
  {
    name: "user passwd",
    usage: "user passwd NAME [--realm R]",
    summary: "Set a user's password. The user's sessions end: whoever knew the old password is shut out.",
    positionals: [1, 1],
    options: realmOption,
    async run(input) {
      const config = loadConfig(configFlags(input), input.env);
      const password = await readNewPassword();
      const result = await withLocalEngine(config, (engine) =>
        engine.call(setPassword, LOCAL_ADMIN, {
          name: input.positionals[0],
          realm: stringFlag(input, "realm"),
          password,
        }),
      );
      process.stdout.write(`sessiond: password changed; ${result.sessionsEnded} session(s) ended\n`);
      return 0;
    },
  },
  {
    name: "user delete",
    usage: "user delete NAME [--realm R]",
    summary: "Delete a user and end their sessions.",
    positionals: [1, 1],
    options: realmOption,
    async run(input) {
      const config = loadConfig(configFlags(input), input.env);
      const result = await withLocalEngine(config, (engine) =>
        engine.call(deleteUser, LOCAL_ADMIN, { name: input.positionals[0], realm: stringFlag(input, "realm") }),
      );
      process.stdout.write(`sessiond: user deleted; ${result.sessionsEnded} session(s) ended\n`);
      return 0;
    },
  },
];
