/**
 * One measured wrk run (after a warm-up run that is thrown away) and, when the server measured is the
 * sessiond child, what that process did meanwhile: the activity rows the store wrote, its CPU time
 * and its memory after the run (see `SessiondServer.observe`). For a raw server, its CPU time from
 * /proc (`warmAndMeasureCpu`).
 */

import type { BenchOptions } from "./options.ts";
import { processCpuUs } from "./proc.ts";
import { fmt, line, round, verdict } from "./report.ts";
import type { Observed, SessiondServer } from "./servers.ts";
import { runWrk, type WrkOptions, type WrkResult } from "./wrk.ts";

/** A wrk run, with what the sessiond child did during it when it was the server measured. */
export type Measured = WrkResult & { server?: Observed };

/** Figures about the sessiond process during the reported (median) run. */
export interface ServerFigures {
  /**
   * Session rows written by the store's `applyActivity` per second between the readings taken just
   * before and just after the run (the engine's own flushes, none forced); null when not counted.
   */
  activityRowsPerSecond: number | null;
  /** Requests answered per activity row written. */
  requestsPerActivityRow: number | null;
  /** `applyActivity` calls per second, and milliseconds per second spent inside them. */
  activityCallsPerSecond: number | null;
  activityWriteMsPerSecond: number | null;
  /** CPU time (user + system) of the sessiond process per request answered. */
  cpuUsPerRequest: number;
  /** Resident memory of the sessiond process right after the run, in bytes (anonymous and file-backed on Linux). */
  rssBytes: number;
  rssAnonBytes: number | undefined;
  rssFileBytes: number | undefined;
  /** The highest RSS of the process so far (the session insertion included). */
  peakRssBytes: number | undefined;
  /** How far the activity writes fell from before the tolerance (scenarios with a target for it only). */
  activityFall?: ActivityFall | null;
}

/**
 * The activity writes of a run against what the engine wrote before the activity tolerance: every
 * session it saw written about once a second. With distinct sessions that is one row per request; the
 * generator rotates over `secretsRotated` sessions, so once it sends more requests per second than
 * that, it was one row per rotated session per second: `min(requests, secretsRotated × seconds)` rows.
 */
export interface ActivityFall {
  /** Rows per second the run would have written before the tolerance. */
  beforeRowsPerSecond: number;
  /** Those rows over the rows written (the requests per row when each request had a session of its own). */
  factor: number;
  /** No row was written during the run: `factor` is what one row would have given, a lower bound. */
  atLeast: boolean;
  /** The smallest factor that meets the target, and whether this one does. */
  target: number;
  met: boolean;
}

/** A warm-up run, thrown away, then the measured run, observed when `server` is the one measured. */
export async function warmAndMeasure(
  options: BenchOptions,
  wrk: Omit<WrkOptions, "durationS">,
  server?: SessiondServer,
): Promise<Measured> {
  await runWrk({ ...wrk, durationS: options.warmupS });
  const measured = { ...wrk, durationS: options.durationS };
  if (!server) return runWrk(measured);
  const { result, observed } = await server.observe(() => runWrk(measured));
  return { ...result, server: observed };
}

/** A measured run of a raw server, with the CPU time its process used per request (null without /proc). */
export type MeasuredCpu = WrkResult & { cpuUsPerRequest: number | null };

/**
 * A warm-up run, thrown away, then the measured run, with the CPU time (user plus system) process `pid`
 * used meanwhile, read from `/proc/<pid>/stat` just before and just after it (10 ms resolution).
 */
export async function warmAndMeasureCpu(
  options: BenchOptions,
  wrk: Omit<WrkOptions, "durationS">,
  pid: number,
): Promise<MeasuredCpu> {
  await runWrk({ ...wrk, durationS: options.warmupS });
  const before = processCpuUs(pid);
  const result = await runWrk({ ...wrk, durationS: options.durationS });
  const after = processCpuUs(pid);
  const cpuUsPerRequest =
    before === undefined || after === undefined || result.requests === 0
      ? null
      : round((after - before) / result.requests, 1);
  return { ...result, cpuUsPerRequest };
}

