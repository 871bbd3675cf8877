/**
 * The store with every call timed by method (`sessiond_store_operation_duration_seconds`). It wraps
 * the backing store, under the engine's cache, so that only calls that reach the store are timed.
 *
 * @module
 */

import { performance } from "node:perf_hooks";
import type { Store } from "../../core/store/index.ts";
import type { MetricRegistry } from "./registry.ts";

export function timedStore(store: Store, metrics: MetricRegistry): Store {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== "function" || typeof property !== "string") return value;
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        const method = value as (...args: unknown[]) => unknown;
        const histogram = metrics.storeDuration.labels(property);
        wrapper = (...args: unknown[]) => {
          const began = performance.now();
          const result = method.apply(target, args);
          if (!(result instanceof Promise)) return result;
          const done = () => histogram.observe((performance.now() - began) / 1000);
          return result.finally(done);
        };
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}
