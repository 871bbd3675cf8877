/**
 * docs/observability.md and the Grafana dashboard name exactly the metrics a server exports: every
 * `sessiond_*` metric a scrape lists is in the table, every one in the table is exported, and every
 * query of the dashboard uses exported metrics only.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { startApiApp } from "../helpers/api.ts";

test("the metrics table and the dashboard match what /metrics exports", async () => {
  const t = await startApiApp();
  let exported: Set<string>;
  try {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    exported = new Set([...text.matchAll(/^# TYPE (sessiond_\w+) /gm)].map((match) => match[1] as string));
  } finally {
    await t.stop();
  }
  assert.ok(exported.size > 10, "sessiond's own metrics are exported");

  const doc = readFileSync("docs/observability.md", "utf8");
  const documented = new Set([...doc.matchAll(/^\| `(sessiond_\w+)` \|/gm)].map((match) => match[1] as string));
  assert.deepEqual([...exported].sort(), [...documented].sort(), "the table lists exactly the exported metrics");

  const dashboard = readFileSync("docs/grafana-dashboard.json", "utf8");
  const queried = new Set(
    [...dashboard.matchAll(/(sessiond_[a-z_]+?)(?:_bucket|_sum|_count)?\b/g)].map((m) => m[1] as string),
  );
  for (const name of queried) assert.ok(exported.has(name), `the dashboard queries ${name}, which is exported`);
});
