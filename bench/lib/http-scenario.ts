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
 * 4. prints the result and context lines (`printThroughput`), sessiond's activity writes and process
 *    figures (`reportServer`) and a warning when requests failed, and returns the result.
 */

import { type Measured, reportServer, type ServerFigures, warmAndMeasure } from "./measure.ts";
import type { BenchOptions } from "./options.ts";
import { compareThroughput, printThroughput, type ThroughputResult, throughputResult, warnFailures } from "./report.ts";
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
    const server = reportServer(spec.name, sessiond, result.sessiond);
    warnFailures(spec.name, compared.results.sessiond, "failed requests");
    return { ...result, server };
  });
}
