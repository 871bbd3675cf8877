/**
 * The in-memory store's failed-login counts, by key. Every method is one synchronous step, which is
 * what makes counting atomic here.
 *
 * @module
 */

import type { LoginFailureCount, LoginFailureStore } from "../../core/store/index.ts";

/** The `LoginFailureStore` part of a memory store, empty at first. */
export class MemoryLoginFailures implements LoginFailureStore {
  private readonly counts = new Map<string, LoginFailureCount>();

  async getLoginFailures(keys: readonly string[]): Promise<LoginFailureCount[]> {
    return keys.flatMap((key) => {
      const count = this.counts.get(key);
      return count ? [{ ...count }] : [];
    });
  }

  async addLoginFailure(keys: readonly string[], now: number, forgetBefore: number): Promise<LoginFailureCount[]> {
    return keys.map((key) => {
      const previous = this.counts.get(key);
      const failures = previous && previous.lastFailureAt >= forgetBefore ? previous.failures + 1 : 1;
      const count = { key, failures, lastFailureAt: Math.max(now, previous?.lastFailureAt ?? now) };
      this.counts.set(key, count);
      return { ...count };
    });
  }

  async clearLoginFailures(key: string): Promise<void> {
    this.counts.delete(key);
  }

  async pruneLoginFailures(before: number): Promise<number> {
    let pruned = 0;
    for (const [key, count] of this.counts) {
      if (count.lastFailureAt < before) {
        this.counts.delete(key);
        pruned++;
      }
    }
    return pruned;
  }

  /** How many counts are kept, for the size estimate. */
  get size(): number {
    return this.counts.size;
  }
}
