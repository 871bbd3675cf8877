import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  ERROR_CODE_NAMES,
  ERROR_CODES,
  ERROR_REASON_NAMES,
  ERROR_REASONS,
  SessionError,
} from "../../src/core/errors.ts";
import { HTTP_STATUS } from "../../src/protocols/api/errors.ts";

const ERRORS_DOC = fileURLToPath(new URL("../../docs/errors.md", import.meta.url));

describe("error catalogue", () => {
  it("gives every code a unique numeric id", () => {
    const ids = ERROR_CODE_NAMES.map((code) => ERROR_CODES[code].id);
    assert.ok(ids.every((id) => Number.isSafeInteger(id) && id > 0));
    assert.equal(new Set(ids).size, ids.length, "an id is used twice");
  });

  it("names codes in UPPER_SNAKE and gives each a message", () => {
    for (const code of ERROR_CODE_NAMES) {
      assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      assert.ok(ERROR_CODES[code].message.length > 0);
    }
  });

  it("holds the codes the design names", () => {
    for (const code of [
      "MALFORMED_REQUEST",
      "INVALID_ARGUMENT",
      "UNKNOWN_METHOD",
      "INVALID_LOGIN",
      "NOT_AUTHENTICATED",
      "NO_PERMISSION",
      "INVALID_LOCALE",
      "NOT_FOUND",
      "NOT_SUPPORTED",
      "INVALID_REQUEST",
      "ALREADY_EXISTS",
      "LIMIT_EXCEEDED",
      "STORE_UNAVAILABLE",
      "INTERNAL",
    ]) {
      assert.ok(ERROR_CODE_NAMES.includes(code as never), `missing ${code}`);
    }
  });

  it("gives a SessionError its code's id and default message", () => {
    const error = new SessionError("NOT_FOUND");
    assert.equal(error.id, ERROR_CODES.NOT_FOUND.id);
    assert.equal(error.message, ERROR_CODES.NOT_FOUND.message);
    assert.equal(new SessionError("NOT_FOUND", "Custom.").message, "Custom.");
  });

  it("maps every code to an HTTP error status in the JSON API", () => {
    assert.deepEqual(Object.keys(HTTP_STATUS).sort(), [...ERROR_CODE_NAMES].sort());
    for (const code of ERROR_CODE_NAMES) {
      const status = HTTP_STATUS[code];
      assert.ok(Number.isInteger(status) && status >= 400 && status <= 599, `${code} maps to ${status}`);
    }
    assert.equal(HTTP_STATUS.NOT_AUTHENTICATED, 401);
    assert.equal(HTTP_STATUS.NO_PERMISSION, 403);
    assert.equal(HTTP_STATUS.NOT_FOUND, 404);
    assert.equal(HTTP_STATUS.INTERNAL, 500);
    assert.ok(HTTP_STATUS.INVALID_ARGUMENT >= 400 && HTTP_STATUS.INVALID_ARGUMENT < 500);
  });
});

describe("docs/errors.md", () => {
  it("exists", () => {
    assert.ok(existsSync(ERRORS_DOC), "docs/errors.md is missing: it must list every error code with its id");
  });

  it("lists every code once, with its id", () => {
    assert.ok(existsSync(ERRORS_DOC), "docs/errors.md is missing");
    const rows = new Map<string, number>();
    for (const line of readFileSync(ERRORS_DOC, "utf8").split("\n")) {
      const match = /^\|\s*`([A-Z0-9_]+)`\s*\|\s*(\d+)\s*\|/.exec(line);
      if (match?.[1] && match[2]) {
        assert.ok(!rows.has(match[1]), `${match[1]} is listed twice`);
        rows.set(match[1], Number(match[2]));
      }
    }
    for (const code of ERROR_CODE_NAMES) {
      assert.equal(
        rows.get(code),
        ERROR_CODES[code].id,
        `docs/errors.md: ${code} should have id ${ERROR_CODES[code].id}`,
      );
    }
  });

  it("states each code's JSON API status as HTTP_STATUS maps it", () => {
    assert.ok(existsSync(ERRORS_DOC), "docs/errors.md is missing");
    const statuses = new Map<string, number>();
    for (const line of readFileSync(ERRORS_DOC, "utf8").split("\n")) {
      const match = /^\|\s*`([A-Z0-9_]+)`\s*\|\s*\d+\s*\|\s*(\d{3})\b/.exec(line);
      if (match?.[1] && match[2]) statuses.set(match[1], Number(match[2]));
    }
    assert.ok(statuses.size > 0, "the table has a status column");
    for (const [code, status] of statuses) {
      assert.equal(status, HTTP_STATUS[code as keyof typeof HTTP_STATUS], `docs/errors.md: status of ${code}`);
    }
  });

  it("has no row for a code the catalogue lacks", () => {
    assert.ok(existsSync(ERRORS_DOC), "docs/errors.md is missing");
    const rows = new Set<string>();
    for (const line of readFileSync(ERRORS_DOC, "utf8").split("\n")) {
      const match = /^\|\s*`([A-Z0-9_]+)`\s*\|\s*(\d+)\s*\|/.exec(line);
      if (match?.[1]) rows.add(match[1]);
    }
    for (const code of rows) {
      assert.ok(ERROR_CODE_NAMES.includes(code as never), `docs/errors.md lists ${code}, which the catalogue lacks`);
    }
  });
});

describe("docs/errors.md: reasons", () => {
  it("lists every reason once, with its code, and none the catalogue lacks", () => {
    const rows = new Map<string, string>();
    for (const line of readFileSync(ERRORS_DOC, "utf8").split("\n")) {
      const match = /^\|\s*`([a-z-]+)`\s*\|\s*`([A-Z_]+)`\s*\|/.exec(line);
      if (!match?.[1] || !match[2]) continue;
      assert.ok(!rows.has(match[1]), `${match[1]} is listed twice`);
      rows.set(match[1], match[2]);
    }
    for (const reason of ERROR_REASON_NAMES) {
      assert.equal(rows.get(reason), ERROR_REASONS[reason].code, `docs/errors.md: the code of ${reason}`);
    }
    for (const reason of rows.keys()) {
      assert.ok(
        ERROR_REASON_NAMES.includes(reason as never),
        `docs/errors.md lists ${reason}, which the catalogue lacks`,
      );
    }
  });
});

describe("reasons", () => {
  it("are set as the error's reason and as details.reason", () => {
    const error = new SessionError("NOT_AUTHENTICATED", undefined, { reason: "login-required", details: { id: 3 } });
    assert.equal(error.reason, "login-required");
    assert.deepEqual(error.details, { id: 3, reason: "login-required" });
  });
});
