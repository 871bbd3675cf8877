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

import { parseArgs } from "node:util";
import type { SessionRecord } from "../../src/core/types.ts";
import { benchSession } from "./bench-session.ts";

const { values } = parseArgs({ options: { sessions: { type: "string", default: "1000000" } } });
const sessions = Number(values.sessions);
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error("Run with node --expose-gc");

function settle(): NodeJS.MemoryUsage {
  for (let i = 0; i < 4; i++) collect?.();
  return process.memoryUsage();
}

const now = Date.now();

const warm = new Map<string, SessionRecord>();
for (let i = 0; i < 1_000; i++) {
  const s = benchSession(i + 1, now);
  warm.set(s.secretDigest, s);
}

const before = settle();
const map = new Map<string, SessionRecord>();
for (let i = 0; i < sessions; i++) {
  const s = benchSession(i + 1, now);
  map.set(s.secretDigest, s);
}
const after = settle();
if (map.size !== sessions) throw new Error("Lost sessions");
const delta = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
console.log(JSON.stringify({ sessions, bytesPerSession: Math.round((delta / sessions) * 10) / 10 }));
