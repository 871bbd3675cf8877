/**
 * `sessiond realm add|list|show|set|delete`: manage realms. Through the running server's API when one
 * runs on this configuration, otherwise in the store (see `admin-access.ts`).
 *
 * @module
 */

import { DEFAULT_MAX_IDLE_TIMEOUT_SECONDS } from "../../core/config.ts";
import { deleteRealm, getRealm, listRealms, putRealm } from "../../core/ops/index.ts";
import type { RealmView } from "../../core/views.ts";
import { adminOptions, allPages, segment, withAdminAccess } from "../admin-access.ts";
import {
  type Command,
  type CommandInput,
  type CommandOptions,
  listFlag,
  stringFlag,
  wholeNumberFlag,
} from "../command.ts";
import { printJson, printTable } from "../output.ts";

const policyOptions: CommandOptions = {
  "default-locale": { type: "string", placeholder: "LOCALE", description: "Locale of new sessions (default en)" },
  locale: { type: "string", multiple: true, placeholder: "LOCALE", description: "Supported locale" },
  "idle-timeout": {
    type: "string",
    placeholder: "SECONDS",
    description: "Idle timeout of sessions (default 1800; 0: none)",
  },
  "max-idle-timeout": {
    type: "string",
    placeholder: "SECONDS",
    description: `Longest idle timeout a client may choose for its session (longer choices are cut; default ${DEFAULT_MAX_IDLE_TIMEOUT_SECONDS})`,
  },
  "max-lifetime": { type: "string", placeholder: "SECONDS", description: "Absolute cap on a session's life" },
  "max-sessions-per-user": { type: "string", placeholder: "N", description: "Cap on sessions per user" },
  "evict-oldest": {
    type: "boolean",
    description: "Over the cap, end the oldest session instead of refusing the login",
  },
};

const jsonOption: CommandOptions = { json: { type: "boolean", description: "Print JSON" } };

/** The realm settings the flags give; settings not given are left out. */
function policyOf(input: CommandInput): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    defaultLocale: stringFlag(input, "default-locale"),
    supportedLocales: listFlag(input, "locale"),
    idleTimeoutSeconds: wholeNumberFlag(input, "idle-timeout"),
    maxIdleTimeoutSeconds: wholeNumberFlag(input, "max-idle-timeout"),
    maxLifetimeSeconds: wholeNumberFlag(input, "max-lifetime"),
    maxSessionsPerUser: wholeNumberFlag(input, "max-sessions-per-user"),
    maxSessionsPolicy: input.values["evict-oldest"] ? "evict-oldest" : undefined,
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

function printRealms(input: CommandInput, realms: RealmView[]): void {
  if (input.values.json) {
    printJson(realms);
    return;
  }
  printTable(
    realms.map((r) => ({ ...r, locales: r.supportedLocales.join(","), idle: r.idleTimeoutSeconds || "none" })),
    ["name", "id", "defaultLocale", "locales", "idle", "maxSessionsPerUser"],
  );
}

export const realmCommands: Command[] = [
  {
    name: "realm add",
    usage:
      "realm add NAME [--id GUID] [--default-locale L] [--locale L]... [--idle-timeout SECONDS] [--max-idle-timeout SECONDS] [--max-lifetime SECONDS]",
    summary: "Create a realm: a namespace of users with its own session policy.",
    positionals: [1, 1],
    options: {
      id: { type: "string", placeholder: "GUID", description: "Realm GUID (default: random)" },
      ...policyOptions,
      ...adminOptions,
    },
    async run(input) {
      const fields = {
        name: input.positionals[0],
        id: stringFlag(input, "id"),
        maxIdleTimeoutSeconds: DEFAULT_MAX_IDLE_TIMEOUT_SECONDS,
        ...policyOf(input),
      };
      const realm = await withAdminAccess(input, (access) =>
        access.run(putRealm, { ...fields, mode: "create" }, { method: "POST", path: "/realms", body: fields }),
      );
      process.stdout.write(`sessiond: created realm ${realm.name} (${realm.id})\n`);
      return 0;
    },
  },
  {
    name: "realm list",
    usage: "realm list [--json]",
    summary: "List the realms.",
    options: { ...jsonOption, ...adminOptions },
    async run(input) {
      const realms = await withAdminAccess(input, (access) =>
        allPages(async (after: string | null) => {
          const query = new URLSearchParams({ limit: "1000", ...(after === null ? {} : { after }) });
          const page = await access.run(
            listRealms,
            { limit: 1000, ...(after === null ? {} : { after }) },
            { method: "GET", path: `/realms?${query}` },
          );
          return { items: page.realms, nextAfter: page.nextAfter };
        }),
      );
      printRealms(input, realms);
      return 0;
    },
  },
  {
    name: "realm show",
    usage: "realm show NAME [--json]",
    summary: "Show one realm and its session policy.",
    positionals: [1, 1],
    options: { ...jsonOption, ...adminOptions },
    async run(input) {
      const name = input.positionals[0] as string;
      const realm = await withAdminAccess(input, (access) =>
        access.run(getRealm, { name }, { method: "GET", path: `/realms/${segment(name)}` }),
      );
      if (input.values.json) printJson(realm);
      else {
        printTable(
          Object.entries(realm).map(([setting, value]) => ({
            setting,
            value: Array.isArray(value) ? value.join(",") : value,
          })),
          ["setting", "value"],
        );
      }
      return 0;
    },
  },
  {
    name: "realm set",
    usage: "realm set NAME [--default-locale L] [--locale L]... [--idle-timeout SECONDS] [--max-lifetime SECONDS] ...",
    summary: "Change a realm's session policy; settings not given keep their value.",
    positionals: [1, 1],
    options: { ...policyOptions, ...adminOptions },
    async run(input) {
      const name = input.positionals[0] as string;
      const settings = policyOf(input);
      const realm = await withAdminAccess(input, (access) =>
        access.run(
          putRealm,
          { ...settings, name, mode: "update" },
          { method: "PATCH", path: `/realms/${segment(name)}`, body: settings },
        ),
      );
      process.stdout.write(`sessiond: changed realm ${realm.name}\n`);
      return 0;
    },
  },
  {
    name: "realm delete",
    usage: "realm delete NAME",
    summary: "Delete a realm with its users and groups, and end its sessions.",
    positionals: [1, 1],
    options: adminOptions,
    async run(input) {
      const name = input.positionals[0] as string;
      const result = await withAdminAccess(input, (access) =>
        access.run(deleteRealm, { name }, { method: "DELETE", path: `/realms/${segment(name)}` }),
      );
      process.stdout.write(`sessiond: realm deleted; ${result.sessionsEnded} session(s) ended\n`);
      return 0;
    },
  },
];
