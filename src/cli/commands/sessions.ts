/**
 * `sessiond sessions list|terminate`: see and end sessions on the running server. The command logs
 * in with a local ticket for `--as` (default admin), so the operator types no password.
 *
 * @module
 */

import type { SessionView } from "../../core/views.ts";
import { type Command, type CommandInput, type CommandOptions, configFlags, stringFlag } from "../command.ts";
import { loadConfig } from "../config-sources.ts";
import { isoTime, printJson, printTable } from "../output.ts";
import { connectAsLocalUser, type ServerClient } from "../server-client.ts";

export const serverOptions: CommandOptions = {
  url: { type: "string", placeholder: "URL", description: "Server URL (default: from the configuration)" },
  as: { type: "string", placeholder: "NAME", description: "Act as this user, by local ticket (default admin)" },
  // The first name of `--as`, kept so that scripts written for it still work. Every command that
  // acts as a user calls it `--as`: `--user` means the user a command is about (`audit`).
  user: { type: "string", placeholder: "NAME", description: "The same as --as (its older name)" },
};

/** The user a command acts as: `--as`, or its older name `--user`, or admin. */
export function actingUser(input: CommandInput): string {
  return stringFlag(input, "as") ?? stringFlag(input, "user") ?? "admin";
}

export async function withServer<T>(input: CommandInput, work: (client: ServerClient) => Promise<T>): Promise<T> {
  const config = loadConfig(configFlags(input), input.env);
  const url = stringFlag(input, "url");
  const client = await connectAsLocalUser(config, {
    userName: actingUser(input),
    ...(url ? { url } : {}),
  });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

export const sessionsCommands: Command[] = [
  {
    name: "sessions list",
    usage: "sessions list [--realm R] [--user-name NAME] [--protocol P] [--json]",
    summary: "List the live sessions of the running server.",
    options: {
      ...serverOptions,
      realm: { type: "string", placeholder: "NAME", description: "Only this realm" },
      "user-name": { type: "string", placeholder: "NAME", description: "Only this user's sessions" },
      protocol: {
        type: "string",
        placeholder: "NAME",
        description: "Only sessions made by this front door (api, httpkom, ...)",
      },
      json: { type: "boolean", description: "Print JSON" },
    },
    async run(input) {
      const sessions = await withServer(input, async (client) => {
        const all: SessionView[] = [];
        let after: number | null = null;
        do {
          const query = new URLSearchParams({ limit: "1000" });
          if (after !== null) query.set("after", String(after));
          for (const [flag, param] of [
            ["realm", "realm"],
            ["user-name", "userName"],
            ["protocol", "protocol"],
          ] as const) {
            const value = stringFlag(input, flag);
            if (value !== undefined) query.set(param, value);
          }
          const page: { sessions: SessionView[]; nextAfter: number | null } = await client.call(
            "GET",
            `/api/v1/sessions?${query}`,
          );
          all.push(...page.sessions);
          after = page.nextAfter;
        } while (after !== null);
        return all;
      });
      if (input.values.json) printJson(sessions);
      else {
        printTable(
          sessions.map((s) => ({
            ...s,
            user: s.userName === null ? "(anonymous)" : `${s.userName}@${s.realm}`,
            client: s.client.ipAddress ?? "",
            lastActive: isoTime(s.lastActiveAt),
            calls: s.callCount,
          })),
          ["number", "key", "user", "protocol", "client", "lastActive", "calls"],
        );
      }
      return 0;
    },
  },
  {
    name: "sessions terminate",
    usage: "sessions terminate KEY|NUMBER...",
    summary: "End sessions by key or number. Their clients' next request is refused.",
    positionals: [1, Number.POSITIVE_INFINITY],
    options: serverOptions,
    async run(input) {
      const refs = input.positionals.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      const { results } = await withServer(input, (client) =>
        client.call<{ results: { session: string | number; outcome: string }[] }>(
          "POST",
          "/api/v1/sessions/terminate",
          {
            sessions: refs,
            mode: "batch",
          },
        ),
      );
      let failed = 0;
      for (const result of results) {
        if (result.outcome !== "terminated") failed += 1;
        process.stdout.write(`${result.session}: ${result.outcome}\n`);
      }
      return failed === 0 ? 0 : 1;
    },
  },
];
