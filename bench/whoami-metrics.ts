/**
 * Scenario `whoami-metrics`: what Prometheus metrics cost on the hottest path. Who-am-i is measured
 * against two sessiond processes in the same run, one with metrics on (as `npm start` runs) and one
 * with `metrics.enabled: false`, and against the raw `node:http` baseline, in interleaved rounds (the
 * two sessiond processes in alternating order); the
 * median round of each is reported, with the cost of metrics as the share of throughput they take.
 *
 * Target: metrics cost at most a few percent (issue 16); the line says how much they do.
 */

import { warmAndMeasure } from "./lib/measure.ts";
import type { BenchOptions } from "./lib/options.ts";
import { fmt, line, median, round } from "./lib/report.ts";
import { type RawServer, type SessiondServer, startRaw, startSessiond } from "./lib/servers.ts";
import type { WrkResult } from "./lib/wrk.ts";

const NAME = "whoami-metrics";
/** The most throughput metrics may take, as a share of who-am-i without them. */
export const METRICS_COST_TARGET = 0.05;

export async function runWhoamiMetrics(options: BenchOptions) {
  const servers: { stop(): Promise<void> }[] = [];
  try {
    const withMetrics: SessiondServer = await startSessiond(options, `${NAME}-on`);
    servers.push(withMetrics);
    const without: SessiondServer = await startSessiond(options, `${NAME}-off`, { metrics: false });
    servers.push(without);
    const baseline: RawServer = await startRaw();
    servers.push(baseline);
    line(NAME, `two sessiond processes ready with ${fmt(withMetrics.sessions)} sessions each`);

    const measure = (url: string, secretsFile: string) =>
      warmAndMeasure(options, {
        mode: "bearer",
        url: `${url}/api/v1/session`,
        connections: options.connections,
        threads: options.threads,
        listFile: secretsFile,
      });
    const runs: Record<"on" | "off" | "baseline", WrkResult[]> = { on: [], off: [], baseline: [] };
    // The order alternates from round to round, so that neither process always runs first.
    for (let i = 0; i < options.rounds; i++) {
      const onFirst = i % 2 === 0;
      if (onFirst) runs.on.push(await measure(withMetrics.url, withMetrics.secretsFile));
      runs.off.push(await measure(without.url, without.secretsFile));
      if (!onFirst) runs.on.push(await measure(withMetrics.url, withMetrics.secretsFile));
      runs.baseline.push(await measure(baseline.url, withMetrics.secretsFile));
    }
    const rate = (run: WrkResult) => run.requestsPerSecond;
    const on = rate(median(runs.on, rate));
    const off = rate(median(runs.off, rate));
    const raw = rate(median(runs.baseline, rate));
    const cost = round((off - on) / off, 3);
    line(
      NAME,
      `metrics on ${fmt(on)} req/s (${round(on / raw)}x node:http), off ${fmt(off)} req/s (${round(off / raw)}x); ` +
        `cost ${round(cost * 100, 1)}% (target <= ${METRICS_COST_TARGET * 100}%: ${cost <= METRICS_COST_TARGET ? "ok" : "ABOVE TARGET"})`,
    );
    line(
      NAME,
      `rounds on [${runs.on
        .map(rate)
        .map((r) => fmt(r))
        .join(", ")}] off [${runs.off
        .map(rate)
        .map((r) => fmt(r))
        .join(", ")}] node:http [${runs.baseline
        .map(rate)
        .map((r) => fmt(r))
        .join(", ")}]`,
    );
    return { on, off, baseline: raw, cost, rounds: { on: runs.on.map(rate), off: runs.off.map(rate) } };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}
