/**
 * Scenario `calibration`: what a ratio to the raw `node:http` baseline means in µs of a server's own
 * work per request, on this machine and in this run.
 *
 * Why: the throughput targets are ratios to a raw `node:http` server answering `{"ok":true}`, driven by
 * wrk on the same machine. On a small VM that ratio is not proportional to work: the raw server is
 * partly idle (wrk is the bottleneck), and once a server is the bottleneck every answer has to wake the
 * sleeping generator on the other core, which costs the server more (its `writev` takes longer). So
 * this measures the answer directly: the same raw server (`bench/lib/raw-server.ts`), once as the plain
 * baseline and once each busy-spinning a fixed 5, 10, 20 and 40 µs per request before it answers
 * (`--spin-us`), under the same load as `whoami`'s baseline (wrk, the same connections and duration,
 * `GET /api/v1/session` with a bearer rotating over as many secrets, made up: the servers ignore them).
 *
 * The five servers run side by side (each in its own process, idle while another is measured) and are
 * measured in interleaved rounds (baseline, 5, 10, 20, 40 µs, then again); the median round of each is
 * reported, with its ratio to the baseline's and the CPU time its process used per request (from
 * `/proc/<pid>/stat`). The yardstick line then reads, for each throughput target of the HTTP scenarios,
 * how many µs of own work per request a server can do and still meet it, interpolated linearly
 * between the measured points. Whether sessiond's work is like a busy loop (all on the event loop,
 * before the answer) is a question the yardstick cannot answer: it tells how much room a target leaves.
 *
 * No target of its own.
 */

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { ASTROGRID_TARGET } from "./astrogrid.ts";
import { HTTPKOM_TARGET } from "./httpkom.ts";
import { type MeasuredCpu, warmAndMeasureCpu } from "./lib/measure.ts";
import type { BenchOptions } from "./lib/options.ts";
import { fmt, line, median, round } from "./lib/report.ts";
import { type RawServer, startRaw, startRawSpinning } from "./lib/servers.ts";
import { writeList } from "./lib/wrk.ts";
import { VSPHERE_TARGET } from "./vsphere.ts";
import { WHOAMI_TARGET, whoami } from "./whoami.ts";
import { WHOAMI_PG_TARGET } from "./whoami-pg.ts";
import { WHOAMI1M_TARGET } from "./whoami1m.ts";

const NAME = "calibration";
/** The synthetic work per request of the spinning servers, in µs. */
export const SPIN_US = [5, 10, 20, 40] as const;
/** The targets read off the yardstick: those of the scenarios measured against the raw `node:http` baseline. */
const TARGETS = [
  ...new Set([WHOAMI_TARGET, WHOAMI1M_TARGET, WHOAMI_PG_TARGET, VSPHERE_TARGET, HTTPKOM_TARGET, ASTROGRID_TARGET]),
].sort((a, b) => b - a);

/** One server of the calibration: the baseline (0 µs) or a spinning one, its median round. */
export interface CalibrationLevel {
  /** Synthetic work per request, in µs (0: the plain baseline). */
  spinUs: number;
  requestsPerSecond: number;
  p99Ms: number;
  /** Its rate over the baseline's (median rounds). */
  ratio: number;
  /** CPU time (user + system) of its process per request answered; null without /proc. */
  cpuUsPerRequest: number | null;
  /** The median round, whole. */
  run: MeasuredCpu;
}

/** A ratio to the baseline read off the calibration: how much own work per request leaves it. */
export interface YardstickReading {
  ratio: number;
  /** µs of work per request at that ratio, interpolated between the measured points; null when out of range. */
  workUs: number | null;
  /** The ratio is below that of the most work measured: more than `SPIN_US`'s last µs. */
  beyond: boolean;
}

export interface CalibrationResult {
  connections: number;
  durationS: number;
  /** The baseline (spinUs 0) and each spinning server, median rounds. */
  levels: CalibrationLevel[];
  /** The scenarios' targets read off the calibration. */
  yardstick: YardstickReading[];
  /** Every round's rate, per server ("0" is the baseline). */
  rounds: Record<string, number[]>;
}

/**
 * The µs of work per request that give `ratio`, interpolated linearly between the measured points
 * `(spinUs, ratio)` (the baseline is `(0, 1)`), at the first segment that crosses it; rounds are noisy,
 * so the points need not fall steadily.
 */
