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
 * server answering sessiond's own answer packet. Measured in interleaved rounds; the median round of
 * each is reported.
 *
 * Target: sessiond ≥ 0.5 × the raw `node:net` baseline.
 */

import { connect } from "node:net";
import { join } from "node:path";
import type { BenchOptions } from "./lib/options.ts";
import { runChild } from "./lib/proc.ts";
import {
  compareThroughput,
  printThroughput,
  type ThroughputResult,
  throughputResult,
  warnFailures,
} from "./lib/report.ts";
import { type SessiondServer, startRawAgent, withContenders } from "./lib/servers.ts";

export const AGENT_TARGET = 0.5;

interface LoadResult {
  requests: number;
  seconds: number;
  errors: number;
  latencyUs: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
}

/** One run of the generator (`bench/lib/agent-load.ts`). */
type AgentRun = LoadResult & { packetsPerSecond: number };

export type AgentResult = ThroughputResult<AgentRun>;

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

export function runAgent(options: BenchOptions): Promise<AgentResult> {
  const setup = { name: "agent", sessiond: { agent: true }, answer: sampleAnswer };
  return withContenders(options, setup, startRawAgent, async (contenders) => {
    const { sessiond } = contenders;
    const measure = async (url: string, login: boolean): Promise<AgentRun> => {
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
        baseline: () => measure(contenders.baseline.url, false),
        baselineSameBody: () => measure(contenders.baselineSameBody.url, false),
      },
      (run) => run.packetsPerSecond,
    );
    const result = throughputResult(options, contenders, compared, AGENT_TARGET);
    printThroughput("agent", result, {
      rate: (run) => run.packetsPerSecond,
      p99Ms: (run) => Math.round(run.latencyUs.p99 / 10) / 100,
      unit: "packets/s",
      baselineUnit: "packets/s",
      baseline: "node:net",
      answer: "answer packet",
    });
    warnFailures("agent", compared.results.sessiond, "error answers");
    return result;
  });
}
