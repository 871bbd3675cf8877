/**
 * The activity buffer: calls are merged into what is read at once, and written to the store only when
 * a session's stored `lastActiveAt` falls a tolerance behind, when a burst of calls ends, or when the
 * stored idle deadline would otherwise pass while the session is alive here.
 *
 * @see issue 11, part 1
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createActivityBuffer } from "../../src/core/activity.ts";
import type { ActivityPolicy } from "../../src/core/session.ts";
import type { ActivityDelta, SessionRecord } from "../../src/core/types.ts";

const T0 = 1_000_000;
/** Tolerance 60 s for sessions idle 1800 s (1800 / 20 = 90, cut to 60), 3 s for 60 s, 1 s below 20 s. */
const POLICY: ActivityPolicy = { toleranceCapMs: 60_000, flushMs: 1_000 };

function stored(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    key: "k",
    lastActiveAt: T0,
    callCount: 5,
    userActiveAt: null,
    idleTimeoutMs: 1_800_000,
    ...overrides,
  } as SessionRecord;
}

/** Applies written deltas to a stored record, as a store does. */
function written(record: SessionRecord, deltas: readonly ActivityDelta[]): SessionRecord {
  let next = record;
  for (const d of deltas.filter((x) => x.key === record.key)) {
    next = {
      ...next,
      lastActiveAt: Math.max(next.lastActiveAt, d.lastActiveAt),
      callCount: next.callCount + d.calls,
      userActiveAt: d.userActiveAt ?? next.userActiveAt,
    };
  }
  return next;
}

describe("activity buffer: what is read", () => {
  it("merges recorded calls into a new object and leaves the stored record alone", () => {
    const buffer = createActivityBuffer(POLICY);
    const record = stored();
    buffer.record(record, T0 + 2_000);
    buffer.recordUserActive(record, T0 + 3_000);
    buffer.record(record, T0 + 3_000);
    const seen = buffer.merge(record);
    assert.equal(seen.callCount, 7, "the user signal is no call of its own");
    assert.equal(seen.lastActiveAt, T0 + 3_000);
    assert.equal(seen.userActiveAt, T0 + 3_000);
    assert.notEqual(seen, record);
    assert.equal(record.callCount, 5);
    assert.notEqual(buffer.merge(stored({ key: "other" })), buffer.merge(stored({ key: "other" })));
  });

  it("keeps drained activity visible while it is written, and counts it once after", () => {
    const buffer = createActivityBuffer(POLICY);
    const record = stored();
    buffer.record(record, T0 + 1_000);
    const drained = buffer.drain(T0 + 1_000, true);
    assert.equal(drained.length, 1);
    buffer.record(record, T0 + 2_500);
    assert.equal(buffer.merge(record).callCount, 7, "in flight and new calls both count");
    const after = written(record, drained);
    buffer.settle(drained);
    assert.equal(buffer.merge(after).callCount, 7, "no call counted twice");
    assert.equal(buffer.merge(after).lastActiveAt, T0 + 2_500);
  });

  it("keeps activity whose write failed, to write it at the next flush", () => {
    const buffer = createActivityBuffer(POLICY);
    const record = stored();
    buffer.record(record, T0 + 1_000);
    const drained = buffer.drain(T0 + 1_000, true);
    buffer.restore(drained, T0 + 1_000);
    assert.equal(buffer.merge(record).callCount, 6);
    const again = buffer.drain(T0 + 2_000, true);
    assert.deepEqual(again, [{ key: "k", lastActiveAt: T0 + 1_000, calls: 1, userActiveAt: null }]);
  });

  it("forgets an ended session's activity", () => {
    const buffer = createActivityBuffer(POLICY);
    buffer.record(stored(), T0 + 2_000);
    buffer.forget("k");
    assert.equal(buffer.merge(stored()).callCount, 5);
    assert.equal(buffer.size, 0);
    assert.deepEqual(buffer.drain(T0 + 600_000, true), []);
  });
});

