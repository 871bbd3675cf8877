/**
 * An engine on the configured store, in the command line's own process, for the commands that manage
 * the directory (`user`, `realm`). They work whether or not the server runs: SQLite lets both open the
 * same file. They run as the local administrator, since whoever can open the data directory already
 * holds everything in it.
 *
 * @module
 */

import { mkdirSync } from "node:fs";
import type { Config } from "../core/config.ts";
import { createEngine, type Engine } from "../core/engine.ts";
import { SessionError } from "../core/errors.ts";
import { resolveDataPath } from "../server/app.ts";
import { provisionDirectory } from "../server/provision.ts";
import { createStore } from "../store/index.ts";

export async function withLocalEngine<T>(config: Config, work: (engine: Engine) => Promise<T>): Promise<T> {
  if (config.store.driver === "memory") {
    throw new SessionError(
      "INVALID_REQUEST",
      "The memory store lives inside the server process; directory commands need a persistent store (--store sqlite).",
    );
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = createStore({
    driver: config.store.driver,
    path: resolveDataPath(config, config.store.path),
    durability: config.store.durability,
  });
  const engine = createEngine({ store, nodeId: `${config.nodeId}-cli`, limits: config.sessions });
  try {
    await provisionDirectory(engine, config);
    return await work(engine);
  } finally {
    await store.close();
  }
}
