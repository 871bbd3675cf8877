/**
 * The session record the memory benchmarks store: logged in, realm "default", a user from a small
 * set, protocol "api", the same client, a 30-minute idle timeout, a random key and digest. Shared so
 * that the store and its plain-object baseline measure exactly the same records.
 */

import { randomBytes, randomUUID } from "node:crypto";
import type { SessionRecord } from "../../src/core/types.ts";

const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];

export function benchSession(number: number, now: number): SessionRecord {
  return {
    key: randomUUID(),
    number,
    secretDigest: randomBytes(32).toString("hex"),
    realm: "default",
    userName: USERS[number % USERS.length] as string,
    impersonatedBy: null,
    protocol: "api",
    createdAt: now,
    loginAt: now,
    lastActiveAt: now,
    userActiveAt: null,
    callCount: 0,
    locale: "en",
    messageLocale: "en",
    client: { ipAddress: "127.0.0.1", userAgent: "bench/1.0" },
    idleTimeoutMs: 1_800_000,
    idleTimeoutChosen: false,
    expiresAt: null,
    binding: null,
  };
}
