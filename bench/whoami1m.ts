/**
 * Scenario `whoami1m`: the `whoami` scenario (`GET /api/v1/session` with a valid bearer) against a
 * SQLite store holding 1,000,000 live sessions (`--large-sessions`; 100,000 with `--quick`).
 *
 * Why: a deployment holds many more sessions than the ones active at any moment. With ten times the
 * sessions of `whoami` the indexes (digest, key, deadline) no longer fit SQLite's 64 MiB page cache, so
 * this tells whether the per-request cost depends on the store's size: the lookup by digest, the
 * activity writes (which update rows spread over the whole table) and the WAL checkpoints. The load is
 * the same as `whoami`'s: the generator rotates over 10,000 of the secrets.
 *
 * Baseline: the same raw `node:http` server answering `{"ok":true}`, same generator, connections and
 * duration, measured in interleaved rounds (median reported). Also reported: the sessiond process's
 * RSS after its median measured run (split into anonymous and file-backed memory: SQLite maps the
 * database file), its activity writes and its CPU time per request.
 *
 * Inserting a million sessions takes 40 to 50 s on a 2-core machine: the child inserts them through
 * the store in transactions of 25,000 (see `bench/lib/sessiond-server.ts`).
 *
 * Targets: sessiond ≥ 0.75 × the `{"ok":true}` baseline; activity writes at least 20× fewer than
 * before the activity tolerance (as `whoami`).
 */

import { runHttpScenario } from "./lib/http-scenario.ts";
import type { BenchOptions } from "./lib/options.ts";
import { ACTIVITY_FALL_TARGET, whoami } from "./whoami.ts";

export const WHOAMI1M_TARGET = 0.75;

export const runWhoami1m = (options: BenchOptions) =>
  runHttpScenario(options, {
    ...whoami,
    name: "whoami1m",
    target: WHOAMI1M_TARGET,
    activityFallTarget: ACTIVITY_FALL_TARGET,
    sessiond: { sessions: options.largeSessions },
  });
