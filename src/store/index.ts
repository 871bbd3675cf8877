/**
 * Picks the store driver named in the configuration.
 *
 * @module
 */

import { SessionError } from "../core/errors.ts";
import type { Store } from "../core/store/index.ts";
import { createMemoryStore } from "./memory/index.ts";
import { createPostgresStore } from "./postgres/index.ts";
import { createSqliteStore } from "./sqlite.ts";

export interface StoreConfig {
  driver: "memory" | "sqlite" | "postgres";
  /** Database file of the sqlite driver (`":memory:"` for a private in-memory database). */
  path?: string;
  /** Commit durability of the sqlite driver; see `createSqliteStore`. */
  durability?: "normal" | "full";
  /** Connection URL of the postgres driver, `postgres://user:password@host:port/database`. */
  url?: string;
  /** Most connections of the postgres driver's pool. @default 10 */
  poolSize?: number;
  /**
   * The node the postgres driver speaks for: `from` of its hints, and the node whose lease fences the
   * sessions it binds. @default "main"
   */
  nodeId?: string;
}

/**
 * The store of `config`. The postgres store migrates its schema before its first statement; use
 * `openPostgresStore` (`./postgres/index.ts`) to wait for that at start-up.
 */
export function createStore(config: StoreConfig): Store {
  switch (config.driver) {
    case "memory":
      return createMemoryStore();
    case "sqlite":
      if (!config.path) throw new SessionError("INVALID_ARGUMENT", "The sqlite store needs a file path.");
      return createSqliteStore({ path: config.path, durability: config.durability ?? "normal" });
    case "postgres":
      if (!config.url) throw new SessionError("INVALID_ARGUMENT", "The postgres store needs a connection URL.");
      return createPostgresStore({ url: config.url, poolSize: config.poolSize, nodeId: config.nodeId ?? "main" });
  }
}

export type { Store } from "../core/store/index.ts";
