/**
 * httpkom under fuzzing: generated and mutated bodies, paths, query strings and connection ids on
 * every route, with and without a connection, logged in and not. Whatever arrives, the answer is one
 * of httpkom's (an empty 403, an httpkom or Protocol A error body), never an internal error, nothing is
 * logged as unexpected, and the server goes on serving.
 *
 * @see issue 15, part 5
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  assertNoInternalError,
  assertStillServing,
  FUZZ_SETTINGS,
  jsonLike,
  mutated,
  nastyString,
} from "../../helpers/fuzz.ts";
import { KOM_PASSWORDS, komRealms } from "../../helpers/httpkom.ts";
import { startApp } from "../../helpers/start-app.ts";

const ROUTES: readonly [method: string, path: string][] = [
  ["GET", "/httpkom/"],
  ["POST", "/httpkom/SERVER/sessions/"],
  ["POST", "/httpkom/SERVER/sessions"],
  ["GET", "/httpkom/SERVER/sessions/current/who-am-i"],
  ["POST", "/httpkom/SERVER/sessions/current/active"],
  ["POST", "/httpkom/SERVER/sessions/current/login"],
  ["POST", "/httpkom/SERVER/sessions/current/logout"],
  ["POST", "/httpkom/SERVER/sessions/current/working-conference"],
  ["DELETE", "/httpkom/SERVER/sessions/NUMBER"],
  ["POST", "/httpkom/SERVER/persons/"],
  ["OPTIONS", "/httpkom/SERVER/sessions/"],
  ["PUT", "/httpkom/SERVER/sessions/current/login"],
];

const FIELDS = ["client", "name", "version", "pers_no", "pers_name", "passwd", "conf_no", "session_no"];

const VALID_BODIES = [
  '{"client":{"name":"jskom","version":"0.6"}}',
  `{"pers_no":1,"passwd":"${KOM_PASSWORDS.alice}"}`,
  '{"pers_name":"Alice","passwd":"wrong","pers_no":null}',
  '{"pers_name":"","pers_no":2,"passwd":"x"}',
  '{"conf_no":6}',
  '{"name":"New Person","passwd":"new-password"}',
];

describe("httpkom: fuzzing", () => {
  it("answers every generated or mutated request as httpkom does and keeps serving", async (ctx) => {
    const t = await startApp({ realms: komRealms(), httpkom: {}, ...FUZZ_SETTINGS });
    ctx.after(() => t.stop());
    const open = async (login: boolean) => {
      const made = await t.request("POST", "/httpkom/testkom/sessions/", {
        body: { client: { name: "jskom", version: "0.6" } },
      });
      const id = made.body.connection_id as string;
      if (login) {
        const res = await t.request("POST", "/httpkom/testkom/sessions/current/login", {
          headers: { "httpkom-connection": id },
          body: { pers_no: 1, passwd: KOM_PASSWORDS.alice },
        });
        assert.equal(res.status, 201, res.text);
      }
      return id;
    };
    const connections = [await open(false), await open(true)];

    const request = fc.record({
      route: fc.constantFrom(...ROUTES),
      server: fc.oneof(
        fc.constantFrom("testkom", "default", "otherkom", "nosuch", "api", "%2e%2e"),
        nastyString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "\uFFFD"))),
      ),
      number: fc.oneof(fc.constantFrom("0", "1", "2", "99999999999999999999", "-1", "x"), fc.nat().map(String)),
      query: fc.constantFrom("", "?session_no=1", `?httpkom-connection=${connections[0]}`, "?a=%ZZ", "?x=\u00e9"),
      body: fc.option(
        fc.oneof(
          jsonLike(FIELDS).map((v) => JSON.stringify(v) ?? "null"),
          mutated(VALID_BODIES),
          nastyString,
        ),
        { nil: undefined, freq: 6 },
      ),
      connection: fc.oneof(
        fc.constantFrom<string | undefined>(undefined, ...connections, "00000000-0000-4000-8000-000000000000"),
        nastyString.filter((s) => /^[\x21-\x7e]*$/.test(s)),
      ),
      contentType: fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded"),
      origin: fc.constantFrom<string | undefined>(undefined, "http://example.org", "null"),
    });

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const [method, template] = r.route;
        const path = template.replace("SERVER", r.server).replace("NUMBER", r.number) + r.query;
        const headers: Record<string, string> = {};
        if (r.connection !== undefined) headers["httpkom-connection"] = r.connection;
        if (r.origin !== undefined) headers.origin = r.origin;
        const sendsBody = r.body !== undefined && method !== "GET";
        if (sendsBody) headers["content-type"] = r.contentType;
        const what = `${method} ${path}`;
        let res: Awaited<ReturnType<typeof t.request>>;
        try {
          res = await t.request(method, path, { headers, ...(sendsBody ? { body: r.body } : {}) });
        } catch (error) {
          if (error instanceof TypeError) return; // refused by fetch before sending
          throw error;
        }
        assert.notEqual(res.status, 500, `${what}: ${res.text}`);
        assertNoInternalError(res.text, what);
      }),
      { numRuns: 1500, seed: 1506 },
    );
    await assertStillServing(t);
  });
});
