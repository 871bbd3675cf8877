/**
 * Memory per session of the in-memory store: inserts N logged-in sessions and reports how much the heap
 * and array buffers grew, after garbage collection, divided by N. Target: at most 256 bytes with
 * 1,000,000 sessions.
 *
 *   node --expose-gc --import tsx bench/memory-per-session.ts [--sessions N]
 *
 * The last line of output is JSON: { sessions, bytesPerSession, heapUsedDelta, arrayBuffersDelta }.
 */

import { parseArgs } from "node:util";
import { createMemoryStore } from "../src/store/memory/index.ts";
import { benchSession } from "./lib/bench-session.ts";

const { values } = parseArgs({ options: { sessions: { type: "string", default: "1000000" } } });
const sessions = Number(values.sessions);
if (!Number.isSafeInteger(sessions) || sessions <= 0) {
  console.error("--sessions must be a positive integer");
  process.exit(2);
}

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) {
  console.error("Run with node --expose-gc so that the measurement can collect garbage first.");
  process.exit(2);
}

function settle(): NodeJS.MemoryUsage {
  for (let i = 0; i < 4; i++) collect?.();
  return process.memoryUsage();
}

const now = Date.now();

const store = createMemoryStore();
// Warm up the code paths so that compiled code is not counted against the sessions.
const warm = createMemoryStore();
for (let i = 0; i < 1_000; i++) await warm.insertSession(benchSession(i + 1, now));

const before = settle();
const started = performance.now();
for (let i = 0; i < sessions; i++) {
  await store.insertSession(benchSession(await store.nextSessionNumber(), now));
}
const insertMs = performance.now() - started;
const after = settle();

// Keep the store reachable until the measurement is taken.
if ((await store.countSessions({})) !== sessions) throw new Error("Lost sessions");

const heapUsedDelta = after.heapUsed - before.heapUsed;
const arrayBuffersDelta = after.arrayBuffers - before.arrayBuffers;
console.log(`inserted ${sessions} sessions in ${Math.round(insertMs)} ms`);
console.log(
  JSON.stringify({
    sessions,
    bytesPerSession: Math.round(((heapUsedDelta + arrayBuffersDelta) / sessions) * 10) / 10,
    heapUsedDelta,
    arrayBuffersDelta,
  }),
);
