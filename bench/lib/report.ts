/** Machine description and the formatting of result lines. */

import { availableParallelism, cpus, release, totalmem } from "node:os";
import type { BenchOptions } from "./options.ts";
import type { Contenders } from "./servers.ts";
import { wrkVersion } from "./wrk.ts";

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  generator: string;
}

export function machine(): Machine {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    generator: wrkVersion(),
  };
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** "ok" or "BELOW TARGET", for the end of a result line. */
export const verdict = (met: boolean): string => (met ? "ok" : "BELOW TARGET");

export function line(scenario: string, text: string): void {
  console.log(`${scenario.padEnd(8)} ${text}`);
}

/**
 * The middle one of several rounds by `value` (the lower middle for an even count). Rounds of the
 * compared servers are interleaved and the median taken, so that a burst of other work on the machine
 * skews one round rather than one side of a comparison.
 */
export function median<T>(rounds: readonly T[], value: (round: T) => number): T {
  const sorted = [...rounds].sort((a, b) => value(a) - value(b));
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) throw new Error("no rounds");
  return middle;
}

/** sessiond, the baseline and the baseline answering sessiond's own body: the three sides of a throughput scenario. */
export interface Sides<T> {
  sessiond: T;
  baseline: T;
  baselineSameBody: T;
}

export interface Comparison<T> extends Sides<T> {
  /** sessiond's rate over the baseline's (median rounds). */
  ratio: number;
  ratioToSameBody: number;
  /** Every round's rate, side by side. */
  rounds: Sides<number[]>;
  /** Every round's whole result. */
  results: Sides<T[]>;
}

/**
 * Measures the three sides in `rounds` interleaved rounds (sessiond, baseline, same-body baseline, then
 * again) and compares the median round of each by `rate`.
 */
export async function compareThroughput<T>(
  rounds: number,
  measure: Sides<() => Promise<T>>,
  rate: (result: T) => number,
): Promise<Comparison<T>> {
  const runs: Sides<T[]> = { sessiond: [], baseline: [], baselineSameBody: [] };
  for (let i = 0; i < rounds; i++) {
    runs.sessiond.push(await measure.sessiond());
    runs.baseline.push(await measure.baseline());
    runs.baselineSameBody.push(await measure.baselineSameBody());
  }
  const sessiond = median(runs.sessiond, rate);
  const baseline = median(runs.baseline, rate);
  const baselineSameBody = median(runs.baselineSameBody, rate);
  return {
    sessiond,
    baseline,
    baselineSameBody,
    ratio: round(rate(sessiond) / rate(baseline)),
    ratioToSameBody: round(rate(sessiond) / rate(baselineSameBody)),
    rounds: {
      sessiond: runs.sessiond.map(rate),
      baseline: runs.baseline.map(rate),
      baselineSameBody: runs.baselineSameBody.map(rate),
    },
    results: runs,
  };
}

/** The JSON result of a throughput scenario; `T` is one run of its load generator. */
export interface ThroughputResult<T> {
  /** Live sessions in sessiond's store, how long inserting them took, and how (see `bench/lib/sessiond-server.ts`). */
  sessions: number;
  insertMs: number;
  insertMode: string;
  /** How many of their secrets the generator rotates over. */
  secretsRotated: number;
  connections: number;
  durationS: number;
  /** The size of sessiond's answer to the measured request, which the same-body baseline sends. */
  responseBytes: number;
  /** Median rounds. */
  baseline: T;
  sessiond: T;
  ratio: number;
  target: number;
  met: boolean;
  /** The raw server sending sessiond's answer: context for the ratio. */
  baselineSameBody: T;
  ratioToSameBody: number;
  rounds: Sides<number[]>;
}

/** The result of a throughput comparison of `contenders`, against `target` (a ratio to the baseline). */
export function throughputResult<T>(
  options: BenchOptions,
  contenders: Contenders,
  compared: Comparison<T>,
  target: number,
): ThroughputResult<T> {
  const { sessiond } = contenders;
  return {
    sessions: sessiond.sessions,
    insertMs: sessiond.insertMs,
    insertMode: sessiond.insertMode,
    secretsRotated: sessiond.secrets.length,
    connections: options.connections,
    durationS: options.durationS,
    responseBytes: contenders.answerBytes,
    baseline: compared.baseline,
    sessiond: compared.sessiond,
    ratio: compared.ratio,
    target,
    met: compared.ratio >= target,
    baselineSameBody: compared.baselineSameBody,
    ratioToSameBody: compared.ratioToSameBody,
    rounds: compared.rounds,
  };
}

/** How the result lines of a throughput scenario read one run and name things. */
export interface ThroughputWords<T> {
  rate(run: T): number;
  p99Ms(run: T): number;
  /** What sessiond's rate counts ("req/s", "calls/s", "packets/s"), and what the baselines' counts. */
  unit: string;
  baselineUnit: string;
  /** The raw baseline ("node:http", "node:net") and the answer the same-body baseline sends ("SOAP answer"). */
  baseline: string;
  answer: string;
}

/**
 * Prints the two result lines of a throughput scenario:
 *
 *   whoami   sessiond R req/s (p99 X ms) | baseline R req/s | ratio X (target ≥ X) ok
 *   whoami   context: raw node:http sending the same N-byte body R req/s | ratio to it X
 */
export function printThroughput<T>(scenario: string, result: ThroughputResult<T>, words: ThroughputWords<T>): void {
  const { sessiond, baseline, baselineSameBody } = result;
  line(
    scenario,
    `sessiond ${fmt(words.rate(sessiond))} ${words.unit} (p99 ${words.p99Ms(sessiond)} ms) | ` +
      `baseline ${fmt(words.rate(baseline))} ${words.baselineUnit} | ` +
      `ratio ${result.ratio.toFixed(2)} (target ≥ ${result.target}) ${verdict(result.met)}`,
  );
  line(
    scenario,
    `context: raw ${words.baseline} sending the same ${fmt(result.responseBytes)}-byte ${words.answer} ` +
      `${fmt(words.rate(baselineSameBody))} ${words.baselineUnit} | ratio to it ${result.ratioToSameBody.toFixed(2)}`,
  );
}

/** Warns when sessiond's runs counted failures (`what`: "failed requests", "error answers"). */
export function warnFailures(scenario: string, runs: readonly { errors: number }[], what: string): void {
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  if (errors > 0) line(scenario, `WARNING: ${errors} ${what} during the sessiond runs`);
}
