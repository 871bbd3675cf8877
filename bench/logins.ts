/**
 * Scenario `logins`: password logins per second over `POST /api/v1/login`, with the real argon2id cost
 * (buildApp's default hasher: 19 MiB, 2 passes, 1 lane).
 *
 * Why: a login is dominated by one argon2id verification by design, so the question is not "how
 * fast" but "how much does sessiond add around it". The baseline is raw `@node-rs/argon2` verify
 * throughput with the same parameters in a child process of its own, with as many verifications in
 * flight as sessiond computes at once (`sessions.hashConcurrency`, by default one fewer than the
 * cores: sessiond keeps a core free for every other request, see `latency`). Each login creates a
 * session; at about a hundred a second the run stays bounded. The two are measured in interleaved
 * rounds and the median round of each is reported. `logins-pg` is the same on the PostgreSQL store.
 *
 * Target: sessiond ≥ 0.9 × the baseline.
 */

import { availableParallelism } from "node:os";
import { join } from "node:path";
import { warmAndMeasure } from "./lib/measure.ts";
import type { BenchOptions } from "./lib/options.ts";
import { runChild } from "./lib/proc.ts";
import { fmt, line, median, round, verdict } from "./lib/report.ts";
import { type SessiondServer, startSessiond } from "./lib/servers.ts";
import type { WrkOptions, WrkResult } from "./lib/wrk.ts";

export const LOGINS_TARGET = 0.9;

export interface Argon2Baseline {
  verifies: number;
  seconds: number;
  perSecond: number;
  concurrency: number;
  threadPoolSize: number;
}

export interface LoginsResult {
  connections: number;
  durationS: number;
  baseline: Argon2Baseline;
  sessiond: WrkResult;
  ratio: number;
  target: number;
  met: boolean;
  rounds: { sessiond: number[]; baseline: number[] };
}

/** Raw argon2id verifications; `warmupS` 0 and a long duration make it a background load. */
export function runArgon2Baseline(concurrency: number, durationS: number, warmupS: number): Promise<Argon2Baseline> {
  return runChild<Argon2Baseline>(
    join(import.meta.dirname, "lib", "argon2-baseline.ts"),
    ["--concurrency", String(concurrency), "--duration", String(durationS), "--warmup", String(warmupS)],
    { label: "argon2-baseline", timeoutMs: (durationS + warmupS + 60) * 1000 },
  );
}

/**
 * The login load (wrk, but the duration): `POST /api/v1/login` as fast as answered, on
 * `--login-connections` connections, rotating over the users. Measured here; `latency` runs it beside
 * its who-am-i.
 */
export function loginLoad(options: BenchOptions, sessiond: SessiondServer): Omit<WrkOptions, "durationS"> {
  return {
    url: `${sessiond.url}/api/v1/login`,
    mode: "login",
    listFile: sessiond.usersFile,
    password: sessiond.password,
    connections: options.loginConnections,
    threads: 1,
  };
}

/** How many hashes sessiond computes at once by default: one fewer than the cores, at least one. */
export const SESSIOND_HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);

export const runLogins = (options: BenchOptions) => runLoginsOn(options, "logins", "sqlite");
export const runLoginsPg = (options: BenchOptions) => runLoginsOn(options, "logins-pg", "postgres");

async function runLoginsOn(options: BenchOptions, name: string, store: "sqlite" | "postgres"): Promise<LoginsResult> {
  const sessiond = await startSessiond(options, name, { store });
  const runs = { sessiond: [] as WrkResult[], baseline: [] as Argon2Baseline[] };
  try {
    // Interleaved rounds: the baseline process runs while the (idle) server waits, then the reverse.
    for (let i = 0; i < options.rounds; i++) {
      runs.baseline.push(await runArgon2Baseline(SESSIOND_HASH_CONCURRENCY, options.durationS, options.warmupS));
      runs.sessiond.push(await warmAndMeasure(options, loginLoad(options, sessiond), sessiond));
    }
  } finally {
    await sessiond.stop();
  }

  const measured = median(runs.sessiond, (r) => r.requestsPerSecond);
  const baseline = median(runs.baseline, (r) => r.perSecond);
  const ratio = round(measured.requestsPerSecond / baseline.perSecond);
  const met = ratio >= LOGINS_TARGET;
  line(
    name,
    `sessiond ${fmt(measured.requestsPerSecond, 1)} logins/s (p50 ${measured.latencyMs.p50} ms) | ` +
      `baseline argon2id verify ${fmt(baseline.perSecond, 1)}/s, ${SESSIOND_HASH_CONCURRENCY} at once | ` +
      `ratio ${ratio.toFixed(2)} (target ≥ ${LOGINS_TARGET}) ${verdict(met)}`,
  );
  const errors = runs.sessiond.reduce((sum, r) => sum + r.errors, 0);
  if (errors > 0) line(name, `WARNING: ${errors} failed logins`);
  return {
    connections: options.loginConnections,
    durationS: options.durationS,
    baseline,
    sessiond: measured,
    ratio,
    target: LOGINS_TARGET,
    met,
    rounds: {
      sessiond: runs.sessiond.map((r) => r.requestsPerSecond),
      baseline: runs.baseline.map((r) => r.perSecond),
    },
  };
}
