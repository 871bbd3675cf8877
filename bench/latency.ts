/**
 * Scenario `latency`: p99 latency of who-am-i while password logins run at full speed.
 *
 * Why: argon2id is deliberately expensive and runs on libuv's thread pool; the event loop must keep
 * answering everyone else meanwhile. Two wrk processes run at once: one sends logins as fast as they
 * are answered, the other sends who-am-i at a moderate, roughly fixed rate (each connection pauses
 * before each request; plain wrk has no exact rate control, and its latency figures do not correct
 * for coordinated omission). For context the same rate is also measured against sessiond without
 * the logins, and against the raw `node:http` baseline while an argon2id verify loop of the same
 * concurrency (a separate process) keeps the cores as busy as the logins do.
 *
 * Measured in interleaved rounds; the round with the median p99 of each series is reported.
 *
 * Target: who-am-i p99 < 5 ms under login load.
 */

import type { BenchOptions } from "./lib/options.ts";
import { sleep } from "./lib/proc.ts";
import { fmt, line, median, verdict } from "./lib/report.ts";
import { type RawServer, type SessiondServer, startRaw, startSessiond } from "./lib/servers.ts";
import { runWrk, type WrkResult } from "./lib/wrk.ts";
import { type Argon2Baseline, loginLoad, runArgon2Baseline } from "./logins.ts";

export const LATENCY_TARGET_MS = 5;

interface Round {
  /** sessiond: who-am-i at the fixed rate, no other load. */
  sessiondAlone: WrkResult;
  /** sessiond: who-am-i at the fixed rate while logins run. */
  sessiondUnderLogins: WrkResult;
  /** The logins that ran meanwhile. */
  logins: WrkResult;
  /** Baseline server: the same who-am-i rate while argon2id verifications run in another process. */
  baselineUnderArgon2: WrkResult;
  argon2: Argon2Baseline;
}

export interface LatencyResult extends Round {
  whoamiConnections: number;
  whoamiDelayMs: number;
  loginConnections: number;
  durationS: number;
  p99Ms: number;
  target: number;
  met: boolean;
  rounds: { sessiondAloneP99: number[]; sessiondUnderLoginsP99: number[]; baselineUnderArgon2P99: number[] };
}

async function measureRound(options: BenchOptions, sessiond: SessiondServer, raw: RawServer): Promise<Round> {
  const background = options.warmupS + options.durationS + 1;
  const rate = {
    mode: "bearer" as const,
    connections: options.rateConnections,
    threads: 1,
    delayMs: options.rateDelayMs,
    durationS: options.durationS,
    listFile: sessiond.secretsFile,
  };
  const whoami = { ...rate, url: `${sessiond.url}/api/v1/session` };

  await runWrk({ ...whoami, durationS: options.warmupS });
  const sessiondAlone = await runWrk(whoami);

  const loginRun = runWrk({ ...loginLoad(options, sessiond), durationS: background });
  await sleep(options.warmupS * 1000);
  const sessiondUnderLogins = await runWrk(whoami);
  const logins = await loginRun;

  const argon2Load = runArgon2Baseline(options.loginConnections, background, 0);
  await sleep(options.warmupS * 1000);
  const baselineUnderArgon2 = await runWrk({ ...rate, url: `${raw.url}/api/v1/session` });
  const argon2 = await argon2Load;
  return { sessiondAlone, sessiondUnderLogins, logins, baselineUnderArgon2, argon2 };
}

export async function runLatency(options: BenchOptions): Promise<LatencyResult> {
  const servers: { stop(): Promise<void> }[] = [];
  const rounds: Round[] = [];
  try {
    const sessiond = await startSessiond(options, "latency");
    servers.push(sessiond);
    const raw = await startRaw();
    servers.push(raw);
    for (let i = 0; i < options.rounds; i++) rounds.push(await measureRound(options, sessiond, raw));
  } finally {
    for (const server of servers) await server.stop();
  }

  const p99 = (r: WrkResult) => r.latencyMs.p99;
  const loaded = median(rounds, (r) => p99(r.sessiondUnderLogins));
  const sessiondAlone = median(rounds, (r) => p99(r.sessiondAlone)).sessiondAlone;
  const baselineRound = median(rounds, (r) => p99(r.baselineUnderArgon2));
  const { sessiondUnderLogins, logins } = loaded;
  const { baselineUnderArgon2, argon2 } = baselineRound;

  const p99Ms = p99(sessiondUnderLogins);
  const met = p99Ms < LATENCY_TARGET_MS;
  line(
    "latency",
    `sessiond who-am-i p99 ${p99Ms} ms at ${fmt(sessiondUnderLogins.requestsPerSecond)} req/s under ` +
      `${fmt(logins.requestsPerSecond, 1)} logins/s (target < ${LATENCY_TARGET_MS} ms) ${verdict(met)}`,
  );
  line(
    "latency",
    `context: sessiond alone p99 ${p99(sessiondAlone)} ms | baseline under ${fmt(argon2.perSecond, 1)} ` +
      `argon2id verify/s p99 ${p99(baselineUnderArgon2)} ms`,
  );
  for (const [i, r] of rounds.entries()) {
    const failed =
      r.sessiondAlone.errors + r.sessiondUnderLogins.errors + r.logins.errors + r.baselineUnderArgon2.errors;
    if (failed > 0) line("latency", `WARNING: ${failed} failed requests in round ${i + 1}`);
  }
  return {
    whoamiConnections: options.rateConnections,
    whoamiDelayMs: options.rateDelayMs,
    loginConnections: options.loginConnections,
    durationS: options.durationS,
    sessiondAlone,
    sessiondUnderLogins,
    logins,
    baselineUnderArgon2,
    argon2,
    p99Ms,
    target: LATENCY_TARGET_MS,
    met,
    rounds: {
      sessiondAloneP99: rounds.map((r) => p99(r.sessiondAlone)),
      sessiondUnderLoginsP99: rounds.map((r) => p99(r.sessiondUnderLogins)),
      baselineUnderArgon2P99: rounds.map((r) => p99(r.baselineUnderArgon2)),
    },
  };
}
