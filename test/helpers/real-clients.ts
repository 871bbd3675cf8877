/**
 * Real clients installed from Debian, run as child processes against a server the test started in its
 * own process (so they run asynchronously: a synchronous spawn would stop the server from answering).
 * Each is found once; a test skips with the name of the Debian package when its client is missing.
 */

import { spawn, spawnSync } from "node:child_process";
import { skipReason } from "./skip.ts";

/**
 * Debian's own python3: the one on PATH may be another build that cannot import Debian's pyVmomi
 * (protocols.md 5.1).
 */
export const DEBIAN_PYTHON: string =
  spawnSync("dpkg", ["-L", "python3-minimal"], { encoding: "utf8" })
    .stdout?.split("\n")
    .find((line) => /\/bin\/python3$/.test(line)) ?? "/usr/bin/python3";

export const PYVMOMI_SKIP_REASON = skipReason(
  spawnSync(DEBIAN_PYTHON, ["-c", "import pyVmomi, pyVim.connect"], { encoding: "utf8" }).status === 0,
  "needs pyVmomi for Debian's python3 (Debian package python3-pyvmomi)",
);

export const RBVMOMI_SKIP_REASON = skipReason(
  spawnSync("ruby", ["-e", "require 'rbvmomi'"], { encoding: "utf8" }).status === 0,
  "needs rbvmomi (Debian package ruby-rbvmomi)",
);

export interface ClientRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client program to its end (killed after `timeoutMs`), with `env` added to this process's. */
export function runClient(
  command: string,
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ClientRun> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
