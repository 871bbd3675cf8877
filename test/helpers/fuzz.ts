/**
 * What the fuzz tests of the front doors share: inputs that break parsers (nasty strings and numbers,
 * JSON shaped like the real thing, seeded byte-wise mutations of real requests), and the checks that
 * the server took it all: no internal error on the wire or in its log, and still serving.
 *
 * Each fuzz test runs a fixed number of cases from a fixed seed, so a failure names a case that
 * reproduces (fast-check prints the seed and the shrunk counterexample).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { ERROR_CODES } from "../../src/core/errors.ts";
import type { TestApp } from "./start-app.ts";

/**
 * Settings for a server under fuzzing: the limits on strangers raised, so that thousands of requests
 * from one address reach the code behind them instead of a 429.
 */
export const FUZZ_SETTINGS = {
  sessions: { anonymousCreationsPerMinute: 1_000_000, anonymousSessionsPerAddress: 1_000_000 },
};

/** Pieces that parsers trip on: markup of every door, escapes, huge and odd numbers, odd code points. */
export const NASTY_PIECES = [
  "\u0000",
  "\uD800",
  "\uFFFF",
  "\u202E",
  "\r\n",
  "{",
  "}",
  "[",
  "]",
  '"',
  "'",
  ":",
  ",",
  "\\",
  "\\u0000",
  "null",
  "true",
  "-1",
  "0",
  "-0",
  "1e309",
  "9007199254740993",
  "NaN",
  "<",
  ">",
  "/",
  "&",
  "&amp;",
  "&#0;",
  "&#x110000;",
  "&xxe;",
  "]]>",
  "<!--",
  "--",
  "<![CDATA[",
  '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
  "<?xml version='1.0'?>",
  'xmlns:x=""',
  "%00",
  "%",
  "%2e%2e",
  "..",
  "__proto__",
  "constructor",
  "vzl.",
  "@",
  "A".repeat(300),
  "é",
  "\uD83D\uDE00",
];

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(...NASTY_PIECES),
  fc
    .array(fc.oneof(fc.constantFrom(...NASTY_PIECES), fc.string({ maxLength: 4 })), { maxLength: 5 })
    .map((parts) => parts.join("")),
  fc.string({ unit: "binary", maxLength: 8 }),
);

export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 1.5, -0, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** JSON values whose objects use `fields` (the names a door reads) as keys more often than not. */
export function jsonLike(fields: readonly string[]): fc.Arbitrary<unknown> {
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fields) }, { weight: 1, arbitrary: nastyString });
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      nastyString,
      nastyNumber,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(key, tie("value"), { maxKeys: 5 }),
    ),
  })).value;
}

/**
 * Real requests with a few edits each: a byte deleted, a nasty piece inserted, a slice repeated or
 * cut short. Most break the request somewhere a parser must notice.
 */
export function mutated(seeds: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.tuple(
    fc.nat(),
    fc.constantFrom("delete", "insert", "repeat", "truncate"),
    fc.constantFrom(...NASTY_PIECES),
    fc.integer({ min: 1, max: 24 }),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([seed, edits]) => {
    let out = seed;
    for (const [where, kind, piece, length] of edits) {
      const at = out.length === 0 ? 0 : where % out.length;
      if (kind === "delete") out = out.slice(0, at) + out.slice(at + length);
      else if (kind === "insert") out = out.slice(0, at) + piece + out.slice(at);
      else if (kind === "repeat") out = out.slice(0, at) + out.slice(at, at + length).repeat(3) + out.slice(at);
      else out = out.slice(0, at);
    }
    return out;
  });
}

/** The server's log lines at level error or worse: an unexpected error is logged there with its stack. */
export function errorLogLines(t: TestApp): string[] {
  const lines = t.logs.flatMap((chunk) => chunk.split("\n")).filter((line) => line.trim() !== "");
  return lines.filter((line) => {
    let level: unknown;
    try {
      level = (JSON.parse(line) as { level?: unknown }).level;
    } catch {
      return true;
    }
    return typeof level !== "number" || level >= 50;
  });
}

/** Fails when a wire answer carries the catalogue's internal error or a stack trace. */
export function assertNoInternalError(text: string, what: string): void {
  assert.ok(!text.includes(ERROR_CODES.INTERNAL.message), `an internal error for ${what}: ${text.slice(0, 500)}`);
  assert.doesNotMatch(text, /\n\s+at |node_modules|\.ts:\d+/, `internals reached the wire for ${what}`);
}

/** After a fuzz run: nothing was logged as an internal error, and `/healthz` still answers ok. */
export async function assertStillServing(t: TestApp): Promise<void> {
  assert.deepEqual(errorLogLines(t), [], "the server logged an unexpected error");
  const health = await t.request("GET", "/healthz");
  assert.equal(health.status, 200, health.text);
  assert.equal(health.body.status, "ok");
}
