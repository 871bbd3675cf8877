/**
 * Records and helpers shared by the parts of the store contract suite.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SessionError } from "../../../src/core/errors.ts";
import type { AttributeLimits } from "../../../src/core/store/index.ts";
import type { AuditEntry, Group, Realm, SessionRecord, TicketRecord, User } from "../../../src/core/types.ts";

/** A store part under test, with the `close` every driver has. */
export interface Closable {
  close(): Promise<void>;
}

export interface ContractOptions {
  /** Skips the part, saying why (a missing server is a failure in CI: see SESSIOND_TEST_NO_SKIP). */
  skip?: string | undefined;
}

export const ROOMY: AttributeLimits = { maxCount: 100, maxTotalBytes: 100_000 };

/** A full session record; every field set to a distinct, non-default value unless overridden. */
export function session(n: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    key: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    number: n,
    secretDigest: n.toString(16).padStart(64, "0"),
    realm: "default",
    userName: `user${n}`,
    impersonatedBy: null,
    protocol: "api",
    createdAt: 1_000,
    loginAt: 1_500,
    lastActiveAt: 2_000,
    userActiveAt: null,
    callCount: 3,
    locale: "en_US",
    messageLocale: "en",
    client: { name: "cli", version: "1.2.3", ipAddress: "127.0.0.1", userAgent: "test/1.0" },
    idleTimeoutMs: null,
    idleTimeoutChosen: false,
    expiresAt: null,
    binding: null,
    ...overrides,
  };
}

export function realm(name: string, overrides: Partial<Realm> = {}): Realm {
  return {
    id: `${name.padEnd(8, "0").slice(0, 8)}-0000-0000-0000-000000000001`,
    name,
    defaultLocale: "en_US",
    supportedLocales: ["en", "de_DE"],
    idleTimeoutSeconds: 1800,
    maxIdleTimeoutSeconds: null,
    maxLifetimeSeconds: null,
    maxSessionsPerUser: null,
    maxSessionsPolicy: "deny",
    allowSelfRegistration: false,
    lockoutAfterFailures: null,
    ...overrides,
  };
}

export function user(realmName: string, name: string, number: number, overrides: Partial<User> = {}): User {
  return {
    realm: realmName,
    number,
    name,
    fullName: `${name} Example`,
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
    groups: ["staff"],
    privileges: ["System.View", "Sessions.TerminateSession"],
    disabled: false,
    createdAt: 5_000,
    ...overrides,
  };
}

export function group(realmName: string, name: string, number: number, overrides: Partial<Group> = {}): Group {
  return { realm: realmName, number, name, privileges: ["System.Read"], ...overrides };
}

export function ticket(digest: string, overrides: Partial<TicketRecord> = {}): TicketRecord {
  return {
    digest,
    kind: "clone",
    realm: "default",
    userName: "alice",
    sessionKey: session(1).key,
    expiresAt: 10_000,
    ...overrides,
  };
}

export function audit(at: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at,
    type: "login",
    realm: "default",
    userName: "alice",
    sessionKey: session(1).key,
    actor: null,
    ipAddress: "127.0.0.1",
    protocol: "vsphere",
    detail: `entry at ${at}`,
    ...overrides,
  };
}

/** Asserts that `promise` rejects with a SessionError carrying `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: SessionError["code"]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SessionError, `expected a SessionError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

export function numbers(records: readonly SessionRecord[]): number[] {
  return records.map((r) => r.number).sort((a, b) => a - b);
}
