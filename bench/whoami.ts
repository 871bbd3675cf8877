/**
 * Scenario `whoami`: requests per second of `GET /api/v1/session` (who am I) with a valid bearer,
 * against a store holding many live sessions.
 *
 * Why: every authenticated call of every front door starts with the same work (digest the secret,
 * look the session up, load the user, record activity), so who-am-i is the floor of sessiond's
 * per-request cost. It is compared with a raw `node:http` server answering `{"ok":true}`, which is
 * the most one Node process can answer on this machine: same generator (wrk), same connections, same
 * duration, same request (the bearer rotates over many sessions, and the baseline ignores it).
 *
 * For context (not the target) the raw server is measured a third time answering the very body
 * sessiond answered (about 660 bytes): the gap between the two baselines is the price of the
 * response size alone, the rest is sessiond's own work (framework, store lookup, serialisation).
 *
 * The three servers run side by side (each in its own process, idle while another is measured) and
 * are measured in interleaved rounds; the median round of each is reported.
 *
 * Target: sessiond ≥ 0.8 × the `{"ok":true}` baseline.
 */

import type { BenchOptions } from "./lib/options.ts";
import { compareThroughput, fmt, line, verdict } from "./lib/report.ts";
import { type RawServer, type SessiondServer, startRaw, startSessiond } from "./lib/servers.ts";
import { runWrk, type WrkOptions, type WrkResult } from "./lib/wrk.ts";

export const WHOAMI_TARGET = 0.8;

export interface WhoamiResult {
  sessions: number;
  secretsRotated: number;
  connections: number;
  durationS: number;
  responseBytes: number;
  /** Median rounds. */
  baseline: WrkResult;
  sessiond: WrkResult;
  ratio: number;
  target: number;
  met: boolean;
  /** The raw server answering sessiond's who-am-i body: context for the ratio. */
  baselineSameBody: WrkResult;
  ratioToSameBody: number;
  rounds: { sessiond: number[]; baseline: number[]; baselineSameBody: number[] };
}

/** A warm-up run, thrown away, then the measured run. */
export async function warmAndMeasure(options: BenchOptions, wrk: Omit<WrkOptions, "durationS">): Promise<WrkResult> {
  await runWrk({ ...wrk, durationS: options.warmupS });
  return runWrk({ ...wrk, durationS: options.durationS });
}

export async function runWhoami(options: BenchOptions): Promise<WhoamiResult> {
  const servers: { stop(): Promise<void> }[] = [];
  try {
    const sessiond: SessiondServer = await startSessiond(options, "whoami");
    servers.push(sessiond);
    line("whoami", `sessiond ready: ${fmt(options.sessions)} sessions inserted in ${fmt(sessiond.insertMs)} ms`);
    const raw: RawServer = await startRaw();
    servers.push(raw);
    const rawSameBody: RawServer = await startRaw(sessiond.whoamiBodyFile);
    servers.push(rawSameBody);

    const measure = (url: string) =>
      warmAndMeasure(options, {
        mode: "bearer",
        connections: options.connections,
        threads: options.threads,
        url: `${url}/api/v1/session`,
        listFile: sessiond.secretsFile,
      });
    const compared = await compareThroughput(
      options.rounds,
      {
        sessiond: () => measure(sessiond.url),
        baseline: () => measure(raw.url),
        baselineSameBody: () => measure(rawSameBody.url),
      },
      (r) => r.requestsPerSecond,
    );
    const { sessiond: measured, baseline, baselineSameBody, ratio, ratioToSameBody } = compared;
    const met = ratio >= WHOAMI_TARGET;
    line(
      "whoami",
      `sessiond ${fmt(measured.requestsPerSecond)} req/s (p99 ${measured.latencyMs.p99} ms) | ` +
        `baseline ${fmt(baseline.requestsPerSecond)} req/s | ratio ${ratio.toFixed(2)} (target ≥ ${WHOAMI_TARGET}) ${verdict(met)}`,
    );
    line(
      "whoami",
      `context: raw node:http sending the same ${fmt(sessiond.whoamiBodyBytes)}-byte body ` +
        `${fmt(baselineSameBody.requestsPerSecond)} req/s | ratio to it ${ratioToSameBody.toFixed(2)}`,
    );
    const errors = compared.results.sessiond.reduce((sum, r) => sum + r.errors, 0);
    if (errors > 0) line("whoami", `WARNING: ${errors} failed requests during the sessiond runs`);
    return {
      sessions: options.sessions,
      secretsRotated: options.sample,
      connections: options.connections,
      durationS: options.durationS,
      responseBytes: sessiond.whoamiBodyBytes,
      baseline,
      sessiond: measured,
      ratio,
      target: WHOAMI_TARGET,
      met,
      baselineSameBody,
      ratioToSameBody,
      rounds: compared.rounds,
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}