export function workForRatio(levels: readonly Pick<CalibrationLevel, "spinUs" | "ratio">[], ratio: number) {
  const points = [...levels].sort((a, b) => a.spinUs - b.spinUs).map((l) => ({ us: l.spinUs, r: l.ratio }));
  if (points[0]?.us !== 0) points.unshift({ us: 0, r: 1 });
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i];
    const b = points[i + 1];
    if (!a || !b) break;
    const [high, low] = a.r >= b.r ? [a, b] : [b, a];
    if (ratio > high.r || ratio < low.r) continue;
    const workUs = high.r === low.r ? a.us : a.us + ((b.us - a.us) * (ratio - a.r)) / (b.r - a.r);
    return { ratio, workUs: round(workUs, 1), beyond: false };
  }
  const last = points[points.length - 1];
  return { ratio, workUs: null, beyond: last !== undefined && ratio < last.r };
}

export async function runCalibration(options: BenchOptions): Promise<CalibrationResult> {
  const servers: RawServer[] = [];
  try {
    const spinUs = [0, ...SPIN_US];
    for (const us of spinUs) servers.push(us === 0 ? await startRaw() : await startRawSpinning(us));
    line(
      NAME,
      `raw node:http ready: the baseline and ${SPIN_US.length} servers busy-spinning ${SPIN_US.join(", ")} µs per request`,
    );
    // whoami's request, a bearer rotating over as many secrets as whoami's (43 characters, as sessiond's).
    const secrets = Array.from({ length: options.sample }, () => randomBytes(32).toString("base64url"));
    const listFile = writeList(join(options.workDir, `secrets-${NAME}.txt`), secrets);
    const measure = (server: RawServer) =>
      warmAndMeasureCpu(
        options,
        { ...whoami.wrk(server.url), connections: options.connections, threads: options.threads, listFile },
        server.pid,
      );

    const runs: MeasuredCpu[][] = spinUs.map(() => []);
    for (let n = 0; n < options.rounds; n++) {
      for (const [i, server] of servers.entries()) runs[i]?.push(await measure(server));
    }
    const rate = (run: MeasuredCpu) => run.requestsPerSecond;
    const medians = runs.map((r) => median(r, rate));
    const baselineRate = medians[0] ? rate(medians[0]) : 0;
    const levels: CalibrationLevel[] = medians.map((run, i) => ({
      spinUs: spinUs[i] ?? 0,
      requestsPerSecond: run.requestsPerSecond,
      p99Ms: run.latencyMs.p99,
      ratio: round(run.requestsPerSecond / baselineRate),
      cpuUsPerRequest: run.cpuUsPerRequest,
      run,
    }));

    const cpu = (us: number | null) => (us === null ? "? µs CPU per request" : `${fmt(us, 1)} µs CPU per request`);
    const baseCpu = levels[0]?.cpuUsPerRequest ?? null;
    for (const level of levels) {
      const head = `${fmt(level.requestsPerSecond)} req/s (p99 ${level.p99Ms} ms)`;
      if (level.spinUs === 0) {
        line(NAME, `baseline ${head} | ${cpu(level.cpuUsPerRequest)}`);
        continue;
      }
      const extra =
        level.cpuUsPerRequest === null || baseCpu === null
          ? ""
          : ` (${level.cpuUsPerRequest >= baseCpu ? "+" : "−"}${fmt(Math.abs(level.cpuUsPerRequest - baseCpu), 1)} over the baseline)`;
      line(
        NAME,
        `spin ${String(level.spinUs).padStart(2)} µs ${head} | ratio ${level.ratio.toFixed(2)} | ${cpu(level.cpuUsPerRequest)}${extra}`,
      );
    }
    const yardstick = TARGETS.map((target) => workForRatio(levels, target));
    const last = SPIN_US[SPIN_US.length - 1];
    line(
      NAME,
      `yardstick: ${yardstick
        .map((y) =>
          y.workUs !== null
            ? `ratio ${y.ratio} ≈ ${fmt(y.workUs, 1)} µs`
            : `ratio ${y.ratio} ${y.beyond ? `> ${last} µs` : "not bracketed"}`,
        )
        .join(", ")} of own work per request`,
    );
    line(
      NAME,
      `rounds: ${levels.map((level, i) => `${level.spinUs === 0 ? "node:http" : `${level.spinUs} µs`} [${(runs[i] ?? []).map((r) => fmt(rate(r))).join(", ")}]`).join(" ")}`,
    );
    return {
      connections: options.connections,
      durationS: options.durationS,
      levels,
      yardstick,
      rounds: Object.fromEntries(levels.map((level, i) => [String(level.spinUs), (runs[i] ?? []).map(rate)])),
    };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}
