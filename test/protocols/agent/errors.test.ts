/**
 * The Agent error codes: every engine code mapped, refinements by reason, and `docs/agent.md`'s two
 * tables in step with `src/protocols/agent/errors.ts`.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ERROR_CODE_NAMES, type ErrorCode, SessionError } from "../../../src/core/errors.ts";
import {
  AGENT_CODE_OF,
  AGENT_ERROR_CODES,
  AGENT_REASONS,
  agentErrorOf,
  notLoggedIn,
  unknownSession,
} from "../../../src/protocols/agent/errors.ts";
import { errorsDocColumn } from "../../helpers/errors-doc.ts";

const AGENT_DOC = fileURLToPath(new URL("../../../docs/agent.md", import.meta.url));

describe("agent errors", () => {
  it("map every engine code, to codes that are unique", () => {
    assert.deepEqual(Object.keys(AGENT_CODE_OF).sort(), [...ERROR_CODE_NAMES].sort());
    const numbers = Object.values(AGENT_ERROR_CODES);
    assert.equal(new Set(numbers).size, numbers.length, "a code is used twice");
    for (const code of ERROR_CODE_NAMES) {
      const error = agentErrorOf(new SessionError(code));
      assert.equal(error.code, AGENT_ERROR_CODES[AGENT_CODE_OF[code]]);
      assert.ok(error.message.length > 0);
    }
  });

  it("refine by reason: packet too large, unknown interface, unknown session", () => {
    const tooLarge = new SessionError("LIMIT_EXCEEDED", "big", { details: { reason: AGENT_REASONS.packetTooLarge } });
    assert.equal(agentErrorOf(tooLarge).code, 2);
    const iface = new SessionError("UNKNOWN_METHOD", "x", { details: { reason: AGENT_REASONS.unknownInterface } });
    assert.equal(agentErrorOf(iface).code, 3);
    assert.equal(agentErrorOf(unknownSession()).code, 12);
    assert.equal(agentErrorOf(notLoggedIn()).code, 11);
    assert.equal(agentErrorOf(notLoggedIn("Custom words.")).message, "Custom words.");
    // The core's bearer wording is replaced by the Agent's own.
    const core = agentErrorOf(new SessionError("NOT_AUTHENTICATED", undefined, { details: { reason: "no-session" } }));
    assert.equal(core.code, 11);
    assert.match(core.message, /system\/login/);
  });

  it("never pass on the message of an internal error", () => {
    assert.equal(agentErrorOf(new SessionError("INTERNAL")).message, "Internal error.");
  });
});

describe("docs/agent.md", () => {
  const doc = readFileSync(AGENT_DOC, "utf8").split("\n");

  it("lists every Agent code once with its name, and no other", () => {
    const rows = new Map<string, number>();
    for (const line of doc) {
      const match = /^\|\s*(\d+)\s*\|\s*`([A-Z_]+)`\s*\|/.exec(line);
      if (!match?.[1] || !match[2]) continue;
      assert.ok(!rows.has(match[2]), `${match[2]} is listed twice`);
      rows.set(match[2], Number(match[1]));
    }
    assert.deepEqual(Object.fromEntries(rows), { ...AGENT_ERROR_CODES });
  });

  it("states the Agent code of every engine code as AGENT_CODE_OF maps it", () => {
    const rows = new Map<string, number>();
    for (const line of doc) {
      const match = /^\|\s*`([A-Z_]+)`\s*\|\s*(\d+)\s*\|/.exec(line);
      if (!match?.[1] || !match[2]) continue;
      assert.ok(!rows.has(match[1]), `${match[1]} is listed twice`);
      rows.set(match[1], Number(match[2]));
    }
    const expected = Object.fromEntries(
      ERROR_CODE_NAMES.map((code: ErrorCode) => [code, AGENT_ERROR_CODES[AGENT_CODE_OF[code]]]),
    );
    assert.deepEqual(Object.fromEntries(rows), expected);
  });
});

describe("docs/errors.md, Agent column", () => {
  it("starts each code's cell with the Agent code AGENT_CODE_OF maps it to", () => {
    const column = errorsDocColumn("Agent");
    for (const code of ERROR_CODE_NAMES) {
      const cell = column.get(code) ?? "";
      assert.equal(Number(/^\d+/.exec(cell)?.[0]), AGENT_ERROR_CODES[AGENT_CODE_OF[code]], `${code}: ${cell}`);
    }
  });
});
