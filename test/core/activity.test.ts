import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createActivityBuffer } from "../../src/core/activity.ts";
import type { SessionRecord } from "../../src/core/types.ts";

const stored = { key: "k", lastActiveAt: 1000, callCount: 5, userActiveAt: null } as SessionRecord;

describe("activity buffer", () => {
  it("merges recorded calls into what is read", () => {
    const buffer = createActivityBuffer();
    buffer.record("k", 2000);
    buffer.record("k", 3000, true);
    const seen = buffer.merge(stored);
    assert.equal(seen.callCount, 7);
    assert.equal(seen.lastActiveAt, 3000);
    assert.equal(seen.userActiveAt, 3000);
    assert.equal(stored.callCount, 5, "the stored record is not changed");
  });

  it("keeps drained activity visible while it is being written, and counts it once after", () => {
    const buffer = createActivityBuffer();
    buffer.record("k", 2000);
    const drained = buffer.drain();
    buffer.record("k", 2500);
    assert.equal(buffer.merge(stored).callCount, 7, "in flight and new calls both count");
    assert.equal(buffer.merge(stored).lastActiveAt, 2500);
    // The write lands: the store now holds the drained call.
    buffer.settle(drained);
    const written = { ...stored, callCount: 6, lastActiveAt: 2000 };
    assert.equal(buffer.merge(written).callCount, 7, "no call counted twice");
  });

  it("keeps activity whose write failed for the next flush", () => {
    const buffer = createActivityBuffer();
    buffer.record("k", 2000);
    const drained = buffer.drain();
    buffer.restore(drained);
    assert.equal(buffer.merge(stored).callCount, 6);
    const again = buffer.drain();
    assert.equal(again.length, 1);
    assert.equal(again[0]?.calls, 1);
  });

  it("forgets an ended session's activity", () => {
    const buffer = createActivityBuffer();
    buffer.record("k", 2000);
    buffer.drain();
    buffer.record("k", 2100);
    buffer.forget("k");
    assert.equal(buffer.merge(stored).callCount, 5);
    assert.equal(buffer.drain().length, 0);
  });
});
