/**
 * Scenario `astrogrid`: XML-RPC calls per second through the AstroGrid front door, each a
 * `session.state.get` of one key (`k`, not set: the answer is the string "NULL") POSTed to
 * `/astrogrid/<secret>/xmlrpc` as Python's `xmlrpc.client` sends it, against a store holding many live
 * sessions.
 *
 * Why: it is the AstroGrid front door's per-call cost: Fastify's routing and body reading, the strict
 * XML parse of a `<methodCall>`, the method table, the session named by the URL's first segment (any
 * sessiond secret of 16 to 128 URL-safe characters is a context there, so the bench sessions' 43-character
 * base64url secrets serve as they are), one attribute read and an XML-RPC answer. The path rotates
 * over the secrets. The server runs with an `astrogrid` block, its discovery file in the data directory.
 *
 * Baseline: the raw `node:http` server (which drains the body and answers `{"ok":true}`) with the same
 * requests, same generator, connections and duration, and for context the raw server answering
 * sessiond's own XML-RPC answer. Measured in interleaved rounds; the median round of each is reported.
 *
 * Target: sessiond ≥ 0.5 × the `{"ok":true}` baseline.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Measured, reportServer, type ServerFigures, warmAndMeasure } from "./lib/measure.ts";
import type { BenchOptions } from "./lib/options.ts";
import { compareThroughput, fmt, line, verdict } from "./lib/report.ts";
import { type RawServer, type SessiondServer, startRaw, startSessiond } from "./lib/servers.ts";

export const ASTROGRID_TARGET = 0.5;
/** The request path; `{item}` is the secret (see `bench/lib/wrk/bench.lua`). */
const PATH = "/astrogrid/{item}/xmlrpc";

/** `xmlrpc.client.ServerProxy(url).session.state.get("k")`, byte for byte as Python 3 writes it. */
const STATE_GET =
  "<?xml version='1.0'?>\n<methodCall>\n<methodName>session.state.get</methodName>\n<params>\n<param>\n" +
  "<value><string>k</string></value>\n</param>\n</params>\n</methodCall>\n";

export interface AstrogridResult {
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

/** One answer to the measured call, checked to be a value (not a fault, not the 403 of an unknown context). */
async function stateGetAnswer(server: SessiondServer): Promise<string> {
  const response = await fetch(`${server.url}${PATH.replace("{item}", server.secrets[0] ?? "")}`, {
    method: "POST",
    headers: { "content-type": "text/xml", "user-agent": "Python-xmlrpc/3.11" },
    body: STATE_GET,
  });
  const body = await response.text();
  if (response.status !== 200 || !body.includes("<params><param><value>NULL</value>")) {
    throw new Error(`astrogrid check failed: ${response.status} ${body.slice(0, 300)}`);
  }
  return body;
}

export async function runAstrogrid(options: BenchOptions): Promise<AstrogridResult> {
  const servers: { stop(): Promise<void> }[] = [];
  try {
    const sessiond = await startSessiond(options, "astrogrid", { astrogrid: true });
    servers.push(sessiond);
    line("astrogrid", `sessiond ready: ${fmt(options.sessions)} sessions inserted in ${fmt(sessiond.insertMs)} ms`);
    const answer = await stateGetAnswer(sessiond);
    const answerFile = join(options.workDir, "astrogrid-answer.xml");
    writeFileSync(answerFile, answer);
    const raw: RawServer = await startRaw();
    servers.push(raw);
    const rawSameBody: RawServer = await startRaw(answerFile);
    servers.push(rawSameBody);

    const measure = (url: string, server?: SessiondServer) =>
      warmAndMeasure(
        options,
        {
          mode: "xmlrpc",
          body: STATE_GET,
          path: PATH,
          connections: options.connections,
          threads: options.threads,
          url,
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
    const met = ratio >= ASTROGRID_TARGET;
    line(
      "astrogrid",
      `sessiond ${fmt(measured.requestsPerSecond)} calls/s (p99 ${measured.latencyMs.p99} ms) | ` +
        `baseline ${fmt(baseline.requestsPerSecond)} req/s | ratio ${ratio.toFixed(2)} (target ≥ ${ASTROGRID_TARGET}) ${verdict(met)}`,
    );
    line(
      "astrogrid",
      `context: raw node:http sending the same ${fmt(Buffer.byteLength(answer))}-byte XML-RPC answer ` +
        `${fmt(baselineSameBody.requestsPerSecond)} req/s | ratio to it ${ratioToSameBody.toFixed(2)}`,
    );
    const server = reportServer("astrogrid", sessiond, measured);
    const errors = compared.results.sessiond.reduce((sum, r) => sum + r.errors, 0);
    if (errors > 0) line("astrogrid", `WARNING: ${errors} failed requests during the sessiond runs`);
    return {
      sessions: options.sessions,
      connections: options.connections,
      durationS: options.durationS,
      responseBytes: Buffer.byteLength(answer),
      baseline,
      sessiond: measured,
      ratio,
      target: ASTROGRID_TARGET,
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
