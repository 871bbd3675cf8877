/**
 * AstroGrid's XML-RPC under fuzzing: method calls generated from the runtime's method names and every
 * XML-RPC value type (and some that are not), and real calls mutated byte-wise, in the default
 * session's context and in made-up ones; now and then the HTTP function-call binding too. Whatever
 * arrives, the answer is a fault, a plain refusal or a 403, never an internal error, nothing is logged
 * as unexpected, and the server goes on serving.
 *
 * @see issue 15, part 5
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { astrogridInfo } from "../../../src/protocols/astrogrid/door.ts";
import {
  assertNoInternalError,
  assertStillServing,
  FUZZ_SETTINGS,
  mutated,
  nastyNumber,
  nastyString,
} from "../../helpers/fuzz.ts";
import { startApp } from "../../helpers/start-app.ts";

const METHODS = [
  "builtin.sessionManager.createNewSession",
  "builtin.sessionManager.exists",
  "builtin.sessionManager.dispose",
  "builtin.sessionManager.findXmlRpcSession",
  "builtin.sessionManager.findHttpSession",
  "astrogrid.community.login",
  "astrogrid.community.logout",
  "astrogrid.community.isLoggedIn",
  "astrogrid.community.getUserInformation",
  "session.state.get",
  "session.state.set",
  "session.state.delete",
  "session.state.list",
  "system.configuration.getKey",
  "system.configuration.listKeys",
  "system.listMethods",
  "system.methodHelp",
  "system.methodSignature",
  "system.apihelp.listMethods",
  "system.listMethods.__str__",
  "no.such.method",
];

const escapeText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** XML-RPC values of every type, nested, with raw (unescaped) text now and then. */
const value: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    nastyString.map((s) => `<value><string>${escapeText(s)}</string></value>`),
    nastyString.map((s) => `<value>${escapeText(s)}</value>`),
    nastyString.map((s) => `<value><string>${s}</string></value>`),
    nastyNumber.map((n) => `<value><int>${n}</int></value>`),
    nastyNumber.map((n) => `<value><i4>${n}</i4></value>`),
    nastyNumber.map((n) => `<value><double>${n}</double></value>`),
    fc.constantFrom("0", "1", "true", "2", "").map((b) => `<value><boolean>${b}</boolean></value>`),
    fc.constantFrom("AAAA", "!!", "").map((b) => `<value><base64>${b}</base64></value>`),
    fc.constantFrom("20261122T12:00:00", "x").map((d) => `<value><dateTime.iso8601>${d}</dateTime.iso8601></value>`),
    fc.constantFrom("<value><nil/></value>", "<value><bogus>1</bogus></value>", "<value/>", "<value><int/></value>"),
    fc.array(tie("value"), { maxLength: 3 }).map((vs) => `<value><array><data>${vs.join("")}</data></array></value>`),
    fc
      .array(fc.tuple(nastyString, tie("value")), { maxLength: 3 })
      .map(
        (ms) =>
          `<value><struct>${ms.map(([n, v]) => `<member><name>${escapeText(n)}</name>${v}</member>`).join("")}</struct></value>`,
      ),
  ),
})).value;

const generatedCall = fc
  .tuple(fc.oneof(fc.constantFrom(...METHODS), nastyString.map(escapeText)), fc.array(value, { maxLength: 4 }))
  .map(
    ([name, params]) =>
      `<?xml version='1.0'?>\n<methodCall>\n<methodName>${name}</methodName>\n<params>\n${params
        .map((v) => `<param>${v}</param>`)
        .join("\n")}\n</params>\n</methodCall>\n`,
  );

const REAL_CALLS = [
  "<?xml version='1.0'?>\n<methodCall>\n<methodName>builtin.sessionManager.createNewSession</methodName>\n<params>\n<param>\n<value><int>5</int></value>\n</param>\n</params>\n</methodCall>\n",
  "<?xml version='1.0'?>\n<methodCall>\n<methodName>session.state.set</methodName>\n<params>\n<param>\n<value><string>k</string></value>\n</param>\n<param>\n<value><string>v</string></value>\n</param>\n</params>\n</methodCall>\n",
  "<?xml version='1.0'?>\n<methodCall>\n<methodName>astrogrid.community.login</methodName>\n<params>\n<param>\n<value><string>alice</string></value>\n</param>\n<param>\n<value><string>wrong</string></value>\n</param>\n<param>\n<value><string></string></value>\n</param>\n</params>\n</methodCall>\n",
  "<methodCall><methodName>system.listMethods</methodName><params/></methodCall>",
];

describe("AstroGrid XML-RPC: fuzzing", () => {
  it("answers every generated or mutated call with a fault or a refusal and keeps serving", async (ctx) => {
    const home = mkdtempSync(join(tmpdir(), "sessiond-astro-fuzz-"));
    const t = await startApp({
      realms: [{ name: "default", users: [{ name: "alice", password: "alice-password" }] }],
      astrogrid: { discoveryFile: join(home, ".astrogrid-desktop") },
      ...FUZZ_SETTINGS,
    });
    ctx.after(async () => {
      await t.stop();
      rmSync(home, { recursive: true, force: true });
    });
    const root = astrogridInfo(t.app.doors)?.rootUrl;
    assert.ok(root);

    const call = fc.record({
      context: fc.oneof(
        fc.constant(root),
        fc.constant(`${t.url}/astrogrid/0123456789abcdef0123456789abcdef/`),
        nastyString.map((s) => `${t.url}/astrogrid/${encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "?"))}/`),
      ),
      binding: fc.constantFrom(
        "xmlrpc",
        "xmlrpc",
        "xmlrpc",
        "builtin/sessionManager/exists/plain",
        "session/state/get/html",
      ),
      body: fc.oneof(generatedCall, mutated(REAL_CALLS), nastyString),
      contentType: fc.constantFrom("text/xml", "application/xml", "application/x-www-form-urlencoded", "text/plain"),
      query: fc.constantFrom("", "?sessionId=x", "?key=%ZZ&key=2", "?a"),
    });

    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        const url = c.context + c.binding + c.query;
        let response: Response;
        try {
          response = await fetch(url, { method: "POST", headers: { "content-type": c.contentType }, body: c.body });
        } catch (error) {
          if (error instanceof TypeError) return; // refused by fetch before sending
          throw error;
        }
        const text = await response.text();
        const what = `${url} ${c.body.slice(0, 120)}`;
        assertNoInternalError(text, what);
        assert.ok(!text.includes("ACRException"), `an internal fault for ${what}: ${text}`);
      }),
      { numRuns: 1500, seed: 1508 },
    );
    await assertStillServing(t);
  });
});
