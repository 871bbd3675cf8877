/**
 * The engine's only source of time. Every expiry rule reads `now()` from an injected clock, so tests
 * advance a manual clock instead of sleeping.
 *
 * @module
 */

export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface ManualClock extends Clock {
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void;
  set(epochMs: number): void;
}

/** A clock that moves only when told to: for tests and simulations. */
export function createManualClock(startAt = Date.UTC(2026, 0, 1)): ManualClock {
  let current = startAt;
  return {
    now: () => current,
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError("A clock only moves forward");
      current += ms;
    },
    set(epochMs) {
      current = epochMs;
    },
  };
}
