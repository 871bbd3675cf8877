/** Starting the servers the scenarios compare (sessiond and the raw baselines), each in its own child process. */

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchOptions } from "./options.ts";
import { type RunningChild, startChild } from "./proc.ts";
import { fmt, line } from "./report.ts";
import { writeList } from "./wrk.ts";

const LIB = import.meta.dirname;

export interface RawServer {
  url: string;
  /** The child's process id (its CPU time can be read from /proc: `processCpuUs`). */
  pid: number;
  stop(): Promise<void>;
}

export interface SessiondServer {
  url: string;
  /** The Agent front door's `tcp://` URL, when started with it. */
  agentUrl: string | undefined;
  /** File with one valid secret per line, for wrk. */
  secretsFile: string;
  /** File with one user name per line, for wrk. */
  usersFile: string;
  secrets: string[];
  password: string;
  /** File holding one who-am-i response body, as sessiond sent it, and its size. */
  whoamiBodyFile: string;
  whoamiBodyBytes: number;
  /** Live sessions inserted before it reported ready, how long that took and how. */
  sessions: number;
  insertMs: number;
  insertMode: string;
  /** Whether the child sees the store's activity writes (see `bench/lib/sessiond-server.ts`). */
  activityCounted: boolean;
  pid: number;
  /** Reads the child's counters (it flushes nothing: see `bench/lib/sessiond-server.ts`). */
  stats(): Promise<SessiondStats>;
  /**
   * Runs `run` (a measured load) and tells what the server did meanwhile. With `--cpu-prof` the child
   * profiles exactly that run, into `.bench/profiles/<tag>/`.
   */
  observe<T>(run: () => Promise<T>): Promise<{ result: T; observed: Observed }>;
  stop(): Promise<void>;
}

/** The sessiond child's counters (see the `stats` request in `bench/lib/sessiond-server.ts`). */
export interface SessiondStats {
  /** Rows and calls of the store's `applyActivity` since start, and milliseconds spent in it. */
  activity: { rows: number; calls: number; ms: number };
  /** Bytes: `rss`, `heapUsed`, `external` always; `peakRss`, `rssAnon`, `rssFile` on Linux. */
  memory: { rss: number; heapUsed: number; external: number; peakRss?: number; rssAnon?: number; rssFile?: number };
  /** User plus system CPU time of the process since start, in µs. */
  cpuUs: number;
}

/** What the sessiond child did during one observed run. */
export interface Observed {
  /** Wall time between the two readings (a little longer than the run). */
  seconds: number;
  activityRows: number;
  activityCalls: number;
  activityWriteMs: number;
  cpuMs: number;
  /** The child's memory right after the run. */
  memoryAfter: SessiondStats["memory"];
}

interface SessiondReady {
  url: string;
  agentUrl?: string;
  secrets: string[];
  users: string[];
  password: string;
  sessions: number;
  insertMs: number;
  insertMode: string;
  activityCounted: boolean;
  pid: number;
}

/** The raw `node:http` baseline; answers `{"ok":true}`, or the content of `bodyFile` when given. */
export function startRaw(bodyFile?: string): Promise<RawServer> {
  return startRawChild("raw-server.ts", bodyFile);
}

/**
 * The raw `node:http` baseline answering `{"ok":true}` after busy-spinning `spinUs` µs per request
 * (`--spin-us`): a server with a known, fixed amount of its own work per request (`calibration`).
 */
export function startRawSpinning(spinUs: number): Promise<RawServer> {
  return startRawChild("raw-server.ts", undefined, ["--spin-us", String(spinUs)]);
}

/** The raw NUL-framed `node:net` baseline of the Agent; answers a small packet, or `bodyFile`. */
export function startRawAgent(bodyFile?: string): Promise<RawServer> {
  return startRawChild("raw-agent-server.ts", bodyFile);
}

