/**
 * `sessiond realm add|list`: manage realms in the data directory's store.
 *
 * @module
 */

import { listRealms, putRealm } from "../../core/ops/index.ts";
import { LOCAL_ADMIN } from "../../server/provision.ts";
import { type Command, configFlags, listFlag, stringFlag } from "../command.ts";
import { loadConfig } from "../config-sources.ts";
import { withLocalEngine } from "../local-engine.ts";
import { printJson, printTable } from "../output.ts";

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${flag} must be a whole number.`);
  return Number(value);
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
        description: "Longest idle timeout a client may choose for its session (longer choices are cut)",
      },
      "max-lifetime": { type: "string", placeholder: "SECONDS", description: "Absolute cap on a session's life" },
      "max-sessions-per-user": { type: "string", placeholder: "N", description: "Cap on sessions per user" },
      "evict-oldest": {
        type: "boolean",
        description: "Over the cap, end the oldest session instead of refusing the login",
      },
    },
    async run(input) {
      const config = loadConfig(configFlags(input), input.env);
      const realm = await withLocalEngine(config, (engine) =>
        engine.call(putRealm, LOCAL_ADMIN, {
          name: input.positionals[0],
          mode: "create",
          id: stringFlag(input, "id"),
          defaultLocale: stringFlag(input, "default-locale"),
          supportedLocales: listFlag(input, "locale"),
          idleTimeoutSeconds: wholeNumber(stringFlag(input, "idle-timeout"), "idle-timeout"),
          maxIdleTimeoutSeconds: wholeNumber(stringFlag(input, "max-idle-timeout"), "max-idle-timeout"),
          maxLifetimeSeconds: wholeNumber(stringFlag(input, "max-lifetime"), "max-lifetime"),
          maxSessionsPerUser: wholeNumber(stringFlag(input, "max-sessions-per-user"), "max-sessions-per-user"),
          maxSessionsPolicy: input.values["evict-oldest"] ? "evict-oldest" : undefined,
        }),
      );
      process.stdout.write(`sessiond: created realm ${realm.name} (${realm.id})\n`);
      return 0;
    },
  },
  {
    name: "realm list",
    usage: "realm list [--json]",
    summary: "List the realms.",
    options: { json: { type: "boolean", description: "Print JSON" } },
    async run(input) {
      const config = loadConfig(configFlags(input), input.env);
      const realms = await withLocalEngine(config, (engine) => engine.call(listRealms, LOCAL_ADMIN, {}));
      if (input.values.json) printJson(realms);
      else {
        printTable(
          realms.map((r) => ({ ...r, locales: r.supportedLocales.join(","), idle: r.idleTimeoutSeconds || "none" })),
          ["name", "id", "defaultLocale", "locales", "idle", "maxSessionsPerUser"],
        );
      }
      return 0;
    },
  },
];
