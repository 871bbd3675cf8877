/**
 * Password hashing with argon2id. `@node-rs/argon2` runs hash and verify on libuv's thread pool, so
 * the event loop keeps serving other requests while a login is verified.
 *
 * @module
 */

import { type Algorithm, hash, verify } from "@node-rs/argon2";

/** `Algorithm.Argon2id`; the package declares it as an ambient const enum, which isolated modules cannot read. */
const ARGON2ID = 2 as Algorithm;

export interface PasswordHasher {
  /** `owner` (a client address) lets a queue take turns fairly between those waiting. */
  hash(password: string, owner?: string): Promise<string>;
  /** False for a wrong password or an unreadable hash; never throws for those. */
  verify(passwordHash: string, password: string, owner?: string): Promise<boolean>;
}

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export interface Argon2Cost {
  /** KiB of memory per hash. @default 19456 */
  memoryCost?: number;
  /** Passes over the memory. @default 2 */
  timeCost?: number;
  /** Lanes. @default 1 */
  parallelism?: number;
}

export function createArgon2Hasher(options: Argon2Cost = {}): PasswordHasher {
  const settings = { ...ARGON2_OPTIONS, ...options };
  return {
    hash: (password) => hash(password, settings),
    async verify(passwordHash, password) {
      try {
        return await verify(passwordHash, password);
      } catch {
        return false;
      }
    },
  };
}

/**
 * A hash of a random password, verified against when a login names an unknown user, so that a
 * login for a missing user costs as much as one for a real user (no user enumeration by timing).
 */
export async function createDecoyHash(hasher: PasswordHasher): Promise<string> {
  return hasher.hash(`decoy-${Math.random()}-${Date.now()}`);
}
