/**
 * `sessiond user add|list|show|set|passwd|disable|enable|login-ticket|delete`: manage users. When a
 * server runs on this configuration the commands go through its API, so that a change takes effect at
 * once (a disabled user's sessions end there and then); otherwise they write the store (see
 * `admin-access.ts`). Passwords are read from the terminal (echo off) or from standard input, never
 * from the command line.
 *
 * @module
 */

import {
  deleteUser,
  getUser,
  issueLoginTicket,
  type LoginTicket,
  listUsers,
  putUser,
  setPassword,
  setUserDisabled,
} from "../../core/ops/index.ts";
import type { UserView } from "../../core/views.ts";
import { type AdminAccess, adminOptions, allPages, realmOrDefault, segment, withAdminAccess } from "../admin-access.ts";
import {
  type Command,
  type CommandInput,
  type CommandOptions,
  listFlag,
  stringFlag,
  wholeNumberFlag,
} from "../command.ts";
import { isoTime, printJson, printTable } from "../output.ts";
import { readNewPassword } from "../password-input.ts";

const realmOption: CommandOptions = {
  realm: { type: "string", placeholder: "NAME", description: "Realm (default: the default realm)" },
};

const userFields: CommandOptions = {
  "full-name": { type: "string", placeholder: "TEXT", description: "Full name shown in session lists" },
  privilege: {
    type: "string",
    multiple: true,
    placeholder: "NAME",
    description: "Privilege, e.g. Sessions.TerminateSession",
  },
  group: { type: "string", multiple: true, placeholder: "NAME", description: "Group membership" },
};

const jsonOption: CommandOptions = { json: { type: "boolean", description: "Print JSON" } };

/** The user a command names, and its route: `/realms/{realm}/users/{name}`. */
async function namedUser(input: CommandInput, access: AdminAccess) {
  const name = input.positionals[0] as string;
  const realm = await realmOrDefault(access, stringFlag(input, "realm"));
  return { name, realm, path: `/realms/${segment(realm)}/users/${segment(name)}` };
}

