/**
 * The engine's call hooks when metrics are on: every operation run for a caller is counted by door
 * and outcome and timed by door and operation. The engine calls them itself (`EngineObserver`), so
 * that counting adds no promise of its own to the hot path.
 *
 * @module
 */

import { performance } from "node:perf_hooks";
import type { EngineObserver } from "../../core/engine.ts";
import type { CounterChild, HistogramChild } from "./hot-metrics.ts";
import type { MetricRegistry } from "./registry.ts";

export function callObserver(metrics: MetricRegistry): Required<Pick<EngineObserver, "now" | "callFinished">> {
  // Label children by their values, found once per call by one string key.
  const counted = new Map<string, CounterChild>();
  const timedBy = new Map<string, HistogramChild>();
  return {
    now: () => performance.now(),
    callFinished(operation, door, outcome, began) {
      const countKey = `${door} ${outcome}`;
      let count = counted.get(countKey);
      if (!count) {
        count = metrics.requests.labels(door, outcome);
        counted.set(countKey, count);
      }
      count.inc();
      const timeKey = `${door} ${operation}`;
      let time = timedBy.get(timeKey);
      if (!time) {
        time = metrics.requestDuration.labels(door, operation);
        timedBy.set(timeKey, time);
      }
      time.observe((performance.now() - began) / 1000);
    },
  };
}
