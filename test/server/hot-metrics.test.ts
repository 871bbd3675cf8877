/**
 * The hot-path counter and histogram export exactly what prom-client's own would for the same
 * observations, so that dashboards and alerts cannot tell them apart.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Counter, Histogram, type OpenMetricsContentType, Registry, type RegistryContentType } from "prom-client";
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
async function lines(registry: Registry<RegistryContentType>): Promise<string[]> {
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

  it("start again from zero when the registry is reset, in the children the hot path already holds", async () => {
    const registry = new Registry();
    const counter = hotCounter({ name: "t_total", help: "T.", labelNames: ["door"] as const, registry });
    const histogram = hotHistogram({
      name: "t_seconds",
      help: "T.",
      labelNames: ["door"] as const,
      buckets: BUCKETS,
      registry,
    });
    const held = counter.labels("api");
    const timed = histogram.labels("api");
    held.inc(5);
    timed.observe(0.5);
    registry.resetMetrics();
    const afterReset = await registry.metrics();
    assert.doesNotMatch(afterReset, /t_total\{/, "no series until counted again, as prom-client");
    assert.doesNotMatch(afterReset, /t_seconds_count\{/);
    held.inc(2);
    timed.observe(0.05);
    const counted = await registry.metrics();
    assert.match(counted, /^t_total\{door="api"\} 2$/m);
    assert.match(counted, /^t_seconds_count\{door="api"\} 1$/m);
    assert.match(counted, /^t_seconds_bucket\{door="api",le="0.01"\} 0$/m);
    assert.match(counted, /^t_seconds_bucket\{door="api",le="0.1"\} 1$/m);
  });

  it("export a label set only once something was counted in it, and refuse a wrong number of values", async () => {
    const registry = new Registry();
    const histogram = hotHistogram({
      name: "t_seconds",
      help: "T.",
      labelNames: ["method"] as const,
      buckets: BUCKETS,
      registry,
    });
    histogram.labels("getSetting");
    assert.doesNotMatch(await registry.metrics(), /t_seconds_count/);
    assert.throws(() => histogram.labels("a", "b"), /Expected 1 label values/);
  });

  it("follow the registry's name in OpenMetrics form", async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const definition = { name: "t_requests_total", help: "Requests.", labelNames: ["door"] as const };
    const theirs = new Registry<OpenMetricsContentType>();
    theirs.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    hotCounter({ ...definition, registry })
      .labels("api")
      .inc();
    new Counter({ ...definition, registers: [theirs] }).labels("api").inc();
    assert.deepEqual(await lines(registry), await lines(theirs));
  });
});