async function startRawChild(script: string, bodyFile: string | undefined, extra: string[] = []): Promise<RawServer> {
  const args = [...(bodyFile ? ["--body-file", bodyFile] : []), ...extra];
  const child = await startChild<{ url: string }>(join(LIB, script), args, {
    label: script.replace(/\.ts$/, ""),
    timeoutMs: 30 * 60_000,
  });
  return { url: child.info.url, pid: child.pid, stop: () => child.stop() };
}

/** What the sessiond child runs with beyond the defaults: more front doors, another number of sessions. */
export interface SessiondFlags {
  /** The Agent front door (plain TCP) as well. */
  agent?: boolean;
  /** The AstroGrid front door (at `/astrogrid`) as well. */
  astrogrid?: boolean;
  /** Live sessions in the store, instead of `options.sessions`. */
  sessions?: number;
  /** The store: SQLite (the default), or a fresh PostgreSQL database on 127.0.0.1:5432. */
  store?: "sqlite" | "postgres";
  /** Prometheus metrics, on by default as in `npm start`; false turns them off (`metrics.enabled`). */
  metrics?: boolean;
}

/**
 * sessiond with the SQLite store and `options.sessions` live sessions (or `extra.sessions`); `tag`
 * names its CPU profiles. `agent` and `astrogrid` turn those front doors on as well.
 *
 * With `--cpu-prof` the child profiles itself through `node:inspector`, never the insertion: each
 * `observe()`d run gets a profile of its own (`CPU.<tag>.<n>.cpuprofile`); a scenario that observes
 * nothing gets one profile from readiness to `stop()` (`CPU.<tag>.cpuprofile`).
 */
