/**
 * The runner of the HTTP throughput scenarios (`whoami`, `whoami1m`, `httpkom`, `astrogrid`,
 * `vsphere`). Each is a spec (`HttpScenario`): what request wrk sends, how one real answer to it is
 * fetched and checked, the target. The runner does the rest, the same for all of them:
 *
 * 1. starts sessiond (SQLite store, the scenario's flags) and takes one checked answer from it;
 * 2. starts the raw `node:http` baseline (answering `{"ok":true}`) and the raw server sending that
 *    answer, for context (`withContenders`);
 * 3. measures the three with wrk in interleaved rounds, each a warm-up run and a measured run, sessiond's
 *    observed (`warmAndMeasure`, `compareThroughput`), the same request to each, rotating over the
 *    secrets;
 * 4. prints the result and context lines (`printThroughput`), the p99 verdict when the scenario has a
 *    latency target (`p99TargetMs`), sessiond's activity writes (against `activityFallTarget` when
 *    set) and process figures (`reportServer`) and a warning when requests failed, and returns the
 *    result.
 */

import { type Measured, reportServer, type ServerFigures, warmAndMeasure } from "./measure.ts";
import type { BenchOptions } from "./options.ts";
import {
  compareThroughput,
  line,
  printThroughput,
  type ThroughputResult,
  throughputResult,
  verdict,
  warnFailures,
} from "./report.ts";
import { type SessiondFlags, type SessiondServer, startRaw, withContenders } from "./servers.ts";
import type { WrkOptions } from "./wrk.ts";

/** The measured request, as wrk sends it to one server (connections, threads and secrets are the runner's). */
export type HttpRequest = Pick<WrkOptions, "url" | "mode" | "body" | "header" | "path">;

export interface HttpScenario {
  /** The scenario's name: the prefix of its lines, and the tag of its files and CPU profiles. */
  name: string;
  /** sessiond's rate over the `{"ok":true}` baseline's that meets the target. */
  target: number;
  /** What sessiond's rate counts in the result line: "req/s", "calls/s" (the baselines' is req/s). */
  unit: string;
  /** The sessiond child's flags: front doors beyond the JSON API, another number of sessions. */
  sessiond?: SessiondFlags;
  /** The request for a server at `baseUrl` (sessiond or a baseline: each gets the same one). */
  wrk(baseUrl: string): HttpRequest;
  /** Fetches one answer to that request from sessiond, checks it (throws when it is wrong), returns its body. */
  answer(server: SessiondServer): Promise<string>;
  /** What that answer is, in the context line: "raw node:http sending the same N-byte <answerWords>". */
  answerWords: string;
  /** sessiond's p99 latency, in ms, that meets a latency target (at 50 connections); none when unset. */
  p99TargetMs?: number;
  /** The fall of the activity writes from before the tolerance that meets a target (`ActivityFall`). */
  activityFallTarget?: number;
}

/** The connections a latency target (`p99TargetMs`) is stated for. */
export const P99_TARGET_CONNECTIONS = 50;

/** sessiond's p99 latency against the scenario's target (`p99TargetMs`). */
export interface P99Verdict {
  /** The p99 of sessiond's median round (the one of the result line), in ms. */
  ms: number;
  targetMs: number;
  met: boolean;
  /** The connections wrk held; the target is for `P99_TARGET_CONNECTIONS`. */
  connections: number;
  /** The p99 of every round of sessiond, in ms. */
  rounds: number[];
}

/**
 * The body of `response`, checked to be a 200 whose body contains `expected` (a scenario's `answer`
 * fetches the measured request and hands the response here); throws "<name> check failed" otherwise.
 */
export async function checkedBody(name: string, response: Response, expected: string): Promise<string> {
  const body = await response.text();
  if (response.status !== 200 || !body.includes(expected)) {
    throw new Error(`${name} check failed: ${response.status} ${body.slice(0, 300)}`);
  }
  return body;
}

export interface HttpScenarioResult extends ThroughputResult<Measured> {
  /** Activity writes, CPU and memory of the sessiond process during its median round. */
  server: ServerFigures | undefined;
  /** sessiond's p99 against the scenario's latency target, when it has one. */
  p99?: P99Verdict;
}

export function runHttpScenario(options: BenchOptions, spec: HttpScenario): Promise<HttpScenarioResult> {
  return withContenders(options, spec, startRaw, async (contenders) => {
    const { sessiond } = contenders;
    const measure = (baseUrl: string, observed?: SessiondServer) =>
      warmAndMeasure(
        options,
        {
          ...spec.wrk(baseUrl),
          connections: options.connections,
          threads: options.threads,
          listFile: sessiond.secretsFile,
        },
        observed,
      );
    const compared = await compareThroughput(
      options.rounds,
      {
        sessiond: () => measure(sessiond.url, sessiond),
        baseline: () => measure(contenders.baseline.url),
        baselineSameBody: () => measure(contenders.baselineSameBody.url),
      },
      (run) => run.requestsPerSecond,
    );
    const result = throughputResult(options, contenders, compared, spec.target);
    printThroughput(spec.name, result, {
      rate: (run) => run.requestsPerSecond,
      p99Ms: (run) => run.latencyMs.p99,
      unit: spec.unit,
      baselineUnit: "req/s",
      baseline: "node:http",
      answer: spec.answerWords,
    });
    const p99 = spec.p99TargetMs === undefined ? undefined : p99Verdict(spec.name, spec.p99TargetMs, options, compared);
    const server = reportServer(spec.name, sessiond, result.sessiond, spec.activityFallTarget);
    warnFailures(spec.name, compared.results.sessiond, "failed requests");
    return { ...result, server, ...(p99 ? { p99 } : {}) };
  });
}

/**
 * Prints the p99 verdict line of sessiond's median round and returns it:
 *
 *   whoami   p99 latency: L ms at 50 connections, no logins (target < 5 ms) ok
 */
function p99Verdict(
  name: string,
  targetMs: number,
  options: BenchOptions,
  compared: { sessiond: Measured; results: { sessiond: Measured[] } },
): P99Verdict {
  const ms = compared.sessiond.latencyMs.p99;
  const met = ms < targetMs;
  const elsewhere =
    options.connections === P99_TARGET_CONNECTIONS ? "" : `; the target is for ${P99_TARGET_CONNECTIONS} connections`;
  line(
    name,
    `p99 latency: ${ms} ms at ${options.connections} connections, no logins ` +
      `(target < ${targetMs} ms${elsewhere}) ${verdict(met)}`,
  );
  return {
    ms,
    targetMs,
    met,
    connections: options.connections,
    rounds: compared.results.sessiond.map((run) => run.latencyMs.p99),
  };
}
