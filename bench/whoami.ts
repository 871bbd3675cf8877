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
 * Also reported, from sessiond's median round: the activity writes (session rows the store's
 * `applyActivity` wrote per second of the measured run, against the requests answered: every call
 * is activity of its session, buffered and written about once a second), the process's CPU time per
 * request and its resident memory after the run.
 *
 * Target: sessiond ≥ 0.8 × the `{"ok":true}` baseline.
 */

import { type Measured, reportServer, type ServerFigures, warmAndMeasure } from "./lib/measure.ts";
import type { BenchOptions } from "./lib/options.ts";
import { compareThroughput, fmt, line, verdict } from "./lib/report.ts";
import { type RawServer, type SessiondServer, startRaw, startSessiond } from "./lib/servers.ts";

export const WHOAMI_TARGET = 0.8;

export interface WhoamiResult {
  sessions: number;
  /** How long inserting them took, and how (see `bench/lib/sessiond-server.ts`). */
  insertMs: number;
  insertMode: string;
  secretsRotated: number;
  connections: number;
  durationS: number;
  responseBytes: number;
  /** Median rounds. */
  baseline: Measured;
  sessiond: Measured;
  ratio: number;
  target: number;
  met: boolean;
  /** The raw server answering sessiond's who-am-i body: context for the ratio. */
  baselineSameBody: Measured;
  ratioToSameBody: number;
  /** Activity writes, CPU and memory of the sessiond process during its median round. */
  server: ServerFigures | undefined;
  rounds: { sessiond: number[]; baseline: number[]; baselineSameBody: number[] };
}

/** The who-am-i comparison against a store of `sessions` sessions, reported under `scenario`. */
export async function measureWhoami(
  options: BenchOptions,
  scenario: string,
  sessions: number,
  target: number,
): Promise<WhoamiResult> {
  const servers: { stop(): Promise<void> }[] = [];
  try {
    const sessiond: SessiondServer = await startSessiond(options, scenario, { sessions });
    servers.push(sessiond);
    line(
      scenario,
      `sessiond ready: ${fmt(sessions)} sessions inserted in ${fmt(sessiond.insertMs)} ms (${sessiond.insertMode})`,
    );
    const raw: RawServer = await startRaw();
    servers.push(raw);
    const rawSameBody: RawServer = await startRaw(sessiond.whoamiBodyFile);
    servers.push(rawSameBody);

    const measure = (url: string, server?: SessiondServer) =>
      warmAndMeasure(
        options,
        {
          mode: "bearer",
          connections: options.connections,
          threads: options.threads,
          url: `${url}/api/v1/session`,
          listFile: sessiond.secretsFile,
        },
        server,
      );
    const compared = await compareThroughput(
      options.rounds,
      {
        sessiond: () => measure(sessiond.url, sessiond),
        baseline: () => measure(raw.url),
        baselineSameBody: () => measure(rawSameBody.url),
      },
      (r) => r.requestsPerSecond,
    );
    const { sessiond: measured, baseline, baselineSameBody, ratio, ratioToSameBody } = compared;
    const met = ratio >= target;
    line(
      scenario,
      `sessiond ${fmt(measured.requestsPerSecond)} req/s (p99 ${measured.latencyMs.p99} ms) | ` +
        `baseline ${fmt(baseline.requestsPerSecond)} req/s | ratio ${ratio.toFixed(2)} (target ≥ ${target}) ${verdict(met)}`,
    );
    line(
      scenario,
      `context: raw node:http sending the same ${fmt(sessiond.whoamiBodyBytes)}-byte body ` +
        `${fmt(baselineSameBody.requestsPerSecond)} req/s | ratio to it ${ratioToSameBody.toFixed(2)}`,
    );
    const server = reportServer(scenario, sessiond, measured);
    const errors = compared.results.sessiond.reduce((sum, r) => sum + r.errors, 0);
    if (errors > 0) line(scenario, `WARNING: ${errors} failed requests during the sessiond runs`);
    return {
      sessions,
      insertMs: sessiond.insertMs,
      insertMode: sessiond.insertMode,
      secretsRotated: sessiond.secrets.length,
      connections: options.connections,
      durationS: options.durationS,
      responseBytes: sessiond.whoamiBodyBytes,
      baseline,
      sessiond: measured,
      ratio,
      target,
      met,
      baselineSameBody,
      ratioToSameBody,
      server,
      rounds: compared.rounds,
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}

export function runWhoami(options: BenchOptions): Promise<WhoamiResult> {
  return measureWhoami(options, "whoami", options.sessions, WHOAMI_TARGET);
}
