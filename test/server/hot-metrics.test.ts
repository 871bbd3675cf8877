/**
 * The hot-path counter and histogram export exactly what prom-client's own would for the same
 * observations, so that dashboards and alerts cannot tell them apart.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Counter, Histogram, Registry } from "prom-client";
import { hotCounter, hotHistogram } from "../../src/server/metrics/hot-metrics.ts";

const BUCKETS = [0.001, 0.01, 0.1, 1];
/** Values on, between, below and above the bounds. */
const OBSERVED: [string, string, number][] = [
  ["api", "session.whoAmI", 0.0005],
  ["api", "session.whoAmI", 0.001],
  ["api", "session.whoAmI", 0.02],
  ["api", "session.login", 0.5],
  ["api", "session.login", 7],
  ["vsphere", 'odd "name"\\with\nlines', 0.01],
];

/** The exported lines, sorted: each exporter may order label sets differently. */
async function lines(registry: Registry): Promise<string[]> {
  return (await registry.metrics())
    .split("\n")
    .filter((line) => line !== "")
    .sort();
}

describe("hot-path metrics", () => {
  it("export a histogram as prom-client does", async () => {
    const hot = new Registry();
    const theirs = new Registry();
    const definition = { name: "t_duration_seconds", help: "Time.", labelNames: ["door", "operation"] as const };
    const fast = hotHistogram({ ...definition, buckets: BUCKETS, registry: hot });
    const reference = new Histogram({ ...definition, buckets: BUCKETS, registers: [theirs] });
    for (const [door, operation, value] of OBSERVED) {
      fast.labels(door, operation).observe(value);
      reference.labels(door, operation).observe(value);
    }
    const exported = await lines(hot);
    // Label order aside (prom-client puts `le` first), the lines are the same.
    const normalise = (line: string) => line.replace(/\{le="([^"]*)",(.*)\}/, '{$2,le="$1"}');
    assert.deepEqual(exported, (await lines(theirs)).map(normalise).sort());
    assert.ok(exported.includes('t_duration_seconds_bucket{door="api",operation="session.whoAmI",le="0.001"} 2'));
    assert.ok(exported.includes('t_duration_seconds_count{door="api",operation="session.login"} 2'));
  });

  it("export a counter as prom-client does", async () => {
    const hot = new Registry();
    const theirs = new Registry();
    const definition = { name: "t_requests_total", help: "Requests.", labelNames: ["door", "outcome"] as const };
    const fast = hotCounter({ ...definition, registry: hot });
    const reference = new Counter({ ...definition, registers: [theirs] });
    for (const [door, outcome] of OBSERVED) {
      fast.labels(door, outcome).inc();
      reference.labels(door, outcome).inc();
    }
    fast.labels("api", "ok").inc(5);
    reference.labels("api", "ok").inc(5);
    assert.deepEqual(await lines(hot), await lines(theirs));
  });

  it("forget their label sets when the registry is reset", async () => {
    const registry = new Registry();
    const counter = hotCounter({ name: "t_total", help: "T.", labelNames: ["door"] as const, registry });
    counter.labels("api").inc();
    registry.resetMetrics();
    assert.doesNotMatch(await registry.metrics(), /t_total\{/);
  });
});
