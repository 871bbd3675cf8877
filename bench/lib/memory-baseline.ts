/**
 * The memory baseline: the same session records as `bench/memory-per-session.ts` makes, held the
 * naive way, as plain objects in a `Map` keyed by secret digest, measured the same way (heap plus
 * array buffers after garbage collection, divided by the number of sessions). It tells how much the
 * memory store's packed layout saves over the obvious implementation.
 *
 *   node --expose-gc --import tsx bench/lib/memory-baseline.ts --sessions 1000000
 *
 * Prints one JSON line: { sessions, bytesPerSession }.
 */

import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import type { SessionRecord } from "../../src/core/types.ts";

const { values } = parseArgs({ options: { sessions: { type: "string", default: "1000000" } } });
const sessions = Number(values.sessions);
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error("Run with node --expose-gc");

function settle(): NodeJS.MemoryUsage {
  for (let i = 0; i < 4; i++) collect?.();
  return process.memoryUsage();
}

const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
const now = Date.now();

function makeSession(number: number): SessionRecord {
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
    expiresAt: null,
    binding: null,
  };
}

const warm = new Map<string, SessionRecord>();
for (let i = 0; i < 1_000; i++) {
  const s = makeSession(i + 1);
  warm.set(s.secretDigest, s);
}

const before = settle();
const map = new Map<string, SessionRecord>();
for (let i = 0; i < sessions; i++) {
  const s = makeSession(i + 1);
  map.set(s.secretDigest, s);
}
const after = settle();
if (map.size !== sessions) throw new Error("Lost sessions");
const delta = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
console.log(JSON.stringify({ sessions, bytesPerSession: Math.round((delta / sessions) * 10) / 10 }));
