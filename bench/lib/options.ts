/** Command-line options shared by every scenario, with the full and the `--quick` defaults. */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

export interface BenchOptions {
  quick: boolean;
  /** Measured seconds of each load run. */
  durationS: number;
  /** Seconds of load sent (and thrown away) before each measured run. */
  warmupS: number;
  /** Interleaved rounds of each comparison; the median round is reported. */
  rounds: number;
  /** wrk connections for who-am-i at full speed. */
  connections: number;
  /** wrk threads per generator process. */
  threads: number;
  /** Live sessions in the store before the who-am-i, login and latency runs. */
  sessions: number;
  /** How many of their secrets the generator rotates over. */
  sample: number;
  /** Live sessions in the store of the `whoami1m` scenario. */
  largeSessions: number;
  /** Sessions in the memory scenario. */
  memorySessions: number;
  /** Concurrent logins (wrk connections), and verifications in flight in the argon2 baseline. */
  loginConnections: number;
  /** Connections of the fixed-rate who-am-i generator of the latency scenario. */
  rateConnections: number;
  /** Pause before each of their requests, in ms. */
  rateDelayMs: number;
  /** Write V8 CPU profiles of the sessiond servers to `.bench/profiles/`. */
  cpuProf: boolean;
  /** Scratch and results directory (git-ignored). */
  workDir: string;
  scenarios: string[];
}

export const SCENARIOS = [
  "calibration",
  "whoami",
  "whoami1m",
  "memory",
  "logins",
  "latency",
  "vsphere",
  "agent",
  "httpkom",
  "astrogrid",
  "whoami-pg",
  "logins-pg",
  "whoami-metrics",
] as const;

export function parseOptions(argv: string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      quick: { type: "boolean", default: false },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      rounds: { type: "string" },
      threads: { type: "string" },
      sessions: { type: "string" },
      "large-sessions": { type: "string" },
      "memory-sessions": { type: "string" },
      "login-connections": { type: "string" },
      "cpu-prof": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(`npm run bench -- [${SCENARIOS.join("|")} ...] [--quick] [--duration S] [--warmup S]
  [--rounds N] [--connections N] [--threads N] [--sessions N] [--large-sessions N] [--memory-sessions N]
  [--login-connections N] [--cpu-prof]`);
    process.exit(0);
  }
  const unknown = positionals.filter((p) => !(SCENARIOS as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw new Error(`Unknown scenario(s): ${unknown.join(", ")} (known: ${SCENARIOS.join(", ")})`);
  const quick = values.quick ?? false;
  const num = (value: string | undefined, fallback: number, name: string): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const sessions = num(values.sessions, quick ? 10_000 : 100_000, "sessions");
  const workDir = join(process.cwd(), ".bench");
  mkdirSync(workDir, { recursive: true });
  return {
    quick,
    durationS: num(values.duration, quick ? 3 : 10, "duration"),
    warmupS: num(values.warmup, quick ? 1 : 2, "warmup"),
    rounds: Math.round(num(values.rounds, quick ? 1 : 3, "rounds")),
    connections: num(values.connections, 50, "connections"),
    threads: num(values.threads, 1, "threads"),
    sessions,
    sample: Math.min(sessions, quick ? 2_000 : 10_000),
    largeSessions: num(values["large-sessions"], quick ? 100_000 : 1_000_000, "large-sessions"),
    memorySessions: num(values["memory-sessions"], quick ? 100_000 : 1_000_000, "memory-sessions"),
    loginConnections: num(values["login-connections"], 8, "login-connections"),
    rateConnections: 10,
    rateDelayMs: 20,
    cpuProf: values["cpu-prof"] ?? false,
    workDir,
    scenarios: positionals.length > 0 ? positionals : [...SCENARIOS],
  };
}
