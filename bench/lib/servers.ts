/** Starting the two servers the scenarios compare, each in its own child process. */

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchOptions } from "./options.ts";
import { type RunningChild, startChild } from "./proc.ts";
import { writeList } from "./wrk.ts";

const LIB = import.meta.dirname;

export interface RawServer {
  url: string;
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
  insertMs: number;
  stop(): Promise<void>;
}

interface SessiondReady {
  url: string;
  agentUrl?: string;
  secrets: string[];
  users: string[];
  password: string;
  insertMs: number;
}

/** The raw `node:http` baseline; answers `{"ok":true}`, or the content of `bodyFile` when given. */
export function startRaw(bodyFile?: string): Promise<RawServer> {
  return startRawChild("raw-server.ts", bodyFile);
}

/** The raw NUL-framed `node:net` baseline of the Agent; answers a small packet, or `bodyFile`. */
export function startRawAgent(bodyFile?: string): Promise<RawServer> {
  return startRawChild("raw-agent-server.ts", bodyFile);
}

async function startRawChild(script: string, bodyFile: string | undefined): Promise<RawServer> {
  const args = bodyFile ? ["--body-file", bodyFile] : [];
  const child = await startChild<{ url: string }>(join(LIB, script), args, {
    label: script.replace(/\.ts$/, ""),
    timeoutMs: 30 * 60_000,
  });
  return { url: child.info.url, stop: () => child.stop() };
}

/**
 * sessiond with the SQLite store and `options.sessions` live sessions; `tag` names its CPU profile.
 * `agent` turns the Agent front door on as well.
 */
export async function startSessiond(
  options: BenchOptions,
  tag: string,
  extra: { agent?: boolean } = {},
): Promise<SessiondServer> {
  const nodeArgs: string[] = [];
  if (options.cpuProf) {
    // One directory per scenario: tsx's loader thread writes a (nearly idle) profile of its own there too.
    const dir = join(options.workDir, "profiles", tag);
    mkdirSync(dir, { recursive: true });
    nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  const child: RunningChild<SessiondReady> = await startChild<SessiondReady>(
    join(LIB, "sessiond-server.ts"),
    [
      "--sessions",
      String(options.sessions),
      "--sample",
      String(options.sample),
      "--users",
      "4",
      ...(extra.agent ? ["--agent"] : []),
    ],
    { label: "sessiond", timeoutMs: 30 * 60_000, nodeArgs },
  );
  const { url, agentUrl, secrets, users, password, insertMs } = child.info;
  const server: Omit<SessiondServer, "whoamiBodyFile" | "whoamiBodyBytes"> = {
    url,
    agentUrl,
    secrets,
    password,
    insertMs,
    secretsFile: writeList(join(options.workDir, `secrets-${tag}.txt`), secrets),
    usersFile: writeList(join(options.workDir, `users-${tag}.txt`), users),
    stop: () => child.stop(),
  };
  const whoamiBody = await checkSessiond(server, users[0] ?? "admin");
  const whoamiBodyFile = join(options.workDir, `whoami-body-${tag}.json`);
  writeFileSync(whoamiBodyFile, whoamiBody);
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
