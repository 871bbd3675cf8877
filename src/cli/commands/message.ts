/**
 * `sessiond message set|clear`: the service message of the running server, shown at every login and
 * pushed at once to live sessions.
 *
 * @module
 */

import type { Command } from "../command.ts";
import { serverOptions, withServer } from "./sessions.ts";

export const messageCommands: Command[] = [
  {
    name: "message set",
    usage: "message set TEXT",
    summary: "Set the service message.",
    positionals: [1, 1],
    options: serverOptions,
    async run(input) {
      await withServer(input, (client) =>
        client.call("PUT", "/api/v1/service-message", { text: input.positionals[0] }),
      );
      process.stdout.write("sessiond: service message set\n");
      return 0;
    },
  },
  {
    name: "message clear",
    usage: "message clear",
    summary: "Clear the service message.",
    options: serverOptions,
    async run(input) {
      await withServer(input, (client) => client.call("PUT", "/api/v1/service-message", { text: "" }));
      process.stdout.write("sessiond: service message cleared\n");
      return 0;
    },
  },
];
