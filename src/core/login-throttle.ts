/**
 * The brute-force throttle: failed logins are counted per user of a realm and per client address, in
 * the store (so every node sharing it counts the same failures), and a login attempt that comes too
 * soon after too many failures is refused before any password is verified, so a flood of wrong
 * passwords spends no argon2 time once it is throttled.
 *
 * The rules, and why:
 *
 * - A key's first `freeFailures` failures cost nothing; each further failure doubles the wait before
 *   the next attempt, from `firstDelayMs` up to `maxDelayMs`. A key's failures are forgotten
 *   `forgetAfterSeconds` after its last one, and a user's when that user logs in.
 * - The user's count holds back only attempts from addresses that have failed themselves (or callers
 *   with no address). A correct password from an address with no failures goes through while another
 *   address hammers the same user: a stranger cannot lock the real user out. The residual risk, that
 *   each fresh address of a botnet gets a try per user before it is counted, is written down in
 *   `docs/security.md`; realms that prefer locking out set `lockoutAfterFailures`.
 * - The address's count holds back every attempt from it, for any user.
 * - At most `concurrentPerAddress` attempts of one address wait for or run password verification at
 *   once on a node: without it, a burst sent in parallel would all pass the check before the first
 *   failure is counted.
 * - What is counted is a wrong password or an unknown or disabled user. A login refused for another
 *   reason (the realm's session cap, a throttle) is not a failure: Keycloak locks users out that way.
 *
 * A refused attempt is `LOGIN_THROTTLED` with `details.retryAfterSeconds`. Each throttling is announced
 * once per key and wait (`login-throttled` events, which the audit log records), not once per refused
 * attempt, so that a flood of refused attempts cannot fill the audit log.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { SessionError } from "./errors.ts";
import type { LoginFailureCount, LoginFailureStore } from "./store/login-failures.ts";

export interface ThrottleSettings {
  /** Failures a user may have before its next attempt must wait. @default 5 */
  userFreeFailures: number;
  /** Failures one client address may have, for any users, before its next attempt must wait. @default 20 */
  addressFreeFailures: number;
  /** The first wait, doubled with each further failure, in ms. @default 1000 */
  firstDelayMs: number;
  /** The longest wait, in ms. @default 900000 (15 minutes) */
  maxDelayMs: number;
  /** A key's failures are forgotten this long after the last one, in seconds. @default 43200 (12 hours) */
  forgetAfterSeconds: number;
  /** Most attempts of one address waiting for or in password verification at once, per node. @default 4 */
  concurrentPerAddress: number;
}

export const DEFAULT_THROTTLE_SETTINGS: ThrottleSettings = {
  userFreeFailures: 5,
  addressFreeFailures: 20,
  firstDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  forgetAfterSeconds: 12 * 3600,
  concurrentPerAddress: 4,
};

/** What a throttling decision is about, for the audit log. */
export interface ThrottleNotice {
  realm: string;
  /** The typed user name; the audit log digests it unless a user has it. */
  typedName: string;
  address: string | null;
  /** Which count held the attempt back. */
  heldBy: "user" | "address" | "concurrency";
  retryAfterSeconds: number;
  /** The count that held it back (0 for concurrency). */
  failures: number;
}

/** An attempt allowed to verify its password: report how it went, then release it. */
export interface AdmittedAttempt {
  /** Counts the failure under the user and the address; answers the user's new count. */
  failed(): Promise<number>;
  /** The user logged in: its failures are forgotten (the address's are not). */
  succeeded(): Promise<void>;
  /** Frees the attempt's place among its address's concurrent attempts. Idempotent. */
  release(): void;
}

export interface LoginThrottle {
  /**
   * Admits a login attempt of `typedName` in `realm` from `address`, or throws `LOGIN_THROTTLED`.
   * `address` is undefined for callers without one (embedded use).
   */
  admit(realm: string, typedName: string, address: string | undefined): Promise<AdmittedAttempt>;
}

