/**
 * The store a configuration names, opened: SQLite under the data directory, PostgreSQL migrated and
 * reachable, or memory. The server and the command line's directory commands both open it here,
 * without loading the HTTP framework or any front door.
 *
 * @module
 */

import { isAbsolute, join } from "node:path";
import type { Config } from "../core/config.ts";
import type { Store } from "../core/store/index.ts";
import { createStore } from "../store/index.ts";
import { openPostgresStore } from "../store/postgres/index.ts";
import { makeDataDirPrivate } from "./data-dir.ts";

export function resolveDataPath(config: Config, path: string): string {
  return isAbsolute(path) ? path : join(config.dataDir, path);
}

/**
 * The store the configuration names; a PostgreSQL store is migrated and reachable when this resolves.
 * The data directory is made private first (created for SQLite, tightened when it exists).
 */
export async function openConfiguredStore(config: Config): Promise<Store> {
  makeDataDirPrivate(config.dataDir, config.store.driver === "sqlite");
  switch (config.store.driver) {
    case "postgres":
      return openPostgresStore({ url: config.store.url ?? "", poolSize: config.store.poolSize, nodeId: config.nodeId });
    case "sqlite":
      return createStore({
        driver: "sqlite",
        path: resolveDataPath(config, config.store.path),
        durability: config.store.durability,
      });
    case "memory":
      return createStore({ driver: "memory" });
  }
}
