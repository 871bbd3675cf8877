/**
 * The `sessiond` command line: `serve`, and the operator commands for users, realms, sessions and the
 * service message. Each command is one file in `commands/`; this file parses arguments, prints help
 * and turns errors into clear messages and exit codes (0 done, 1 failed, 2 wrong usage).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { isSessionError } from "../core/errors.ts";
import type { Command, CommandOptions } from "./command.ts";
import { agentCommands } from "./commands/agent.ts";
import { auditCommand } from "./commands/audit.ts";
import { consoleLinkCommand } from "./commands/console-link.ts";
import { groupCommands } from "./commands/group.ts";
import { messageCommands } from "./commands/message.ts";
import { migrateCommands } from "./commands/migrate.ts";
import { realmCommands } from "./commands/realm.ts";
import { serveCommand } from "./commands/serve.ts";
import { sessionsCommands } from "./commands/sessions.ts";
import { userCommands } from "./commands/user.ts";
import { ServerError } from "./server-client.ts";

const COMMON_OPTIONS: CommandOptions = {
  config: { type: "string", description: "JSON configuration file (or SESSIOND_CONFIG)" },
  "data-dir": { type: "string", description: "Data directory (or SESSIOND_DATA_DIR; default ./data)" },
  store: { type: "string", description: "Store driver: sqlite, memory or postgres (or SESSIOND_STORE)" },
  help: { type: "boolean", short: "h", description: "Show help" },
};

const COMMANDS: Command[] = [
  serveCommand,
  ...userCommands,
  ...realmCommands,
  ...groupCommands,
  auditCommand,
  ...sessionsCommands,
  ...messageCommands,
  ...agentCommands,
  consoleLinkCommand,
  ...migrateCommands,
];

class UsageError extends Error {}

function commandHelp(command: Command): string {
  const options = { ...COMMON_OPTIONS, ...command.options };
  const lines = Object.entries(options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : "    "}--${name}${option.type === "string" ? ` ${option.placeholder ?? "VALUE"}` : ""}`;
    return `  ${flag.padEnd(30)} ${option.description}${option.multiple ? " (repeatable)" : ""}`;
  });
  return `Usage: sessiond ${command.usage}\n\n${command.summary}\n\nOptions:\n${lines.join("\n")}\n`;
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary.split("\n")[0]}`).join("\n");
  return `sessiond: a session manager server.

Usage: sessiond <command> [options]

Commands:
${list}

Run \`sessiond <command> --help\` for a command's options.
The user, realm, group and audit commands go through the server running on this data directory
(or the one --url names), so that changes take effect at once; with no server, they use the store.
The sessions and message commands talk to the running server, authenticated by a local ticket.
`;
}

function findCommand(args: string[]): { command: Command; rest: string[] } | null {
  for (const command of COMMANDS) {
    const words = command.name.split(" ");
    if (words.every((word, i) => args[i] === word)) return { command, rest: args.slice(words.length) };
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    process.stdout.write(mainHelp());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0) {
      process.stderr.write(
        `sessiond ${argv[0]}: choose one of: ${group.map((c) => c.name.split(" ")[1]).join(", ")}\n`,
      );
    } else {
      process.stderr.write(`sessiond: unknown command "${argv[0]}". Run \`sessiond --help\` for the list.\n`);
    }
    return 2;
  }
  const { command, rest } = found;
  try {
    const options = { ...COMMON_OPTIONS, ...command.options };
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: Object.fromEntries(
          Object.entries(options).map(([name, o]) => [
            name,
            { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
          ]),
        ),
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (parsed.values.help) {
      process.stdout.write(commandHelp(command));
      return 0;
    }
    const positionals = parsed.positionals;
    const [min, max] = command.positionals ?? [0, 0];
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(
        `expected ${min === max ? min : `${min} to ${max === Number.POSITIVE_INFINITY ? "any number of" : max}`} argument(s)`,
      );
    }
    return (await command.run({ values: parsed.values, positionals, env: process.env })) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`sessiond ${command.name}: ${error.message}\n\n${commandHelp(command)}`);
      return 2;
    }
    if (isSessionError(error) || error instanceof ServerError) {
      process.stderr.write(`sessiond ${command.name}: ${error.message} (${error.code})\n`);
      return 1;
    }
    process.stderr.write(`sessiond ${command.name}: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

// `serve` resolves only once the server has stopped (on SIGINT or SIGTERM).
process.exitCode = await main(process.argv.slice(2));