export interface LoginThrottleOptions {
  store: LoginFailureStore;
  clock: Clock;
  settings: ThrottleSettings;
  /** The key a user's count is kept under; it must not hold the typed name (it may be a password). */
  userKey: (realm: string, typedName: string) => Promise<string>;
  /** Told of each throttling, once per key and wait. */
  onThrottled: (notice: ThrottleNotice) => void;
}

/** How long an attempt must still wait after `count`'s failures, in ms (0: it may go now). */
export function waitAfter(
  count: LoginFailureCount | undefined,
  freeFailures: number,
  settings: ThrottleSettings,
  now: number,
): number {
  if (!count || count.failures < freeFailures) return 0;
  if (count.lastFailureAt < now - settings.forgetAfterSeconds * 1000) return 0;
  const doublings = Math.min(count.failures - freeFailures, 40);
  const delay = Math.min(settings.maxDelayMs, settings.firstDelayMs * 2 ** doublings);
  return Math.max(0, count.lastFailureAt + delay - now);
}

/** Most throttling announcements remembered, so that their memory stays bounded under a flood. */
const MAX_ANNOUNCED = 10_000;

export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const { store, settings, clock, onThrottled } = options;
  const forgetMs = settings.forgetAfterSeconds * 1000;
  const inFlight = new Map<string, number>();
  /** Per key, the end of the wait last announced: a wait is announced once. */
  const announced = new Map<string, number>();

  function refuse(notice: Omit<ThrottleNotice, "retryAfterSeconds">, waitMs: number, key: string, now: number): never {
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    const until = now + waitMs;
    if ((announced.get(key) ?? 0) <= now) {
      if (announced.size >= MAX_ANNOUNCED) announced.clear();
      announced.set(key, until);
      onThrottled({ ...notice, retryAfterSeconds });
    }
    throw new SessionError("LOGIN_THROTTLED", `Too many failed logins: try again in ${retryAfterSeconds} s.`, {
      details: { retryAfterSeconds },
    });
  }

  return {
    async admit(realm, typedName, address) {
      const now = clock.now();
      const addressKey = address === undefined ? undefined : `address:${address}`;
      const about = { realm, typedName, address: address ?? null };
      if (addressKey !== undefined) {
        const running = inFlight.get(addressKey) ?? 0;
        if (running >= settings.concurrentPerAddress) {
          refuse({ ...about, heldBy: "concurrency", failures: 0 }, 1000, `${addressKey}#concurrency`, now);
        }
      }
      const forUser = await options.userKey(realm, typedName);
      const counts = await store.getLoginFailures(addressKey === undefined ? [forUser] : [forUser, addressKey]);
      const user = counts.find((count) => count.key === forUser);
      const fromAddress = counts.find((count) => count.key === addressKey);
      const addressWait = waitAfter(fromAddress, settings.addressFreeFailures, settings, now);
      if (addressWait > 0 && addressKey !== undefined) {
        refuse({ ...about, heldBy: "address", failures: fromAddress?.failures ?? 0 }, addressWait, addressKey, now);
      }
      // The user's count holds back only addresses with failures of their own (see the module comment).
      const addressHasFailed = fromAddress !== undefined && fromAddress.lastFailureAt >= now - forgetMs;
      if (addressKey === undefined || addressHasFailed) {
        const userWait = waitAfter(user, settings.userFreeFailures, settings, now);
        if (userWait > 0) refuse({ ...about, heldBy: "user", failures: user?.failures ?? 0 }, userWait, forUser, now);
      }

      let released = false;
      if (addressKey !== undefined) inFlight.set(addressKey, (inFlight.get(addressKey) ?? 0) + 1);
      return {
        async failed() {
          const keys = addressKey === undefined ? [forUser] : [forUser, addressKey];
          const failedAt = clock.now();
          const counted = await store.addLoginFailure(keys, failedAt, failedAt - forgetMs);
          return counted.find((count) => count.key === forUser)?.failures ?? 1;
        },
        async succeeded() {
          if (user) await store.clearLoginFailures(forUser);
        },
        release() {
          if (released || addressKey === undefined) return;
          released = true;
          const left = (inFlight.get(addressKey) ?? 1) - 1;
          if (left <= 0) inFlight.delete(addressKey);
          else inFlight.set(addressKey, left);
        },
      };
    },
  };
}