describe("activity buffer: when it writes", () => {
  it("writes nothing while a busy session's progress stays within its tolerance", () => {
    const buffer = createActivityBuffer(POLICY);
    const record = stored();
    for (let t = 1_000; t <= 58_000; t += 1_000) {
      buffer.record(record, T0 + t);
      assert.deepEqual(buffer.drain(T0 + t), [], `at +${t} ms`);
    }
  });

  it("writes once the stored lastActiveAt is almost a tolerance behind, so a crash loses less than one", () => {
    const buffer = createActivityBuffer(POLICY);
    const record = stored();
    let deltas: ActivityDelta[] = [];
    let t = 0;
    while (deltas.length === 0) {
      t += 1_000;
      buffer.record(record, T0 + t);
      deltas = buffer.drain(T0 + t);
    }
    assert.equal(t, 59_000, "60 s tolerance, one flush interval short of it");
    assert.deepEqual(deltas, [{ key: "k", lastActiveAt: T0 + 59_000, calls: 59, userActiveAt: null }]);
  });

  it("writes what is left when a burst of calls ends, then forgets the session", () => {
    const buffer = createActivityBuffer(POLICY);
    const record = stored({ idleTimeoutMs: 60_000 }); // tolerance 3 s
    buffer.record(record, T0 + 500);
    buffer.record(record, T0 + 900);
    assert.deepEqual(buffer.drain(T0 + 1_000), []);
    assert.deepEqual(buffer.drain(T0 + 3_000), []);
    const deltas = buffer.drain(T0 + 4_000);
    assert.deepEqual(deltas, [{ key: "k", lastActiveAt: T0 + 900, calls: 2, userActiveAt: null }]);
    buffer.settle(deltas);
    assert.deepEqual(buffer.drain(T0 + 10_000), []);
    assert.equal(buffer.size, 0, "nothing left to hold");
  });

  it("writes a session alive here before its stored idle deadline passes, whatever its tolerance", () => {
    const buffer = createActivityBuffer(POLICY);
    // Idle 2 s: the tolerance (1 s, the flush interval) is half the timeout.
    const record = stored({ idleTimeoutMs: 2_000 });
    buffer.record(record, T0 + 400);
    const deltas = buffer.drain(T0 + 1_000);
    assert.equal(deltas.length, 1, "written one flush before the stored deadline T0 + 2 s");
  });

  it("does not write again what another node has written since (a later stored lastActiveAt)", () => {
    const buffer = createActivityBuffer(POLICY);
    const record = stored();
    buffer.record(record, T0 + 30_000);
    buffer.merge(stored({ lastActiveAt: T0 + 30_000 }));
    // Quiet for a tolerance, but the store already shows the last call: only the call count is left.
    const deltas = buffer.drain(T0 + 91_000);
    assert.deepEqual(deltas, [{ key: "k", lastActiveAt: T0 + 30_000, calls: 1, userActiveAt: null }]);
  });

  it("writes at least twenty times fewer rows than requests for 100,000 sessions at 8,000 requests a second", () => {
    const buffer = createActivityBuffer(POLICY);
    const sessions = Array.from({ length: 100_000 }, (_, i) => stored({ key: `s${i}`, lastActiveAt: T0 }));
    let requests = 0;
    let rows = 0;
    // Two simulated minutes of a generator rotating over 10,000 of the secrets, flushing every second.
    for (let second = 1; second <= 120; second++) {
      for (let i = 0; i < 8_000; i++) {
        const session = sessions[requests % 10_000] as SessionRecord;
        buffer.record(session, T0 + (second - 1) * 1_000 + (i % 1_000));
        requests++;
      }
      const deltas = buffer.drain(T0 + second * 1_000);
      rows += deltas.length;
      buffer.settle(deltas);
    }
    assert.ok(rows * 20 <= requests, `${rows} rows for ${requests} requests`);
  });
});
