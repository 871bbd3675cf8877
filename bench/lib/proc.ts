/**
 * Child processes for the benchmarks: servers, the argon2 baseline and the memory script each run in a
 * process of their own, so that the load generator, the parent and the thing measured never share an
 * event loop.
 *
 * Protocol: a child prints whatever it likes on stdout; a line that starts with `{` and parses as JSON
 * is a message. A server prints `{"ready":true,...}` once it listens and keeps running until it gets
 * SIGTERM or its stdin closes (so a child never outlives a parent that died). Every child also has a
 * hard deadline after which it is killed.
 *
 * A running server may also answer requests: the parent writes one JSON line `{"id":N,...}` to the
 * child's stdin (`RunningChild.request`), the child answers with one message `{"reply":N,...}`, or
 * `{"reply":N,"error":"..."}` (`answerParent`).
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export interface ChildOptions {
  /** Extra flags for node itself (before the script), e.g. `--expose-gc`. */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Kill the child after this many ms whatever it is doing. */
  timeoutMs: number;
  /** Prefix for the child's stderr lines, which are passed through. */
  label: string;
}

export interface RunningChild<T> {
  /** The child's `ready` message. */
  info: T;
  pid: number;
  /** Sends `message` to the child (see `answerParent`) and resolves with its reply, without `reply`. */
  request<R>(message: Record<string, unknown>, timeoutMs?: number): Promise<R>;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the child has exited. */
  stop(): Promise<void>;
}

/** Every child still running, so that the parent can end them on its way out. */
const live = new Set<ChildProcess>();

export function killAllChildren(): void {
  for (const child of live) child.kill("SIGKILL");
}

function launch(script: string, args: string[], options: ChildOptions): ChildProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", script, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  live.add(child);
  const timer = setTimeout(() => {
    process.stderr.write(`[${options.label}] still running after ${options.timeoutMs} ms: killed\n`);
    child.kill("SIGKILL");
  }, options.timeoutMs);
  timer.unref();
  child.once("exit", () => {
    clearTimeout(timer);
    live.delete(child);
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => {
    process.stderr.write(`[${options.label}] ${line}\n`);
  });
  return child;
}

function messages(child: ChildProcess, onMessage: (message: Record<string, unknown>) => void): void {
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    try {
      onMessage(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not a message: ignore.
    }
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Starts a long-running child and resolves with its `ready` message. */
export function startChild<T>(script: string, args: string[], options: ChildOptions): Promise<RunningChild<T>> {
  const child = launch(script, args, options);
  const pending = new Map<number, { resolve(message: Record<string, unknown>): void; reject(error: Error): void }>();
  let nextId = 1;
  // A request written after the child died fails in `request`, not as an unhandled EPIPE here.
  child.stdin?.on("error", () => {});
  child.once("exit", (code, signal) => {
    for (const { reject } of pending.values()) {
      reject(new Error(`${options.label} exited (code ${code}, signal ${signal})`));
    }
    pending.clear();
  });

  function request<R>(message: Record<string, unknown>, timeoutMs = 60_000): Promise<R> {
    const id = nextId++;
    return new Promise<R>((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`${options.label} has exited`));
        return;
      }
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${options.label} did not answer ${JSON.stringify(message)} in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve(answer) {
          clearTimeout(timer);
          const { reply: _id, ...rest } = answer;
          resolve(rest as R);
        },
        reject(error) {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.stdin?.write(`${JSON.stringify({ ...message, id })}\n`);
    });
  }

  async function stop(): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const forced = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited(child);
    clearTimeout(forced);
  }

  return new Promise((resolve, reject) => {
    let ready = false;
    messages(child, (message) => {
      if (typeof message.reply === "number") {
        const waiting = pending.get(message.reply);
        pending.delete(message.reply);
        if (typeof message.error === "string") waiting?.reject(new Error(`${options.label}: ${message.error}`));
        else waiting?.resolve(message);
        return;
      }
      if (ready || message.ready !== true) return;
      ready = true;
      resolve({ info: message as T, pid: child.pid ?? -1, request, stop });
    });
    child.once("exit", (code, signal) => {
      if (!ready) reject(new Error(`${options.label} exited before it was ready (code ${code}, signal ${signal})`));
    });
  });
}

/** Runs a child to completion and resolves with the last JSON message it printed. */
export async function runChild<T>(script: string, args: string[], options: ChildOptions): Promise<T> {
  const child = launch(script, args, options);
  let last: Record<string, unknown> | undefined;
  messages(child, (message) => {
    last = message;
  });
  child.stdin?.end();
  const code = await exited(child);
  if (code !== 0 || last === undefined) throw new Error(`${options.label} failed (exit code ${code})`);
  return last as T;
}

/** For children: exits when the parent goes away (stdin closes) or after `maxMs`, running `cleanup` first. */
export function exitWithParent(cleanup: () => Promise<void>, maxMs: number): void {
  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    cleanup().then(
      () => process.exit(code),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => exit(0));
  process.on("SIGINT", () => exit(0));
  process.stdin.on("end", () => exit(0));
  process.stdin.on("error", () => exit(0));
  process.stdin.resume();
  setTimeout(() => {
    console.error(`lifetime of ${maxMs} ms reached: exiting`);
    exit(1);
  }, maxMs).unref();
}

/**
 * For children: answers the parent's requests (`RunningChild.request`), one JSON line each on stdin,
 * with what `handle` resolves to, as one `{"reply":id,...}` message on stdout.
 */
export function answerParent(handle: (request: Record<string, unknown>) => Promise<Record<string, unknown>>): void {
  createInterface({ input: process.stdin }).on("line", (line) => {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const id = request.id;
    if (typeof id !== "number") return;
    handle(request).then(
      (answer) => console.log(JSON.stringify({ ...answer, reply: id })),
      (error: unknown) => console.log(JSON.stringify({ reply: id, error: String(error) })),
    );
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux nearly everywhere). */
let clockTicks: number | undefined;

/**
 * The CPU time (user plus system, all threads) process `pid` has used so far, in µs, read from
 * `/proc/<pid>/stat` (fields 14 and 15, in clock ticks: 10 ms resolution); undefined where there is
 * no /proc or the process is gone. For children that do not report their own (`process.cpuUsage()`).
 */
export function processCpuUs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) return undefined;
  if (clockTicks === undefined) {
    const getconf = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const value = Number(getconf.stdout?.trim());
    clockTicks = Number.isFinite(value) && value > 0 ? value : 100;
  }
  return (ticks * 1e6) / clockTicks;
}
