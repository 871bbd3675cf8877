/**
 * Scenario `whoami-pg`: the `whoami` scenario (`GET /api/v1/session` with a valid bearer) with the
 * PostgreSQL store (a fresh database on this machine's server, 127.0.0.1:5432), one node.
 *
 * Why: with several nodes the store is shared, so a cached session may lag its row by at most
 * `sessions.sessionCacheStalenessMs` (1 s): the node serves it from its cache while its pings through
 * the database come back (see docs/cluster.md) and reads it again otherwise; activity is written with
 * the tolerance in one `UPDATE ... FROM unnest` per flush, past the trigger that announces changes.
 * This measures what that costs against the embedded store's figure.
 *
 * Baseline: the same raw `node:http` server answering `{"ok":true}`, measured in interleaved rounds.
 *
 * Target: sessiond ≥ 0.6 × the baseline.
 */

import { runHttpScenario } from "./lib/http-scenario.ts";
import type { BenchOptions } from "./lib/options.ts";
import { whoami } from "./whoami.ts";

export const WHOAMI_PG_TARGET = 0.6;

export const runWhoamiPg = (options: BenchOptions) =>
  runHttpScenario(options, { ...whoami, name: "whoami-pg", target: WHOAMI_PG_TARGET, sessiond: { store: "postgres" } });
