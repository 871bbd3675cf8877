/**
 * `sessiond serve`: starts the server and prints one ready line per listener. Without any
 * configuration it uses SQLite under ./data, creates the default realm and an `admin` user whose
 * password comes from SESSIOND_ADMIN_PASSWORD or is generated and printed once.
 *
 * @module
 */

import type { Config } from "../../core/config.ts";
import { buildApp } from "../../server/app.ts";
import { type Command, configFlags } from "../command.ts";
import { loadConfig } from "../config-sources.ts";

export const serveCommand: Command = {
  name: "serve",
  usage: "serve [--config FILE] [--port N] [--host ADDRESS] [--data-dir DIR] [--store sqlite|memory]",
  summary: "Start the server (the JSON API on http.host:http.port; port 0 picks a free port).",
  options: {
    host: {
      type: "string",
      placeholder: "ADDRESS",
      description: "Listen address (or SESSIOND_HTTP_HOST; default 127.0.0.1)",
    },
    port: {
      type: "string",
      placeholder: "N",
      description: "Listen port, 0 for any free one (or SESSIOND_HTTP_PORT; default 8480)",
    },
    "log-level": {
      type: "string",
      placeholder: "LEVEL",
      description: "fatal, error, warn, info, debug, trace or silent",
    },
  },
  async run(input) {
    const config = loadConfig(configFlags(input), input.env);
    const adminPassword = input.env.SESSIOND_ADMIN_PASSWORD || undefined;
    const app = await buildApp(config, adminPassword === undefined ? {} : { adminPassword });
    let listeners: Awaited<ReturnType<typeof app.start>>;
    try {
      listeners = await app.start();
    } catch (error) {
      await app.stop().catch(() => undefined);
      throw error;
    }
    const generated = app.provisioned?.generatedAdminPassword;
    if (generated !== undefined) {
      process.stdout.write(
        `sessiond: created user admin with password ${generated}\n` +
          "sessiond: this password is shown only once; change it with `sessiond user passwd admin`\n",
      );
    }
    for (const listener of listeners) {
      const where = storeDescription(config);
      // Only the HTTP listener serves the JSON API; the Agent's listeners speak their own protocol.
      const detail = listener.name === "http" ? ` (JSON API at /api/v1, ${where})` : "";
      process.stdout.write(`sessiond: ${listener.name} listening on ${listener.url}${detail}\n`);
    }
    for (const door of app.doors.values()) {
      for (const notice of door.notices) process.stdout.write(`sessiond: ${notice}\n`);
    }
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        process.stdout.write(`sessiond: ${signal} received, stopping\n`);
        app.stop().then(resolve, (error: unknown) => {
          process.stderr.write(`sessiond: error while stopping: ${(error as Error).message}\n`);
          resolve();
        });
      };
      process.once("SIGINT", () => shutdown("SIGINT"));
      process.once("SIGTERM", () => shutdown("SIGTERM"));
    });
    return 0;
  },
};

/** Where the server keeps its state, for its ready line: never the database URL, which may hold a password. */
function storeDescription(config: Config): string {
  switch (config.store.driver) {
    case "sqlite":
      return `sqlite store in ${config.dataDir}`;
    case "postgres":
      return `postgres store, node ${config.nodeId}`;
    case "memory":
      return "memory store";
  }
}
