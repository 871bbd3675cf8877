/**
 * One request, authenticated once: a front door whose request runs several operations (a vSphere
 * property read, an AstroGrid method that checks its context, an Agent packet) resolves its caller
 * once, which is one call of the session, and runs each operation for that caller.
 *
 * @module
 */

import type { Engine } from "../../core/engine.ts";
import type { CallContext, Caller, Operation } from "../../core/operation.ts";

export interface RequestScope {
  /** Who is calling, resolved when the scope was opened. */
  readonly caller: Caller;
  /** Runs an operation for the caller; authentication and privileges are checked by the engine. */
  run<I, O>(op: Operation<I, O>, input?: unknown): Promise<O>;
}

/** Authenticates the caller once (recording the call as its session's activity) and opens a scope. */
export async function openScope(engine: Engine, context: CallContext): Promise<RequestScope> {
  return scopeOf(engine, await engine.authenticate(context));
}

/** A scope for a caller already resolved (for example refreshed after a long wait). */
export function scopeOf(engine: Engine, caller: Caller): RequestScope {
  return { caller, run: (op, input) => engine.run(op, caller, input) };
}
