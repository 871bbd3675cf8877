/**
 * The login baseline: raw argon2id verification throughput with `@node-rs/argon2` and exactly the
 * parameters sessiond hashes with (`ARGON2_OPTIONS`), no HTTP, no store. `--concurrency` verifications
 * are kept in flight so that libuv's thread pool keeps every core busy, as concurrent logins do.
 *
 *   node --import tsx bench/lib/argon2-baseline.ts --concurrency 8 --duration 10 --warmup 2
 *
 * Prints one JSON line: { verifies, seconds, perSecond, concurrency, threadPoolSize }.
 */

import { parseArgs } from "node:util";
import { hash, verify } from "@node-rs/argon2";
import { ARGON2_OPTIONS } from "../../src/core/password.ts";

const { values } = parseArgs({
  options: {
    concurrency: { type: "string", default: "8" },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
  },
});
const concurrency = Number(values.concurrency);
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;

const password = "bench-password-0123456789";
const passwordHash = await hash(password, ARGON2_OPTIONS);

const start = performance.now();
const measureFrom = start + warmupMs;
const measureTo = measureFrom + durationMs;
let verifies = 0;

async function worker(): Promise<void> {
  while (performance.now() < measureTo) {
    const ok = await verify(passwordHash, password);
    if (!ok) throw new Error("verify failed");
    const at = performance.now();
    if (at >= measureFrom && at <= measureTo) verifies += 1;
  }
}

await Promise.all(Array.from({ length: concurrency }, () => worker()));
const seconds = durationMs / 1000;
console.log(
  JSON.stringify({
    verifies,
    seconds,
    perSecond: Math.round((verifies / seconds) * 10) / 10,
    concurrency,
    threadPoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
  }),
);
