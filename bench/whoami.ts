/**
 * Scenario `whoami`: requests per second of `GET /api/v1/session` (who am I) with a valid bearer,
 * against a store holding many live sessions.
 *
 * Why: every authenticated call of every front door starts with the same work (digest the secret,
 * look the session up, load the user, record activity), so who-am-i is the floor of sessiond's
 * per-request cost. It is compared with a raw `node:http` server answering `{"ok":true}`, which is
 * the most one Node process can answer on this machine: same generator (wrk), same connections, same
 * duration, same request (the bearer rotates over many sessions, and the baseline ignores it).
 *
 * For context (not the target) the raw server is measured a third time answering the very body
 * sessiond answered (about 660 bytes): the gap between the two baselines is the price of the
 * response size alone, the rest is sessiond's own work (framework, store lookup, serialisation).
 *
 * The three servers run side by side (each in its own process, idle while another is measured) and
 * are measured in interleaved rounds; the median round of each is reported.
 *
 * Also reported, from sessiond's median round: the activity writes (session rows the store's
 * `applyActivity` wrote per second of the measured run, against the requests answered: every call
 * is activity of its session, buffered and written at most once per tolerance), the process's CPU time per
 * request and its resident memory after the run.
 *
 * Targets: sessiond ≥ 0.8 × the `{"ok":true}` baseline; p99 latency < 5 ms at 50 connections without
 * logins (sessiond's median round); activity writes at least 20× fewer than before the activity
 * tolerance, when every session seen was written about once a second (see `ActivityFall`).
 */

import { readFileSync } from "node:fs";
import { type HttpScenario, runHttpScenario } from "./lib/http-scenario.ts";
import type { BenchOptions } from "./lib/options.ts";

export const WHOAMI_TARGET = 0.8;
/** Who-am-i p99 at 50 connections, no logins, in ms. */
export const WHOAMI_P99_TARGET_MS = 5;
/** How many times fewer activity rows than before the tolerance (also `whoami1m`'s). */
export const ACTIVITY_FALL_TARGET = 20;

/**
 * The who-am-i comparison; `whoami1m` and `whoami-pg` run it again against another store. The latency
 * and activity targets are `whoami`'s own (`runWhoami`), not part of the spec the others reuse.
 */
export const whoami: HttpScenario = {
  name: "whoami",
  target: WHOAMI_TARGET,
  unit: "req/s",
  wrk: (baseUrl) => ({ mode: "bearer", url: `${baseUrl}/api/v1/session` }),
  // The who-am-i body that `startSessiond` fetched with one of the secrets and checked (status 200).
  answer: async (server) => readFileSync(server.whoamiBodyFile, "utf8"),
  answerWords: "body",
};

export const runWhoami = (options: BenchOptions) =>
  runHttpScenario(options, { ...whoami, p99TargetMs: WHOAMI_P99_TARGET_MS, activityFallTarget: ACTIVITY_FALL_TARGET });
