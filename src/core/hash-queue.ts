/**
 * Password hashing with bounded concurrency: at most `concurrency` argon2id hashes or verifications run
 * at once, the rest wait their turn, taken fairly between owners (client addresses).
 *
 * argon2id is meant to be expensive (about 20 ms of one core each at OWASP's baseline); libuv runs as
 * many as its thread pool has threads (4), which on a small machine takes every core and leaves the
 * event loop, which answers everyone else, to fight for one. Holding hashing to one core fewer than
 * the machine has keeps other requests fast while logins run, at the price of logins waiting their
 * turn when many arrive at once.
 *
 * Turns go round the owners waiting, one each, rather than in arrival order: one address that sends
 * a hundred logins at once then delays another address's login by one turn, not by a hundred.
 * Work without an owner (the server's own, such as provisioning) waits as one owner of its own.
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

/** The owner of work that names none. */
const NO_OWNER = "";

/** Measuring the wait for a turn, for metrics. */
export interface HashQueueTiming {
  now(): number;
  onWaited?: ((waitedMs: number) => void) | undefined;
}

export function createHashQueue(hasher: PasswordHasher, concurrency: number, timing?: HashQueueTiming): QueuedHasher {
  const limit = Math.max(1, Math.floor(concurrency));
  /** Per owner, its work waiting in arrival order; a Map iterates owners in the order they began waiting. */
  const waiting = new Map<string, (() => void)[]>();
  let waitingCount = 0;
  let running = 0;

  /** Starts the first waiting work of the owner who has waited longest, and sends that owner to the back. */
  function startNext(): boolean {
    const first = waiting.entries().next();
    if (first.done) return false;
    const [owner, queue] = first.value;
    const start = queue.shift() as () => void;
    waiting.delete(owner);
    if (queue.length > 0) waiting.set(owner, queue);
    waitingCount--;
    start();
    return true;
  }

  async function turn<T>(owner: string | undefined, work: () => Promise<T>): Promise<T> {
    if (running >= limit) {
      const key = owner ?? NO_OWNER;
      const queuedAt = timing?.now();
      await new Promise<void>((start) => {
        const queue = waiting.get(key);
        if (queue) queue.push(start);
        else waiting.set(key, [start]);
        waitingCount++;
      });
      if (queuedAt !== undefined && timing) timing.onWaited?.(timing.now() - queuedAt);
    } else {
      running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line, so `running` never drops while anyone waits.
      if (!startNext()) running--;
    }
  }

  return {
    hash: (password, owner) => turn(owner, () => hasher.hash(password)),
    verify: (passwordHash, password, owner) => turn(owner, () => hasher.verify(passwordHash, password)),
    stats: () => ({ running, waiting: waitingCount }),
  };
}
