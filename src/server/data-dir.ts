/**
 * The data directory's mode. It holds the SQLite database (every argon2 hash and session digest), the
 * local ticket files and the Agent host id, so only the user the server runs as may enter it: it is
 * created 0700, and an existing one that others may enter or read (a `mkdir` under umask 022 gives
 * 0755) is tightened to 0700 at start-up. When that fails (the directory belongs to another user), the
 * server refuses to start and says why, rather than serve from a directory any local user can read.
 *
 * @module
 */

import { chmodSync, mkdirSync, statSync } from "node:fs";

/** Mode bits that let anyone but the owner into a directory. */
const OTHERS = 0o077;

/**
 * Creates `dir` with mode 0700 when `create` is set and it is missing, and takes every permission of
 * others from it when it exists. Throws an `Error` naming the directory, its mode and what to do.
 */
export function makeDataDirPrivate(dir: string, create: boolean): void {
  if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
  let mode: number;
  try {
    mode = statSync(dir).mode;
  } catch {
    return;
  }
  if ((mode & OTHERS) === 0) return;
  try {
    chmodSync(dir, mode & 0o700);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(
      `the data directory ${dir} is open to other users (mode ${(mode & 0o777).toString(8)}) and cannot be made private (${String(code ?? error)}): make it mode 0700 (chmod 700 ${dir}), or choose another dataDir`,
    );
  }
}