function printUsers(input: CommandInput, users: UserView[]): void {
  if (input.values.json) {
    printJson(users);
    return;
  }
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

export const userCommands: Command[] = [
  {
    name: "user add",
    usage: "user add NAME [--realm R] [--full-name TEXT] [--privilege P]... [--group G]... [--no-password]",
    summary: "Create a user. The password is asked for twice on a terminal, or read from standard input.",
    positionals: [1, 1],
    options: {
      ...realmOption,
      ...userFields,
      number: {
        type: "string",
        placeholder: "N",
        description: "User number (httpkom pers_no, Agent RID); default: next free",
      },
      "no-password": {
        type: "boolean",
        description: "Create the user without a password (log in by local ticket only)",
      },
      ...adminOptions,
    },
    async run(input) {
      const number = wholeNumberFlag(input, "number");
      const password = input.values["no-password"] ? undefined : await readNewPassword();
      const user = await withAdminAccess(input, async (access) => {
        const realm = await realmOrDefault(access, stringFlag(input, "realm"));
        const fields = {
          name: input.positionals[0],
          fullName: stringFlag(input, "full-name"),
          number,
          privileges: listFlag(input, "privilege"),
          groups: listFlag(input, "group"),
          password,
        };
        return access.run(
          putUser,
          { ...fields, realm, mode: "create" },
          { method: "POST", path: `/realms/${segment(realm)}/users`, body: fields },
        );
      });
      process.stdout.write(`sessiond: created user ${user.name} (number ${user.number}) in realm ${user.realm}\n`);
      return 0;
    },
  },
  {
    name: "user list",
    usage: "user list [--realm R] [--json]",
    summary: "List the users of a realm.",
    options: { ...realmOption, ...jsonOption, ...adminOptions },
    async run(input) {
      const users = await withAdminAccess(input, async (access) => {
        const realm = await realmOrDefault(access, stringFlag(input, "realm"));
        return allPages(async (after: number | null) => {
          const query = new URLSearchParams({ limit: "1000", ...(after === null ? {} : { after: String(after) }) });
          const page = await access.run(
            listUsers,
            { realm, limit: 1000, ...(after === null ? {} : { after }) },
            { method: "GET", path: `/realms/${segment(realm)}/users?${query}` },
          );
          return { items: page.users, nextAfter: page.nextAfter };
        });
      });
      printUsers(input, users);
      return 0;
    },
  },
  {
    name: "user show",
    usage: "user show NAME [--realm R] [--json]",
    summary: "Show one user.",
    positionals: [1, 1],
    options: { ...realmOption, ...jsonOption, ...adminOptions },
    async run(input) {
      const user = await withAdminAccess(input, async (access) => {
        const { name, realm, path } = await namedUser(input, access);
        return access.run(getUser, { name, realm }, { method: "GET", path });
      });
      printUsers(input, [user]);
      return 0;
    },
  },
  {
    name: "user set",
    usage: "user set NAME [--realm R] [--full-name TEXT] [--privilege P]... [--group G]...",
    summary: "Change a user: the privileges and groups given replace the user's; what is not given stays.",
    positionals: [1, 1],
    options: { ...realmOption, ...userFields, ...adminOptions },
    async run(input) {
      const user = await withAdminAccess(input, async (access) => {
        const { name, realm, path } = await namedUser(input, access);
        const fields = {
          fullName: stringFlag(input, "full-name"),
          privileges: listFlag(input, "privilege"),
          groups: listFlag(input, "group"),
        };
        return access.run(putUser, { ...fields, name, realm, mode: "update" }, { method: "PATCH", path, body: fields });
      });
      process.stdout.write(`sessiond: changed user ${user.name} in realm ${user.realm}\n`);
      return 0;
    },
  },
  {
    name: "user passwd",
    usage: "user passwd NAME [--realm R]",
    summary: "Set a user's password. The user's sessions end: whoever knew the old password is shut out.",
    positionals: [1, 1],
    options: { ...realmOption, ...adminOptions },
    async run(input) {
      const password = await readNewPassword();
      const result = await withAdminAccess(input, async (access) => {
        const { name, realm, path } = await namedUser(input, access);
        return access.run(
          setPassword,
          { name, realm, password },
          { method: "PUT", path: `${path}/password`, body: { password } },
        );
      });
      process.stdout.write(`sessiond: password changed; ${result.sessionsEnded} session(s) ended\n`);
      return 0;
    },
  },
  ...(["disable", "enable"] as const).map(
    (action): Command => ({
      name: `user ${action}`,
      usage: `user ${action} NAME [--realm R]`,
      summary:
        action === "disable"
          ? "Disable a user: it cannot log in, and its sessions end (at once when a server runs)."
          : "Enable a disabled user.",
      positionals: [1, 1],
      options: { ...realmOption, ...adminOptions },
      async run(input) {
        const result = await withAdminAccess(input, async (access) => {
          const { name, realm, path } = await namedUser(input, access);
          return access.run(
            setUserDisabled,
            { name, realm, disabled: action === "disable" },
            { method: "POST", path: `${path}/${action}` },
          );
        });
        process.stdout.write(
          `sessiond: user ${result.user.name} ${action}d; ${result.sessionsEnded} session(s) ended\n`,
        );
        return 0;
      },
    }),
  ),
  {
    name: "user login-ticket",
    usage: "user login-ticket NAME [--realm R] [--ttl SECONDS] [--json]",
    summary: "Make a one-time login ticket: the user's password for one login, printed only now.",
    positionals: [1, 1],
    options: {
      ...realmOption,
      ttl: { type: "string", placeholder: "SECONDS", description: "How long it works (default 60, at most 3600)" },
      ...jsonOption,
      ...adminOptions,
    },
    async run(input) {
      const ttlSeconds = wholeNumberFlag(input, "ttl");
      const ticket: LoginTicket = await withAdminAccess(input, async (access) => {
        const { name, realm, path } = await namedUser(input, access);
        const body = ttlSeconds === undefined ? {} : { ttlSeconds };
        return access.run(
          issueLoginTicket,
          { ...body, name, realm },
          { method: "POST", path: `${path}/login-ticket`, body },
        );
      });
      if (input.values.json) printJson(ticket);
      else {
        process.stdout.write(
          `${ticket.ticket}\nsessiond: one login as ${ticket.userName}@${ticket.realm} until ${isoTime(ticket.expiresAt)}\n`,
        );
      }
      return 0;
    },
  },
  {
    name: "user delete",
    usage: "user delete NAME [--realm R]",
    summary: "Delete a user and end their sessions.",
    positionals: [1, 1],
    options: { ...realmOption, ...adminOptions },
    async run(input) {
      const result = await withAdminAccess(input, async (access) => {
        const { name, realm, path } = await namedUser(input, access);
        return access.run(deleteUser, { name, realm }, { method: "DELETE", path });
      });
      process.stdout.write(`sessiond: user deleted; ${result.sessionsEnded} session(s) ended\n`);
      return 0;
    },
  },
];
