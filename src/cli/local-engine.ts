/**
 * An engine on the configured store, in the command line's own process, for the commands that manage
 * the directory (`user`, `realm`). They work whether or not the server runs: SQLite lets both open the
 * same file, and PostgreSQL is shared by design (the change is announced to the running nodes). They run as the local administrator, since whoever can open the data directory already
 * holds everything in it.
 *
 * @module
 */

import type { Config } from "../core/config.ts";
import { createEngine, type Engine } from "../core/engine.ts";
import { SessionError } from "../core/errors.ts";
import { provisionDirectory } from "../server/provision.ts";
import { openConfiguredStore } from "../server/store-from-config.ts";

export async function withLocalEngine<T>(config: Config, work: (engine: Engine) => Promise<T>): Promise<T> {
  if (config.store.driver === "memory") {
    throw new SessionError(
      "INVALID_REQUEST",
      "The memory store lives inside the server process; directory commands need a persistent store (--store sqlite).",
    );
  }
  const store = await openConfiguredStore(config);
  const engine = createEngine({ store, nodeId: `${config.nodeId}-cli`, limits: config.sessions });
  try {
    await provisionDirectory(engine, config);
    return await work(engine);
  } finally {
    await store.close();
  }
}
