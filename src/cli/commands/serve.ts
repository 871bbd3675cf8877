/**
 * `sessiond serve`: starts the server and prints one ready line per listener. Without any
 * configuration it uses SQLite under ./data, creates the default realm and an `admin` user whose
 * password comes from SESSIOND_ADMIN_PASSWORD or is generated and printed once.
 *
 * The server runs under umask 077: whatever it writes (its database, ticket files, the Agent host id,
 * the AstroGrid discovery file and the directories they need) is its user's alone, even where the code
 * that writes it names no mode.
 *
 * @module
 */

import type { Config } from "../../core/config.ts";
import { buildApp } from "../../server/app.ts";
import { announceRunningServer, RUNNING_SERVER_FILE } from "../../server/running-server.ts";
import { type Command, configFlags } from "../command.ts";
import { loadConfig } from "../config-sources.ts";
import { localServerUrl } from "../server-client.ts";

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
    process.umask(0o077);
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
    // The directory commands find this server by the notice and go through its API (see
    // running-server.ts); it is written before the ready lines, so whoever waits for them finds it.
    const address = app.http.server.address();
    const port = typeof address === "object" && address ? address.port : config.http.port;
    let forgetNotice = () => {};
    try {
      forgetNotice = announceRunningServer(
        config.dataDir,
        localServerUrl({ ...config, http: { ...config.http, port } }),
      );
    } catch (error) {
      process.stderr.write(
        `sessiond: cannot write ${RUNNING_SERVER_FILE} in ${config.dataDir} (${(error as Error).message}): the user, realm and audit commands will need --url to find this server\n`,
      );
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
        forgetNotice();
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
