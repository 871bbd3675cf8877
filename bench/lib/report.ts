/** Machine description and the formatting of result lines. */

import { availableParallelism, cpus, release, totalmem } from "node:os";
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
