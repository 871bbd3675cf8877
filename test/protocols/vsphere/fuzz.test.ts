/**
 * The vSphere SOAP front door under fuzzing: the golden requests of test/fixtures/vsphere mutated
 * byte-wise, and SOAP calls generated from the SessionManager's and PropertyCollector's method and
 * parameter names, in all three client dialects, logged in and not. Whatever arrives, the answer is a
 * vSphere fault (or a plain HTTP refusal), never an internal error, nothing is logged as unexpected,
 * and the server goes on serving.
 *
 * @see issue 15, part 5
 */

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { assertNoInternalError, assertStillServing, FUZZ_SETTINGS, mutated, nastyString } from "../../helpers/fuzz.ts";
import { startApp } from "../../helpers/start-app.ts";
import { cookieSecret, DIALECTS, envelope, post, soapClient, VSPHERE_REALMS } from "../../helpers/vsphere.ts";

const FIXTURES = new URL("../../fixtures/vsphere/", import.meta.url);

/** The method bodies of the golden requests (the line after `POST /sdk`). */
const GOLDEN_BODIES = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".http"))
  .map((name) => readFileSync(new URL(name, FIXTURES), "utf8").split("\n"))
  .filter((lines) => lines[0] === "POST /sdk" && lines[1])
  .map((lines) => lines[1] as string);

const METHODS = [
  "Login",
  "Logout",
  "TerminateSession",
  "SessionIsActive",
  "AcquireCloneTicket",
  "CloneSession",
  "ImpersonateUser",
  "AcquireGenericServiceTicket",
  "AcquireLocalTicket",
  "SetLocale",
  "UpdateServiceMessage",
  "LoginByToken",
  "RetrieveServiceContent",
  "RetrieveProperties",
  "RetrievePropertiesEx",
  "CreateFilter",
  "DestroyPropertyFilter",
  "WaitForUpdatesEx",
  "CurrentTime",
  "NoSuchMethod",
];
const TARGETS: readonly [string, string][] = [
  ["SessionManager", "SessionManager"],
  ["ServiceInstance", "ServiceInstance"],
  ["PropertyCollector", "propertyCollector"],
  ["PropertyFilter", "session[1]1"],
  ["Folder", "group-d1"],
];
const PARAMS = [
  "userName",
  "password",
  "locale",
  "sessionId",
  "sessionKey",
  "message",
  "cloneTicket",
  "spec",
  "specSet",
  "propSet",
  "objectSet",
  "obj",
  "type",
  "pathSet",
  "all",
  "skip",
  "options",
  "maxObjects",
  "maxWaitSeconds",
  "version",
  "partialUpdates",
  "service",
  "url",
  "method",
];

const param: fc.Arbitrary<string> = fc.letrec<{ element: string }>((tie) => ({
  element: fc
    .tuple(
      fc.constantFrom(...PARAMS),
      fc.constantFrom("", ' xsi:type="xsd:string"', ' xsi:type="ArrayOfString"', ' type="SessionManager"', " bogus"),
      fc.oneof(
        { depthSize: "small" },
        nastyString,
        fc.array(tie("element"), { maxLength: 3 }).map((c) => c.join("")),
      ),
    )
    .map(([name, attribute, content]) => `<${name}${attribute}>${content}</${name}>`),
})).element;

const generatedCall = fc
  .tuple(fc.constantFrom(...METHODS), fc.constantFrom(...TARGETS), fc.array(param, { maxLength: 4 }))
  .map(
    ([name, [type, id], params]) =>
      `<${name} xmlns="urn:vim25"><_this type="${type}">${id}</_this>${params.join("")}</${name}>`,
  );

describe("vSphere SOAP: fuzzing", () => {
  it("answers every generated or mutated call with a fault or a refusal and keeps serving", async (ctx) => {
    // A wait that a fuzzed call happens to set up ends in a second, not fifteen minutes.
    const t = await startApp({ realms: VSPHERE_REALMS, vsphere: { maxWaitSeconds: 1 }, ...FUZZ_SETTINGS });
    ctx.after(() => t.stop());
    const client = soapClient(t.url, "pyvmomi");
    const login = await client.call(readFileSync(new URL("Login.http", FIXTURES), "utf8").split("\n")[1] as string);
    assert.equal(login.status, 200, login.body);
    const secret = cookieSecret(client.cookieLine);
    assert.ok(secret);

    const call = fc.record({
      dialect: fc.constantFrom(...DIALECTS),
      body: fc.oneof(generatedCall, mutated(GOLDEN_BODIES), fc.constantFrom(...GOLDEN_BODIES)),
      mutateEnvelope: fc.boolean(),
      envelopeEdits: mutated(["<?xml version='1.0'?>"]),
      loggedIn: fc.boolean(),
      contentType: fc.constantFrom("text/xml; charset=utf-8", "application/soap+xml", "text/plain", "application/json"),
      soapAction: fc.constantFrom("urn:vim25/6.7.1", '"urn:vim25/8.0"', "", "\u00e9"),
    });

    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        let payload = envelope(c.dialect, c.body);
        // Now and then the envelope itself is what breaks: its start is replaced by a mutated prolog.
        if (c.mutateEnvelope) payload = c.envelopeEdits + payload.slice(payload.indexOf(">") + 1);
        const headers: Record<string, string> = { "content-type": c.contentType, soapaction: c.soapAction };
        if (c.loggedIn) headers.cookie = `vmware_soap_session="${secret}"`;
        let answer: Awaited<ReturnType<typeof post>>;
        try {
          answer = await post(new URL("/sdk", t.url), headers, Buffer.from(payload, "utf8"), false);
        } catch (error) {
          if ((error as { code?: string }).code === "ERR_INVALID_CHAR") return; // refused by node:http before sending
          throw error;
        }
        const what = `${c.dialect} ${c.body.slice(0, 120)}`;
        assertNoInternalError(answer.body, what);
        if (answer.status === 500) assert.match(answer.body, /<soapenv:Fault>/, `${what}: a 500 is a SOAP fault`);
      }),
      { numRuns: 1500, seed: 1507 },
    );
    await assertStillServing(t);
  });
});
