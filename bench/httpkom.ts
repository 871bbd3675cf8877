/**
 * Scenario `httpkom`: requests per second of httpkom's who-am-i, `GET
 * /httpkom/default/sessions/current/who-am-i` with the session's secret in the `Httpkom-Connection`
 * header (the connection id, as jskom sends it), against a store holding many live sessions.
 *
 * Why: it is the httpkom front door's floor, the call jskom makes to find out whether its connection
 * still stands. Unlike the JSON API's who-am-i it has no fast path: it goes through Fastify's routing
 * (the realm is a path parameter, `server_id`), the realm check (a session of another realm counts
 * as none), the engine's `whoAmI` operation and the plugin's `onSend` hook. The bench sessions are in
 * realm `default`, so that is the `server_id`; the header rotates over the secrets.
 *
 * Baseline: the raw `node:http` server answering `{"ok":true}` to the same requests (same generator,
 * connections and duration), and for context the raw server answering httpkom's own who-am-i body.
 * Measured in interleaved rounds; the median round of each is reported.
 *
 * Target: sessiond ≥ 0.5 × the `{"ok":true}` baseline.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Measured, reportServer, type ServerFigures, warmAndMeasure } from "./lib/measure.ts";
import type { BenchOptions } from "./lib/options.ts";
import { compareThroughput, fmt, line, verdict } from "./lib/report.ts";
import { type RawServer, type SessiondServer, startRaw, startSessiond } from "./lib/servers.ts";

export const HTTPKOM_TARGET = 0.5;
/** The bench sessions' realm, which httpkom's `server_id` must name. */
const REALM = "default";
const PATH = `/httpkom/${REALM}/sessions/current/who-am-i`;
const HEADER = "Httpkom-Connection";

export interface HttpkomResult {
  sessions: number;
  connections: number;
  durationS: number;
  responseBytes: number;
  baseline: Measured;
  sessiond: Measured;
  ratio: number;
  target: number;
  met: boolean;
  baselineSameBody: Measured;
  ratioToSameBody: number;
  server: ServerFigures | undefined;
  rounds: { sessiond: number[]; baseline: number[]; baselineSameBody: number[] };
}

/** One answer to the measured request, checked to be a who-am-i of a logged-in session. */
async function whoAmIAnswer(server: SessiondServer): Promise<string> {
  const response = await fetch(`${server.url}${PATH}`, { headers: { [HEADER]: server.secrets[0] ?? "" } });
  const body = await response.text();
  if (response.status !== 200 || !body.includes('"person":{')) {
    throw new Error(`httpkom check failed: ${response.status} ${body.slice(0, 300)}`);
  }
  return body;
}

export async function runHttpkom(options: BenchOptions): Promise<HttpkomResult> {
  const servers: { stop(): Promise<void> }[] = [];
  try {
    const sessiond = await startSessiond(options, "httpkom");
    servers.push(sessiond);
    line("httpkom", `sessiond ready: ${fmt(options.sessions)} sessions inserted in ${fmt(sessiond.insertMs)} ms`);
    const answer = await whoAmIAnswer(sessiond);
    const answerFile = join(options.workDir, "httpkom-answer.json");
    writeFileSync(answerFile, answer);
    const raw: RawServer = await startRaw();
    servers.push(raw);
    const rawSameBody: RawServer = await startRaw(answerFile);
    servers.push(rawSameBody);

    const measure = (url: string, server?: SessiondServer) =>
      warmAndMeasure(
        options,
        {
          mode: "header",
          header: HEADER,
          connections: options.connections,
          threads: options.threads,
          url: `${url}${PATH}`,
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
    const met = ratio >= HTTPKOM_TARGET;
    line(
      "httpkom",
      `sessiond ${fmt(measured.requestsPerSecond)} req/s (p99 ${measured.latencyMs.p99} ms) | ` +
        `baseline ${fmt(baseline.requestsPerSecond)} req/s | ratio ${ratio.toFixed(2)} (target ≥ ${HTTPKOM_TARGET}) ${verdict(met)}`,
    );
    line(
      "httpkom",
      `context: raw node:http sending the same ${fmt(Buffer.byteLength(answer))}-byte who-am-i body ` +
        `${fmt(baselineSameBody.requestsPerSecond)} req/s | ratio to it ${ratioToSameBody.toFixed(2)}`,
    );
    const server = reportServer("httpkom", sessiond, measured);
    const errors = compared.results.sessiond.reduce((sum, r) => sum + r.errors, 0);
    if (errors > 0) line("httpkom", `WARNING: ${errors} failed requests during the sessiond runs`);
    return {
      sessions: options.sessions,
      connections: options.connections,
      durationS: options.durationS,
      responseBytes: Buffer.byteLength(answer),
      baseline,
      sessiond: measured,
      ratio,
      target: HTTPKOM_TARGET,
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
