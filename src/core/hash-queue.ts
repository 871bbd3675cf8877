/**
 * Password hashing with bounded concurrency: at most `concurrency` argon2id hashes or verifications run
 * at once, the rest wait their turn in arrival order.
 *
 * argon2id is meant to be expensive (about 20 ms of one core each at OWASP's baseline); libuv runs as
 * many as its thread pool has threads (4), which on a small machine takes every core and leaves the
 * event loop, which answers everyone else, to fight for one. Holding hashing to one core fewer than
 * the machine has keeps other requests fast while logins run, at the price of logins waiting their
 * turn when many arrive at once.
 *
 * @module
 */

import type { PasswordHasher } from "./password.ts";

export interface HashQueueStats {
  /** Hashes or verifications running now. */
  running: number;
  /** Waiting for a turn. */
  waiting: number;
}

export interface QueuedHasher extends PasswordHasher {
  stats(): HashQueueStats;
}

export function createHashQueue(hasher: PasswordHasher, concurrency: number): QueuedHasher {
  const limit = Math.max(1, Math.floor(concurrency));
  const waiting: (() => void)[] = [];
  let running = 0;

  async function turn<T>(work: () => Promise<T>): Promise<T> {
    if (running >= limit) await new Promise<void>((start) => waiting.push(start));
    else running++;
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line, so `running` never drops while anyone waits.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  return {
    hash: (password) => turn(() => hasher.hash(password)),
    verify: (passwordHash, password) => turn(() => hasher.verify(passwordHash, password)),
    stats: () => ({ running, waiting: waiting.length }),
  };
}
