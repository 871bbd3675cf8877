/**
 * The benchmark suite: `npm run bench -- [scenario ...] [--quick] [--duration S] [--connections N] ...`
 *
 * Scenarios (one file each): `calibration` (bench/calibration.ts: the raw baseline against itself
 * with a fixed synthetic load per request, the yardstick of every ratio), `whoami` (bench/whoami.ts),
 * `whoami1m` (bench/whoami1m.ts), `memory` (bench/memory.ts), `logins` (bench/logins.ts), `latency`
 * (bench/latency.ts), `vsphere` (bench/vsphere.ts), `agent` (bench/agent.ts), `httpkom`
 * (bench/httpkom.ts), `astrogrid` (bench/astrogrid.ts), `whoami-metrics` (bench/whoami-metrics.ts),
 * `whoami-pg` (bench/whoami-pg.ts) and `logins-pg` (bench/logins.ts) on PostgreSQL; all of them
 * unless some are named. Every figure is
 * compared with a baseline measured in the same run on the same machine; servers and baselines run in
 * child processes of their own and the load generator (wrk) in yet another. Each scenario prints its
 * result lines; the whole summary is printed as JSON at the end and written to `.bench/latest.json`.
 *
 * Everything is bounded: each child has a deadline, and the whole run stops itself after an hour.
 */

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { runAgent } from "./agent.ts";
import { runAstrogrid } from "./astrogrid.ts";
import { runCalibration } from "./calibration.ts";
import { runHttpkom } from "./httpkom.ts";
import { runLatency } from "./latency.ts";
import { parseOptions, type SCENARIOS } from "./lib/options.ts";
import { killAllChildren } from "./lib/proc.ts";
import { machine } from "./lib/report.ts";
import { runLogins, runLoginsPg } from "./logins.ts";
import { runMemory } from "./memory.ts";
import { runVsphere } from "./vsphere.ts";
import { runWhoami } from "./whoami.ts";
import { runWhoamiMetrics } from "./whoami-metrics.ts";
import { runWhoamiPg } from "./whoami-pg.ts";
import { runWhoami1m } from "./whoami1m.ts";

const RUN_DEADLINE_MS = 60 * 60_000;

const options = parseOptions(process.argv.slice(2));
const scenarios: Record<(typeof SCENARIOS)[number], (o: typeof options) => Promise<unknown>> = {
  calibration: runCalibration,
  whoami: runWhoami,
  whoami1m: runWhoami1m,
  memory: runMemory,
  logins: runLogins,
  "logins-pg": runLoginsPg,
  "whoami-pg": runWhoamiPg,
  "whoami-metrics": runWhoamiMetrics,
  latency: runLatency,
  vsphere: runVsphere,
  agent: runAgent,
  httpkom: runHttpkom,
  astrogrid: runAstrogrid,
};

const deadline = setTimeout(() => {
  console.error(`The benchmark ran for more than ${RUN_DEADLINE_MS / 60_000} minutes: stopping.`);
  killAllChildren();
  process.exit(1);
}, RUN_DEADLINE_MS);
deadline.unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

// The servers under test run the compiled build, as `npm start` does: build it from the current sources.
const build = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
  stdio: "inherit",
});
if (build.status !== 0) {
  console.error("bench: the build failed; fix it before measuring");
  process.exit(1);
}

const host = machine();
console.log(
  `sessiond benchmarks${options.quick ? " (quick)" : ""}: ${host.nproc} cores (${host.cpu}), node ${host.node}, ` +
    `${host.generator.split(" Copyright")[0]}; ${options.durationS} s runs after ${options.warmupS} s warm-up`,
);

const startedAt = new Date().toISOString();
// Other work on the machine skews every figure; the load averages are kept with the results.
const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100);
const results: Record<string, unknown> = {};
let failed = false;
for (const name of options.scenarios) {
  const run = scenarios[name as (typeof SCENARIOS)[number]];
  if (!run) continue;
  try {
    results[name] = await run(options);
  } catch (error) {
    failed = true;
    console.error(`${name} failed:`, error);
    results[name] = { error: String(error) };
  }
}

const { workDir, scenarios: ran, ...settings } = options;
const summary = {
  startedAt,
  finishedAt: new Date().toISOString(),
  machine: host,
  loadAverage: { before: loadBefore, after: loadavg().map((l) => Math.round(l * 100) / 100) },
  options: { ...settings, scenarios: ran },
  results,
};
const file = join(workDir, "latest.json");
writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary));
console.log(`written to ${file}`);
process.exit(failed ? 1 : 0);
