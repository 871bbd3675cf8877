/**
 * `sessiond migrate` brings the configured store's schema up to this version, alone (a server does
 * it at start, under a lock). `sessiond migrate-store` copies everything that lasts from one store to
 * another: how a deployment moves from SQLite (one node) to PostgreSQL (several).
 *
 * @module
 */

import type { Store } from "../../core/store/index.ts";
import { copyStore } from "../../server/copy-store.ts";
import { resolveDataPath } from "../../server/store-from-config.ts";
import { createMemoryStore } from "../../store/memory/index.ts";
import { migratePostgres, openPostgresStore } from "../../store/postgres/index.ts";
import { createSqliteStore, SQLITE_SCHEMA_VERSION } from "../../store/sqlite.ts";
import { type Command, configFlags, stringFlag } from "../command.ts";
import { loadConfig } from "../config-sources.ts";

/** A store named on the command line: `sqlite:PATH` or `postgres://…` (also as `postgres:postgres://…`). */
async function openNamedStore(spec: string, role: "source" | "destination"): Promise<Store> {
  if (spec.startsWith("sqlite:")) {
    const path = spec.slice("sqlite:".length);
    if (path === "") throw new Error(`--${role === "source" ? "from" : "to"} sqlite:PATH needs a file path.`);
    return createSqliteStore({ path });
  }
  const url = spec.startsWith("postgres:postgres") ? spec.slice("postgres:".length) : spec;
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgresStore({ url, nodeId: `migrate-store-${role}` });
  if (spec === "memory:") return createMemoryStore();
  throw new Error(
    `Name a store as sqlite:PATH or postgres://user@host:port/database, not ${JSON.stringify(spec.slice(0, 12))}…`,
  );
}

export const migrateCommands: Command[] = [
  {
    name: "migrate",
    usage: "migrate [--config FILE] [--store sqlite|postgres]",
    summary: "Bring the configured store's schema up to this version (servers do it at start, under a lock).",
    options: {},
    async run(input) {
      const config = loadConfig(configFlags(input), input.env);
      switch (config.store.driver) {
        case "postgres": {
          const { from, to } = await migratePostgres(config.store.url ?? "");
          process.stdout.write(
            from === to
              ? `sessiond: the postgres schema is at version ${to}: nothing to do\n`
              : `sessiond: migrated the postgres schema from version ${from} to ${to}\n`,
          );
          return 0;
        }
        case "sqlite": {
          // Opening the file migrates it, in one transaction.
          const store = createSqliteStore({
            path: resolveDataPath(config, config.store.path),
            checkpointIntervalMs: null,
          });
          await store.close();
          process.stdout.write(`sessiond: the sqlite schema is at version ${SQLITE_SCHEMA_VERSION}\n`);
          return 0;
        }
        case "memory":
          process.stdout.write("sessiond: the memory store has no schema to migrate\n");
          return 0;
      }
    },
  },
  {
    name: "migrate-store",
    usage: "migrate-store --from sqlite:PATH --to postgres://user@host:port/database",
    summary:
      "Copy the directory, settings, audit log and live sessions (with their attributes) from one store to an empty\n" +
      "other one. Stop the servers of the source first; tickets and connection-bound sessions are not copied.",
    options: {
      from: { type: "string", placeholder: "STORE", description: "The store to copy from: sqlite:PATH" },
      to: { type: "string", placeholder: "STORE", description: "The empty store to copy to: postgres://…" },
    },
    async run(input) {
      const from = stringFlag(input, "from");
      const to = stringFlag(input, "to");
      if (!from || !to) throw new Error("Name both stores: --from sqlite:PATH --to postgres://…");
      const source = await openNamedStore(from, "source");
      try {
        const destination = await openNamedStore(to, "destination");
        try {
          const copied = await copyStore(source, destination);
          process.stdout.write(
            `sessiond: copied ${copied.realms} realms, ${copied.users} users, ${copied.groups} groups, ` +
              `${copied.settings} settings, ${copied.auditEntries} audit entries and ${copied.sessions} sessions ` +
              `(${copied.skippedBound} connection- or server-bound sessions left behind)\n`,
          );
          return 0;
        } finally {
          await destination.close();
        }
      } finally {
        await source.close();
      }
    },
  },
];
