/**
 * Picks the store driver named in the configuration.
 *
 * @module
 */

import { SessionError } from "../core/errors.ts";
import type { Store } from "../core/store/index.ts";
import { createMemoryStore } from "./memory/index.ts";
import { createSqliteStore } from "./sqlite.ts";

export interface StoreConfig {
  driver: "memory" | "sqlite";
  /** Database file of the sqlite driver (`":memory:"` for a private in-memory database). */
  path?: string;
  /** Commit durability of the sqlite driver; see `createSqliteStore`. */
  durability?: "normal" | "full";
}

export function createStore(config: StoreConfig): Store {
  switch (config.driver) {
    case "memory":
      return createMemoryStore();
    case "sqlite":
      if (!config.path) throw new SessionError("INVALID_ARGUMENT", "The sqlite store needs a file path.");
      return createSqliteStore({ path: config.path, durability: config.durability ?? "normal" });
  }
}

export type { Store } from "../core/store/index.ts";
