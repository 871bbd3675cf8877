/**
 * Scenario `memory`: bytes of memory per live session in the memory store.
 *
 * Why: the memory store is meant to hold a million sessions in a modest heap. The measurement itself
 * is `bench/memory-per-session.ts` (heap plus array buffers after GC, divided by the sessions). The
 * baseline, measured the same way by `bench/lib/memory-baseline.ts`, holds the same records as plain
 * objects in a `Map`: the ratio says how much the store's packed layout saves over the obvious design.
 *
 * Target: ≤ 256 bytes per session with 1,000,000 sessions.
 */

import { join } from "node:path";
import type { BenchOptions } from "./lib/options.ts";
import { runChild } from "./lib/proc.ts";
import { fmt, line, round, verdict } from "./lib/report.ts";

export const MEMORY_TARGET_BYTES = 256;

export interface MemoryResult {
  sessions: number;
  bytesPerSession: number;
  baselineBytesPerSession: number;
  /** Store bytes over baseline bytes: lower is better. */
  ratioToBaseline: number;
  target: number;
  met: boolean;
  detail: Record<string, unknown>;
}

export async function runMemory(options: BenchOptions): Promise<MemoryResult> {
  const sessions = String(options.memorySessions);
  const memoryNode = { nodeArgs: ["--expose-gc", "--max-old-space-size=8192"], timeoutMs: 10 * 60_000 };
  const store = await runChild<{ bytesPerSession: number } & Record<string, unknown>>(
    join(import.meta.dirname, "memory-per-session.ts"),
    ["--sessions", sessions],
    { ...memoryNode, label: "memory" },
  );
  const baseline = await runChild<{ bytesPerSession: number }>(
    join(import.meta.dirname, "lib", "memory-baseline.ts"),
    ["--sessions", sessions],
    { ...memoryNode, label: "memory-baseline" },
  );
  const ratio = round(store.bytesPerSession / baseline.bytesPerSession);
  const met = store.bytesPerSession <= MEMORY_TARGET_BYTES;
  line(
    "memory",
    `memory store ${fmt(store.bytesPerSession, 1)} B/session with ${fmt(options.memorySessions)} sessions ` +
      `(target ≤ ${MEMORY_TARGET_BYTES}) ${verdict(met)} | baseline Map of objects ${fmt(baseline.bytesPerSession, 1)} ` +
      `B/session | ratio ${ratio.toFixed(2)}`,
  );
  return {
    sessions: options.memorySessions,
    bytesPerSession: store.bytesPerSession,
    baselineBytesPerSession: baseline.bytesPerSession,
    ratioToBaseline: ratio,
    target: MEMORY_TARGET_BYTES,
    met,
    detail: store,
  };
}
