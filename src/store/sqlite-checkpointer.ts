/**
 * WAL checkpoints of the SQLite store, on a worker thread.
 *
 * In WAL mode SQLite copies the log back into the database file every 1,000 pages by default, and it
 * does so inside whichever write crossed the mark: on the event loop, stalling every request for the
 * length of the copy (20 to 60 ms measured). Here a second connection on a worker thread checkpoints
 * every `intervalMs` instead, in PASSIVE mode, which neither blocks nor waits for the main connection's
 * readers and writers; the main connection's own automatic checkpoint is raised to a large backstop,
 * so that the log still cannot grow without bound if the worker stops.
 *
 * The worker is plain JavaScript evaluated from a string, so it runs the same from the sources (tsx)
 * and from the build, and it loads the very better-sqlite3 the store uses.
 *
 * @module
 */

import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

export interface CheckpointerOptions {
  /** The database file (WAL mode). */
  path: string;
  /** How often to checkpoint, in ms. */
  intervalMs: number;
  /** Told when a checkpoint fails; the worker goes on. */
  onError?: (message: string) => void;
}

export interface Checkpointer {
  /** Checkpoints run so far (for tests and stats). */
  readonly runs: number;
  /** Stops the worker after its current checkpoint. */
  stop(): Promise<void>;
}

/** Pages the main connection lets the log grow to before it checkpoints itself: a backstop only. */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 100_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("busy_timeout = 1000");
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ ran: true });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
}, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path: options.path, intervalMs: options.intervalMs, driver },
  });
  // A checkpointer never keeps the process alive on its own.
  worker.unref();
  let runs = 0;
  worker.on("message", (message: { ran?: boolean; error?: string }) => {
    if (message.ran) runs += 1;
    else if (message.error) options.onError?.(message.error);
  });
  worker.on("error", (error) => options.onError?.(error.message));
  // A worker that failed (its database could not be opened) is gone already: stopping it is done.
  let exited = false;
  worker.once("exit", () => {
    exited = true;
  });
  let stopped: Promise<void> | undefined;
  return {
    get runs() {
      return runs;
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (exited) {
          resolve();
          return;
        }
        // Waiting for the worker to end must keep the process alive until it has.
        worker.ref();
        worker.once("exit", () => resolve());
        worker.postMessage("stop");
        // Should the worker be stuck in a checkpoint, it is ended rather than waited for forever.
        setTimeout(() => void worker.terminate(), 5_000).unref();
      });
      return stopped;
    },
  };
}
