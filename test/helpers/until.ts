/**
 * Waiting in tests for something that happens on its own time (a notification, a worker, a
 * reconnect): poll until it holds. The guard only stops a hang; it is never the bound a test checks,
 * so a busy machine makes a test slower, not flaky.
 *
 * @module
 */

import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";

/** Polls `done` every `intervalMs` until it holds; fails the test once `guardMs` has passed. */
export async function until(
  what: string,
  done: () => boolean | Promise<boolean>,
  options: { guardMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const guardMs = options.guardMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const giveUpAt = Date.now() + guardMs;
  while (!(await done())) {
    if (Date.now() > giveUpAt) assert.fail(`${what} did not happen within ${guardMs} ms`);
    await sleep(intervalMs);
  }
}
