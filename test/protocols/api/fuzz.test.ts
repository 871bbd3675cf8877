/**
 * The JSON API under fuzzing: generated and mutated bodies, paths and query strings on every route,
 * as no one, as an anonymous session and as an administrator. Whatever arrives, the answer is the
 * error form (never an internal error or a stack trace), nothing is logged as unexpected, and the
 * server goes on serving.
 *
 * @see issue 15, part 5
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { API_PASSWORDS, startApiApp } from "../../helpers/api.ts";
import {
  assertNoInternalError,
  assertStillServing,
  FUZZ_SETTINGS,
  jsonLike,
  mutated,
  nastyString,
} from "../../helpers/fuzz.ts";

const ROUTES: readonly [method: string, path: string][] = [
  ["POST", "/api/v1/sessions"],
  ["GET", "/api/v1/sessions"],
  ["POST", "/api/v1/login"],
  ["POST", "/api/v1/impersonate"],
  ["GET", "/api/v1/session"],
  ["DELETE", "/api/v1/session"],
  ["POST", "/api/v1/session/logout"],
  ["POST", "/api/v1/session/active"],
  ["PUT", "/api/v1/session/locale"],
  ["POST", "/api/v1/session/clone-ticket"],
  ["POST", "/api/v1/clone"],
  ["GET", "/api/v1/session/attributes"],
  ["PUT", "/api/v1/session/attributes/NAME"],
  ["GET", "/api/v1/session/attributes/NAME"],
  ["DELETE", "/api/v1/session/attributes/NAME"],
  ["GET", "/api/v1/sessions/NAME"],
  ["DELETE", "/api/v1/sessions/NAME"],
  ["POST", "/api/v1/sessions/terminate"],
  ["GET", "/api/v1/service-message"],
  ["PUT", "/api/v1/service-message"],
  ["POST", "/api/v1/tickets/local"],
];

/** Every field name some route reads. */
const FIELDS = [
  "userName",
  "password",
  "locale",
  "newSession",
  "replaceUser",
  "identity",
  "realm",
  "realmId",
  "idleTimeoutSeconds",
  "binding",
  "secretFormat",
  "client",
  "name",
  "version",
  "ticket",
  "sessions",
  "mode",
  "text",
  "byLocale",
  "value",
  "user",
];

const VALID_BODIES = [
  '{"userName":"alice","password":"alice-password-1"}',
  '{"userName":"alice@default","password":"x","locale":"de","newSession":true,"idleTimeoutSeconds":60}',
  '{"realm":"default","client":{"name":"fuzz","version":"1"},"secretFormat":"uuid"}',
  '{"locale":"en_US"}',
  '{"sessions":["00000000-0000-4000-8000-000000000001"],"mode":"batch"}',
  '{"text":"maintenance","byLocale":{"de":"Wartung"}}',
  '{"value":"state"}',
  '{"ticket":"abc"}',
  '{"userName":"bob"}',
];

const QUERIES = ["", "?limit=5", "?after=3&limit=0", "?realm=default&userName=alice&protocol=api", "?limit=-1&after=x"];

describe("JSON API: fuzzing", () => {
  it("answers every generated or mutated request in its error form and keeps serving", async (ctx) => {
    const t = await startApiApp(FUZZ_SETTINGS);
    ctx.after(() => t.stop());
    const admin = await t.login("admin", API_PASSWORDS.admin);
    const anonymous = (await t.request("POST", "/api/v1/sessions", { body: {} })).body.secret as string;

    const body = fc.oneof(
      jsonLike(FIELDS).map((value) => JSON.stringify(value) ?? "null"),
      mutated(VALID_BODIES),
      nastyString,
    );
    const pathPart = fc.oneof(
      fc.constantFrom("colour", "00000000-0000-4000-8000-000000000001", "1", ""),
      nastyString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "\uFFFD"))),
      nastyString.filter((s) => !/[\s?#]/.test(s)),
    );
    const request = fc.record({
      route: fc.constantFrom(...ROUTES),
      name: pathPart,
      query: fc.oneof(fc.constantFrom(...QUERIES), mutated(QUERIES.slice(1))),
      body: fc.option(body, { nil: undefined, freq: 5 }),
      bearer: fc.constantFrom<string | undefined>(undefined, admin, anonymous, "not-a-secret", "\u00e9"),
      contentType: fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/xml",
      ),
    });

    await fc.assert(
      fc.asyncProperty(request, async ({ route, name, query, body: payload, bearer, contentType }) => {
        const [method, template] = route;
        const path = template.replace("NAME", name) + query;
        const what = `${method} ${path}`;
        const headers: Record<string, string> = {};
        if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
        const sendsBody = payload !== undefined && method !== "GET";
        if (sendsBody) headers["content-type"] = contentType;
        let res: Awaited<ReturnType<typeof t.request>>;
        try {
          res = await t.request(method, path, { headers, ...(sendsBody ? { body: payload } : {}) });
        } catch (error) {
          // fetch refuses some headers and URLs before sending: nothing reached the server.
          if (error instanceof TypeError) return;
          throw error;
        }
        assert.notEqual(res.status, 500, `${what}: ${res.text}`);
        assertNoInternalError(res.text, what);
        if (res.status >= 400 && res.status !== 404 && res.text !== "") {
          assert.equal(typeof res.body?.error?.code, "string", `${what} answers the error form: ${res.text}`);
        }
      }),
      { numRuns: 2000, seed: 1505 },
    );
    await assertStillServing(t);
    // The administrator's session came through: nothing above could end it by accident but the routes that do.
    assert.ok([200, 401].includes((await t.request("GET", "/api/v1/session", { bearer: admin })).status));
  });
});