const mib = (bytes: number | undefined) => (bytes === undefined ? "?" : fmt(bytes / 2 ** 20));

/**
 * Prints the activity writes and the process figures of sessiond's reported run:
 *
 *   whoami   activity writes: N rows/s over M req/s (one row per K requests, ...)
 *   whoami   sessiond process: ... µs CPU per request, RSS ... MiB after the run (...)
 *
 * With `activityFallTarget` the activity line also says how far the writes fell from before the
 * activity tolerance (`ActivityFall`), against that target:
 *
 *   whoami   activity writes: ... ms/s) | fall F× from B rows/s before the tolerance (target ≥ 20×) ok
 */
export function reportServer(
  scenario: string,
  server: SessiondServer,
  run: Measured,
  activityFallTarget?: number,
): ServerFigures | undefined {
  const observed = run.server;
  if (!observed) return undefined;
  // The activity the engine wrote on its own between the readings around the run.
  const seconds = observed.seconds;
  const counted = server.activityCounted;
  const rows = counted ? round(observed.activityRows / seconds, 1) : null;
  const perRow = counted && observed.activityRows > 0 ? round(run.requests / observed.activityRows) : null;
  const calls = counted ? round(observed.activityCalls / seconds, 1) : null;
  const writeMs = counted ? round(observed.activityWriteMs / seconds, 1) : null;
  const memory = observed.memoryAfter;
  const figures: ServerFigures = {
    activityRowsPerSecond: rows,
    requestsPerActivityRow: perRow,
    activityCallsPerSecond: calls,
    activityWriteMsPerSecond: writeMs,
    cpuUsPerRequest: run.requests > 0 ? round((observed.cpuMs * 1000) / run.requests, 1) : 0,
    rssBytes: memory.rss,
    rssAnonBytes: memory.rssAnon,
    rssFileBytes: memory.rssFile,
    peakRssBytes: memory.peakRss,
  };
  let fallWords = "";
  if (activityFallTarget !== undefined) {
    const fall = counted ? activityFall(run, observed.activityRows, server.secrets.length, activityFallTarget) : null;
    figures.activityFall = fall;
    if (fall) {
      fallWords =
        ` | fall ${fall.atLeast ? "> " : ""}${fmt(fall.factor, fall.factor < 100 ? 1 : 0)}× ` +
        `from ${fmt(fall.beforeRowsPerSecond)} rows/s before the tolerance (target ≥ ${activityFallTarget}×) ${verdict(fall.met)}`;
    }
  }
  if (rows === null) {
    line(scenario, "activity writes: not counted (the engine does not write through the wrapped store method)");
  } else if (perRow === null) {
    line(
      scenario,
      `activity writes: 0 rows/s over ${fmt(run.requestsPerSecond)} req/s (no row written during the run)${fallWords}`,
    );
  } else {
    line(
      scenario,
      `activity writes: ${fmt(rows)} rows/s over ${fmt(run.requestsPerSecond)} req/s ` +
        `(one row per ${perRow.toFixed(2)} requests; ${fmt(calls ?? 0, 1)} ` +
        `applyActivity calls/s taking ${fmt(writeMs ?? 0, 1)} ms/s)${fallWords}`,
    );
  }
  const split = memory.rssAnon === undefined ? "" : ` (anonymous ${mib(memory.rssAnon)}, file ${mib(memory.rssFile)})`;
  line(
    scenario,
    `sessiond process: ${fmt(figures.cpuUsPerRequest)} µs CPU per request; RSS ${mib(memory.rss)} MiB after the run${split}, ` +
      `peak ${mib(memory.peakRss)} MiB; ${fmt(server.sessions)} sessions`,
  );
  return figures;
}

/** How far `rows` activity rows written during `run` fell from before the tolerance (see `ActivityFall`). */
function activityFall(run: Measured, rows: number, secretsRotated: number, target: number): ActivityFall {
  const before = Math.min(run.requests, secretsRotated * run.seconds);
  const factor = before / Math.max(rows, 1);
  return {
    beforeRowsPerSecond: round(before / run.seconds, 1),
    factor: round(factor, 1),
    atLeast: rows === 0,
    target,
    met: factor >= target,
  };
}
