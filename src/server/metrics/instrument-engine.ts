/**
 * The engine as front doors see it when metrics are on: every `call` and `run` is counted by door and
 * outcome and timed by door and operation. Everything else is the engine itself.
 *
 * @module
 */

import { performance } from "node:perf_hooks";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import type { MetricRegistry } from "./registry.ts";

export function instrumentEngine(engine: Engine, metrics: MetricRegistry): Engine {
  function record(door: string, operation: string, outcome: string, began: number): void {
    metrics.requests.labels(door, outcome).inc();
    metrics.requestDuration.labels(door, operation).observe((performance.now() - began) / 1000);
  }

  async function timed<O>(door: string, operation: string, work: () => Promise<O>): Promise<O> {
    const began = performance.now();
    try {
      const result = await work();
      record(door, operation, "ok", began);
      return result;
    } catch (error) {
      record(door, operation, error instanceof SessionError ? error.code : "INTERNAL", began);
      throw error;
    }
  }

  return Object.assign(Object.create(engine) as Engine, {
    call: (op, context, input) => timed(context.protocol, op.name, () => engine.call(op, context, input)),
    run: (op, caller, input) => timed(caller.context.protocol, op.name, () => engine.run(op, caller, input)),
  } satisfies Pick<Engine, "call" | "run">);
}
