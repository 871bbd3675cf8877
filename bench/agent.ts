/**
 * Scenario `agent`: packets per second through the Agent front door, each a `sessionm/get` in a
 * temporary session named by `<session>` (a client polling its state), 50 connections each waiting
 * for its answer before sending the next packet, against a store holding many live sessions.
 *
 * Why: it is the Agent's per-packet cost: NUL framing, a namespace-aware parse, authenticating the
 * packet's session (digest, lookup, activity), one attribute read and an answer packet. The baseline
 * is a raw `node:net` server that splits at NULs and answers a fixed packet without parsing (the
 * ceiling of NUL-framed request and answer in one Node process), driven by the same generator
 * (`bench/lib/agent-load.ts`, in its own process: wrk has no raw TCP mode), and for context the raw
 * server answering sessiond's own answer packet.
 *
 * There is no target: the figure tells what the Agent path costs against its ceiling.
 */

import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import type { BenchOptions } from "./lib/options.ts";
import { runChild } from "./lib/proc.ts";
import { compareThroughput, fmt, line } from "./lib/report.ts";
import { type RawServer, type SessiondServer, startRawAgent, startSessiond } from "./lib/servers.ts";

interface LoadResult {
  requests: number;
  seconds: number;
  errors: number;
  latencyUs: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
}

export interface AgentResult {
  sessions: number;
  connections: number;
  durationS: number;
  responseBytes: number;
  baseline: LoadResult & { packetsPerSecond: number };
  sessiond: LoadResult & { packetsPerSecond: number };
  ratio: number;
  baselineSameBody: LoadResult & { packetsPerSecond: number };
  ratioToSameBody: number;
  rounds: { sessiond: number[]; baseline: number[]; baselineSameBody: number[] };
}

/** One answer of the measured kind, after a login, checked to be no error. */
function sampleAnswer(server: SessiondServer): Promise<string> {
  const url = new URL(server.agentUrl ?? "");
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) }, () => {
      socket.write(
        `<packet version="4.0.0" id="l"><data><system><login><name>${b64("admin")}</name><password>${b64(server.password)}</password></login></system></data></packet>\0` +
          `<packet version="4.0.0" id="g"><target>sessionm</target><session>${server.secrets[0]}</session><data><sessionm><get><key>state</key></get></sessionm></data></packet>\0`,
      );
    });
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const answers = text.split("\0");
      if (answers.length < 3) return;
      socket.destroy();
      const [login, get] = answers;
      if (login?.includes("<error>") || get?.includes("<error>")) reject(new Error(`agent check failed: ${text}`));
      else resolve(get ?? "");
    });
    socket.on("error", reject);
  });
}

export async function runAgent(options: BenchOptions): Promise<AgentResult> {
  const servers: { stop(): Promise<void> }[] = [];
  try {
    const sessiond = await startSessiond(options, "agent", { agent: true });
    servers.push(sessiond);
    line("agent", `sessiond ready: ${fmt(options.sessions)} sessions inserted in ${fmt(sessiond.insertMs)} ms`);
    const answer = await sampleAnswer(sessiond);
    const answerFile = join(options.workDir, "agent-answer.xml");
    writeFileSync(answerFile, answer);
    const raw: RawServer = await startRawAgent();
    servers.push(raw);
    const rawSameBody: RawServer = await startRawAgent(answerFile);
    servers.push(rawSameBody);

    const measure = async (url: string, login: boolean) => {
      const result = await runChild<LoadResult>(
        join(import.meta.dirname, "lib", "agent-load.ts"),
        [
          "--url",
          url,
          "--connections",
          String(options.connections),
          "--duration",
          String(options.durationS),
          "--warmup",
          String(options.warmupS),
          "--secrets-file",
          sessiond.secretsFile,
          ...(login ? ["--login", "admin", "--password", sessiond.password] : []),
        ],
        { label: "agent-load", timeoutMs: (options.durationS + options.warmupS + 120) * 1000 },
      );
      return { ...result, packetsPerSecond: Math.round((result.requests / result.seconds) * 10) / 10 };
    };
    const compared = await compareThroughput(
      options.rounds,
      {
        sessiond: () => measure(sessiond.agentUrl ?? "", true),
        baseline: () => measure(raw.url, false),
        baselineSameBody: () => measure(rawSameBody.url, false),
      },
      (r) => r.packetsPerSecond,
    );
    const { sessiond: measured, baseline, baselineSameBody, ratio, ratioToSameBody } = compared;
    type Run = typeof measured;
    const p99 = (r: Run) => Math.round(r.latencyUs.p99 / 10) / 100;
    line(
      "agent",
      `sessiond ${fmt(measured.packetsPerSecond)} packets/s (p99 ${p99(measured)} ms) | ` +
        `baseline ${fmt(baseline.packetsPerSecond)} packets/s | ratio ${ratio.toFixed(2)} (no target)`,
    );
    line(
      "agent",
      `context: raw node:net sending the same ${fmt(Buffer.byteLength(answer))}-byte answer packet ` +
        `${fmt(baselineSameBody.packetsPerSecond)} packets/s | ratio to it ${ratioToSameBody.toFixed(2)}`,
    );
    const errors = compared.results.sessiond.reduce((sum, r) => sum + r.errors, 0);
    if (errors > 0) line("agent", `WARNING: ${errors} error answers during the sessiond runs`);
    return {
      sessions: options.sessions,
      connections: options.connections,
      durationS: options.durationS,
      responseBytes: Buffer.byteLength(answer),
      baseline,
      sessiond: measured,
      ratio,
      baselineSameBody,
      ratioToSameBody,
      rounds: compared.rounds,
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}
