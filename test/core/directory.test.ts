import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchesNamePrefix, userNameFromFullName } from "../../src/core/directory.ts";

describe("LysKOM name matching", () => {
  it("matches word by word from the start, each typed word a prefix, case ignored", () => {
    assert.ok(matchesNamePrefix("Test", "Test Person"));
    assert.ok(matchesNamePrefix("te pe", "Test Person"));
    assert.ok(matchesNamePrefix("  TEST   person ", "Test Person"));
    assert.ok(!matchesNamePrefix("Person", "Test Person"));
    assert.ok(!matchesNamePrefix("Test Person Extra", "Test Person"));
    assert.ok(!matchesNamePrefix("", "Test Person"));
    assert.ok(!matchesNamePrefix("   ", "Test Person"));
  });

  it("makes user names from full names for self-registration", () => {
    assert.equal(userNameFromFullName("Test Person"), "test-person");
    assert.equal(userNameFromFullName("Åsa Öberg"), "asa-oberg");
    assert.equal(userNameFromFullName("  (Oskars) Testperson! "), "oskars-testperson");
    assert.equal(userNameFromFullName("!!!"), null);
    assert.equal(userNameFromFullName("x".repeat(100))?.length, 64);
  });
});
