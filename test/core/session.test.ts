import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deadlineOf, expiryReason } from "../../src/core/session.ts";

const T0 = 1_000_000;

function timers(idleTimeoutMs: number | null, expiresAt: number | null, lastActiveAt = T0) {
  return { idleTimeoutMs, expiresAt, lastActiveAt };
}

describe("deadlineOf", () => {
  it("is lastActiveAt + idleTimeoutMs for an idle-only session", () => {
    assert.equal(deadlineOf(timers(60_000, null)), T0 + 60_000);
  });

  it("is expiresAt for an absolute-only session", () => {
    assert.equal(deadlineOf(timers(null, T0 + 5_000)), T0 + 5_000);
  });

  it("is the earlier of the two deadlines when both apply", () => {
    assert.equal(deadlineOf(timers(60_000, T0 + 5_000)), T0 + 5_000);
    assert.equal(deadlineOf(timers(1_000, T0 + 5_000)), T0 + 1_000);
  });

  it("is null when no timer applies", () => {
    assert.equal(deadlineOf(timers(null, null)), null);
  });

  it("moves with lastActiveAt", () => {
    assert.equal(deadlineOf(timers(60_000, null, T0 + 10_000)), T0 + 70_000);
  });
});

describe("expiryReason", () => {
  it("is null before the idle deadline and expired-idle at and after it", () => {
    const s = timers(60_000, null);
    assert.equal(expiryReason(s, T0), null);
    assert.equal(expiryReason(s, T0 + 59_999), null);
    assert.equal(expiryReason(s, T0 + 60_000), "expired-idle", "now == deadline is expired");
    assert.equal(expiryReason(s, T0 + 60_001), "expired-idle");
  });

  it("is null before expiresAt and expired-absolute at and after it", () => {
    const s = timers(null, T0 + 5_000);
    assert.equal(expiryReason(s, T0 + 4_999), null);
    assert.equal(expiryReason(s, T0 + 5_000), "expired-absolute", "now == expiresAt is expired");
    assert.equal(expiryReason(s, T0 + 10_000_000), "expired-absolute");
  });

  it("never expires a session without timers", () => {
    const s = timers(null, null);
    assert.equal(expiryReason(s, T0), null);
    assert.equal(expiryReason(s, Number.MAX_SAFE_INTEGER), null);
  });

  it("names the timer that ran out when both are set", () => {
    assert.equal(expiryReason(timers(1_000, T0 + 5_000), T0 + 1_000), "expired-idle");
    // Kept active, the absolute cap still ends it.
    assert.equal(expiryReason(timers(1_000, T0 + 5_000, T0 + 4_500), T0 + 5_000), "expired-absolute");
  });

  it("says expired-absolute when both deadlines have passed", () => {
    assert.equal(expiryReason(timers(1_000, T0 + 5_000), T0 + 6_000), "expired-absolute");
  });

  it("agrees with deadlineOf: live strictly before the deadline, expired at it", () => {
    for (const s of [timers(60_000, null), timers(null, T0 + 7), timers(10, T0 + 7), timers(3, T0 + 7, T0 + 2)]) {
      const deadline = deadlineOf(s);
      assert.notEqual(deadline, null);
      assert.equal(expiryReason(s, (deadline as number) - 1), null);
      assert.notEqual(expiryReason(s, deadline as number), null);
    }
  });
});