export async function startSessiond(
  options: BenchOptions,
  tag: string,
  extra: SessiondFlags = {},
): Promise<SessiondServer> {
  const sessions = extra.sessions ?? options.sessions;
  const child: RunningChild<SessiondReady> = await startChild<SessiondReady>(
    join(LIB, "sessiond-server.ts"),
    [
      "--sessions",
      String(sessions),
      "--sample",
      String(Math.min(options.sample, sessions)),
      "--users",
      "4",
      ...(extra.agent ? ["--agent"] : []),
      ...(extra.astrogrid ? ["--astrogrid"] : []),
      ...(extra.store === "postgres" ? ["--postgres"] : []),
      ...(extra.metrics === false ? ["--no-metrics"] : []),
    ],
    { label: "sessiond", timeoutMs: 30 * 60_000 },
  );
  const { url, agentUrl, secrets, users, password, insertMs, insertMode, activityCounted } = child.info;
  const profileDir = join(options.workDir, "profiles", tag);
  if (options.cpuProf) mkdirSync(profileDir, { recursive: true });
  let profiles = 0;
  let wholeProfile = false;
  const stats = () => child.request<SessiondStats>({ cmd: "stats" });
  const server: Omit<SessiondServer, "whoamiBodyFile" | "whoamiBodyBytes"> = {
    url,
    agentUrl,
    secrets,
    password,
    sessions,
    insertMs,
    insertMode,
    activityCounted,
    pid: child.pid,
    secretsFile: writeList(join(options.workDir, `secrets-${tag}.txt`), secrets),
    usersFile: writeList(join(options.workDir, `users-${tag}.txt`), users),
    stats,
    async observe<T>(run: () => Promise<T>) {
      if (wholeProfile) {
        // This scenario observes its runs: the profile since readiness holds nothing measured.
        wholeProfile = false;
        await child.request({ cmd: "profile-stop" });
      }
      const before = await stats();
      const started = performance.now();
      if (options.cpuProf) await child.request({ cmd: "profile-start" });
      let result: T;
      try {
        result = await run();
      } finally {
        if (options.cpuProf) {
          profiles += 1;
          const file = join(profileDir, `CPU.${tag}.${profiles}.cpuprofile`);
          await child.request({ cmd: "profile-stop", file });
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const after = await stats();
      return {
        result,
        observed: {
          seconds: Math.round(seconds * 100) / 100,
          activityRows: after.activity.rows - before.activity.rows,
          activityCalls: after.activity.calls - before.activity.calls,
          activityWriteMs: Math.round((after.activity.ms - before.activity.ms) * 10) / 10,
          cpuMs: Math.round((after.cpuUs - before.cpuUs) / 100) / 10,
          memoryAfter: after.memory,
        },
      };
    },
    async stop() {
      if (wholeProfile) {
        wholeProfile = false;
        const file = join(profileDir, `CPU.${tag}.cpuprofile`);
        await child.request({ cmd: "profile-stop", file }).catch((error: unknown) => console.error(error));
      }
      await child.stop();
    },
  };
  const whoamiBody = await checkSessiond(server, users[0] ?? "admin");
  const whoamiBodyFile = join(options.workDir, `whoami-body-${tag}.json`);
  writeFileSync(whoamiBodyFile, whoamiBody);
  if (options.cpuProf) {
    await child.request({ cmd: "profile-start" });
    wholeProfile = true;
  }
  return { ...server, whoamiBodyFile, whoamiBodyBytes: Buffer.byteLength(whoamiBody) };
}

/** Fails early when a secret or a login does not work, rather than measuring error responses. */
async function checkSessiond(
  server: Omit<SessiondServer, "whoamiBodyFile" | "whoamiBodyBytes">,
  user: string,
): Promise<string> {
  const secret = server.secrets[server.secrets.length - 1];
  const who = await fetch(`${server.url}/api/v1/session`, { headers: { authorization: `Bearer ${secret}` } });
  const whoamiBody = await who.text();
  if (who.status !== 200) throw new Error(`who-am-i check failed: ${who.status} ${whoamiBody}`);
  const login = await fetch(`${server.url}/api/v1/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userName: user, password: server.password }),
  });
  if (login.status !== 201) throw new Error(`login check failed: ${login.status} ${await login.text()}`);
  return whoamiBody;
}

/** The three servers of a throughput comparison (see `withContenders`). */
export interface Contenders {
  sessiond: SessiondServer;
  /** The raw baseline, answering its own small body. */
  baseline: RawServer;
  /** The raw baseline sending sessiond's own answer to the measured request, for context. */
  baselineSameBody: RawServer;
  /** The size of that answer, in bytes. */
  answerBytes: number;
}

/**
 * Starts the three servers a throughput scenario compares and hands them to `run`: sessiond (with
 * `setup.sessiond`; its ready line printed under `setup.name`), then, with one real answer to the
 * measured request taken from it (`setup.answer` fetches and checks it) and written to a file, the raw
 * baseline and the raw baseline sending that answer (`startBaseline`: `startRaw` for HTTP,
 * `startRawAgent` for the Agent). Stops all of them when `run` is done or anything fails.
 */
export async function withContenders<T>(
  options: BenchOptions,
  setup: { name: string; sessiond?: SessiondFlags; answer(server: SessiondServer): Promise<string> },
  startBaseline: (bodyFile?: string) => Promise<RawServer>,
  run: (contenders: Contenders) => Promise<T>,
): Promise<T> {
  const servers: { stop(): Promise<void> }[] = [];
  try {
    const sessiond = await startSessiond(options, setup.name, setup.sessiond);
    servers.push(sessiond);
    line(
      setup.name,
      `sessiond ready: ${fmt(sessiond.sessions)} sessions inserted in ${fmt(sessiond.insertMs)} ms (${sessiond.insertMode})`,
    );
    const answer = await setup.answer(sessiond);
    const answerFile = join(options.workDir, `${setup.name}-answer.txt`);
    writeFileSync(answerFile, answer);
    const baseline = await startBaseline();
    servers.push(baseline);
    const baselineSameBody = await startBaseline(answerFile);
    servers.push(baselineSameBody);
    return await run({ sessiond, baseline, baselineSameBody, answerBytes: Buffer.byteLength(answer) });
  } finally {
    for (const server of servers) await server.stop();
  }
}
