/**
 * The store contract, part six: failed-login counts, which the brute-force throttle
 * (`core/login-throttle.ts`) keeps in the store so that every node sharing it counts the same
 * failures. A key names what failed: a user of a realm (by keyed digest, never the typed name) or a
 * client address.
 *
 * @module
 */

/** The failures counted under one key. */
export interface LoginFailureCount {
  key: string;
  /** Failures since the count last started. */
  failures: number;
  /** When the latest of them happened, epoch ms. */
  lastFailureAt: number;
}

export interface LoginFailureStore {
  /** The counts of those keys that have one (a key with none is left out), in any order. */
  getLoginFailures(keys: readonly string[]): Promise<LoginFailureCount[]>;
  /**
   * Counts one more failure under each key, atomically (two nodes counting at once count two); a count
   * whose last failure is older than `forgetBefore` starts again from one. Answers the new counts.
   */
  addLoginFailure(keys: readonly string[], now: number, forgetBefore: number): Promise<LoginFailureCount[]>;
  /** Forgets the count of a key (the user logged in). */
  clearLoginFailures(key: string): Promise<void>;
  /** Forgets counts whose last failure is older than `before`; answers how many. */
  pruneLoginFailures(before: number): Promise<number>;
}
