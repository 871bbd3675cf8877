/**
 * The notice a running `sessiond serve` leaves in its data directory (`server.json`: its process id
 * and the URL of its JSON API), so that the command line's directory commands find the server that
 * works on the same data directory and go through its API: a change made there takes effect at once
 * (sessions end, streams are told), where a change written into the store behind the server's back
 * shows only when its caches next read the store.
 *
 * The notice is a hint, never trusted for more: a reader checks that its process still runs, and the
 * command line still needs a local ticket, which only that server's data directory can hand out.
 *
 * @module
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const RUNNING_SERVER_FILE = "server.json";

export interface RunningServer {
  pid: number;
  /** The JSON API's base URL, reachable from this machine (a wildcard address is given as loopback). */
  url: string;
  startedAt: number;
}

/** Writes the notice; returns what removes it, which leaves a notice another process wrote since alone. */
export function announceRunningServer(dataDir: string, url: string, now = Date.now()): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, RUNNING_SERVER_FILE);
  const notice: RunningServer = { pid: process.pid, url, startedAt: now };
  writeFileSync(path, `${JSON.stringify(notice)}\n`, { mode: 0o600 });
  return () => {
    if (readRunningServer(dataDir)?.pid === process.pid) rmSync(path, { force: true });
  };
}

/** The server that announced itself in `dataDir`, or null when none did or its process has ended. */
export function readRunningServer(dataDir: string): RunningServer | null {
  let notice: Partial<RunningServer>;
  try {
    notice = JSON.parse(readFileSync(join(dataDir, RUNNING_SERVER_FILE), "utf8")) as Partial<RunningServer>;
  } catch {
    return null;
  }
  if (typeof notice.pid !== "number" || typeof notice.url !== "string") return null;
  return processRuns(notice.pid) ? { pid: notice.pid, url: notice.url, startedAt: notice.startedAt ?? 0 } : null;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as { code?: unknown }).code === "EPERM";
  }
}
