/**
 * The modes of the SQLite store's files. The database, its write-ahead log (`-wal`) and its
 * shared-memory index (`-shm`) hold every argon2 hash and session digest, so only the user the server
 * runs as may read them (mode 0600).
 *
 * SQLite creates `-wal`, `-shm` and `-journal` with the mode of the database file, so a database file
 * created 0600 before SQLite opens it keeps every file SQLite makes later private too, whatever the
 * process umask. Files an earlier version left readable by others are tightened.
 *
 * @module
 */

import { chmodSync, closeSync, constants, openSync, statSync } from "node:fs";
import { SessionError } from "../core/errors.ts";

/** Mode bits that let anyone but the owner at a file. */
const OTHERS = 0o077;

/**
 * Creates the database file at `path` with mode 0600 when it does not exist yet, and takes every
 * permission of others from it and its companion files. Throws `STORE_UNAVAILABLE` saying which file
 * could not be made private and why.
 */
export function makeDatabaseFilesPrivate(path: string): void {
  try {
    closeSync(openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600));
  } catch (error) {
    throw new SessionError("STORE_UNAVAILABLE", `sqlite store: cannot create ${path}: ${reason(error)}`, {
      cause: error,
    });
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    let mode: number;
    try {
      mode = statSync(file).mode;
    } catch {
      continue;
    }
    if ((mode & OTHERS) === 0) continue;
    try {
      chmodSync(file, mode & 0o700);
    } catch (error) {
      throw new SessionError(
        "STORE_UNAVAILABLE",
        `sqlite store: ${file} is readable by other users (mode ${(mode & 0o777).toString(8)}) and cannot be made private: ${reason(error)}`,
        { cause: error },
      );
    }
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(error);
}
