/**
 * Shared pieces of the JSON API tests: a directory with a plain user next to the administrator, and
 * assertions on the error form.
 */

import assert from "node:assert/strict";
import { ERROR_CODES, type ErrorCode } from "../../src/core/errors.ts";
import { GRANTABLE_PRIVILEGES } from "../../src/core/privileges.ts";
import { startApp, type TestApp } from "./start-app.ts";

export const API_PASSWORDS = {
  admin: "admin-password",
  alice: "alice-password-1",
  bob: "bob-password-2",
} as const;

/** A server whose default realm has `admin` (every privilege), `alice` and `bob` (none). */
export function startApiApp(
  overrides: Record<string, unknown> = {},
  options: Parameters<typeof startApp>[1] = {},
): Promise<TestApp> {
  return startApp(
    {
      realms: [
        {
          name: "default",
          defaultLocale: "en",
          supportedLocales: ["en", "de"],
          users: [
            { name: "admin", password: API_PASSWORDS.admin, privileges: [...GRANTABLE_PRIVILEGES] },
            { name: "alice", password: API_PASSWORDS.alice },
            { name: "bob", password: API_PASSWORDS.bob },
          ],
        },
      ],
      ...overrides,
    },
    options,
  );
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** Fails when a response body looks like it holds a stack trace or source paths. */
export function assertNoInternals(text: string): void {
  assert.doesNotMatch(text, /\n\s+at /, "a stack trace reached the wire");
  assert.doesNotMatch(text, /\bat [^"]*\(?[^"]*:\d+:\d+\)?/, "a stack frame reached the wire");
  assert.doesNotMatch(text, /node_modules|\/src\/|\.ts:\d/, "a source path reached the wire");
}

/** Asserts the JSON API error form `{"error":{"code","id","message"}}` with this status and code. */
export function assertApiError(res: ApiResponse, status: number, code: ErrorCode): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.ok(res.body && typeof res.body === "object", `the body is JSON: ${res.text}`);
  assert.deepEqual(Object.keys(res.body), ["error"], res.text);
  assert.equal(res.body.error.code, code, res.text);
  assert.equal(res.body.error.id, ERROR_CODES[code].id);
  assert.equal(typeof res.body.error.message, "string");
  assert.ok(res.body.error.message.length > 0);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  assertNoInternals(res.text);
}
