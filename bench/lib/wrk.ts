/**
 * Runs wrk (the load generator) in a child process with `bench/lib/wrk/bench.lua` and reads the one
 * `WRK_JSON` line the script prints when done.
 */

import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const SCRIPT = join(import.meta.dirname, "wrk", "bench.lua");

export interface WrkOptions {
  /** Full URL, path included. */
  url: string;
  mode: "bearer" | "login" | "soap" | "header" | "xmlrpc";
  /** The request body of `soap` and `xmlrpc` modes. */
  body?: string;
  /** The header that carries the secret in `header` mode (e.g. `Httpkom-Connection`). */
  header?: string;
  /**
   * Request path with `{item}` standing for the secret (or user name), replacing the URL's path:
   * `/astrogrid/{item}/xmlrpc`. Without it every request goes to the URL's path.
   */
  path?: string;
  /** Secrets (bearer) or user names (login), rotated over. */
  listFile?: string;
  password?: string;
  connections: number;
  threads: number;
  durationS: number;
  /** Per-connection pause before each request, to hold a moderate rate (see bench.lua). */
  delayMs?: number;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Requests that failed: socket errors, timeouts and responses with status >= 400. */
  errors: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
}

interface WrkJson {
  requests: number;
  durationUs: number;
  errors: Record<"connect" | "read" | "write" | "status" | "timeout", number>;
  latencyUs: { mean: number; max: number; p50: number; p90: number; p99: number; p999: number };
}

export function wrkVersion(): string {
  const result = spawnSync("wrk", ["-v"], { encoding: "utf8" });
  if (result.error) throw new Error("wrk is not installed (apt-get install wrk)");
  return (result.stdout || result.stderr).split("\n")[0]?.trim() ?? "wrk";
}

export function writeList(path: string, items: readonly string[]): string {
  writeFileSync(path, `${items.join("\n")}\n`);
  return path;
}

const ms = (us: number) => Math.round(us / 10) / 100;

export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    "-t",
    String(options.threads),
    "-c",
    String(Math.max(options.connections, options.threads)),
    "-d",
    `${options.durationS}s`,
    "--timeout",
    "10s",
    "-s",
    SCRIPT,
    options.url,
  ];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    BENCH_MODE: options.mode,
    BENCH_LIST: options.listFile ?? "",
    BENCH_PASSWORD: options.password ?? "",
    BENCH_DELAY_MS: String(options.delayMs ?? 0),
    BENCH_BODY: options.body ?? "",
    BENCH_HEADER: options.header ?? "",
    BENCH_PATH: options.path ?? "",
  };
  const child = spawn("wrk", args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = setTimeout(() => child.kill("SIGKILL"), (options.durationS + 30) * 1000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(deadline);
      const line = stdout.split("\n").find((l) => l.startsWith("WRK_JSON "));
      if (code !== 0 || !line) {
        reject(new Error(`wrk failed (exit ${code}): ${stderr.trim() || stdout.trim()}`));
        return;
      }
      const raw = JSON.parse(line.slice("WRK_JSON ".length)) as WrkJson;
      const seconds = raw.durationUs / 1e6;
      const e = raw.errors;
      resolve({
        requests: raw.requests,
        seconds: Math.round(seconds * 100) / 100,
        requestsPerSecond: Math.round((raw.requests / seconds) * 10) / 10,
        errors: e.connect + e.read + e.write + e.status + e.timeout,
        latencyMs: {
          mean: ms(raw.latencyUs.mean),
          p50: ms(raw.latencyUs.p50),
          p90: ms(raw.latencyUs.p90),
          p99: ms(raw.latencyUs.p99),
          p999: ms(raw.latencyUs.p999),
          max: ms(raw.latencyUs.max),
        },
      });
    });
  });
}
