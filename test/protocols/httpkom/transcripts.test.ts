/**
 * The transcripts of the real httpkom (reference/protocols.md 4.8 and the httpkom points of 7), line by
 * line, over a real socket. Where sessiond deliberately fixes a bug of the real httpkom, the test name
 * says "adapted" and why.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  assertEmpty,
  assertJson,
  connect,
  connectAs,
  httpkomError,
  KOM_PASSWORDS,
  type Kom,
  komClient,
  protocolAError,
  startKomApp,
} from "../../helpers/httpkom.ts";
import type { TestApp } from "../../helpers/start-app.ts";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("httpkom transcripts (4.8), in order", () => {
  let t: TestApp;
  let kom: Kom;
  let id: string;
  let sessionNo: number;
  before(async () => {
    t = await startKomApp();
    kom = komClient(t);
  });
  after(() => t.stop());

  it("POST /testkom/sessions/ → 201 with the Httpkom-Connection header and {connection_id, session_no}", async () => {
    const res = await kom("POST", "/testkom/sessions/", { body: { client: { name: "jskom", version: "0.6" } } });
    assert.equal(res.status, 201, res.text);
    id = res.headers.get("httpkom-connection") ?? "";
    assert.match(id, UUID_V4);
    sessionNo = res.body.session_no;
    assert.ok(Number.isSafeInteger(sessionNo) && sessionNo > 0);
    assertJson(res, 201, `{"connection_id":"${id}","session_no":${sessionNo}}`);
  });

  it("POST /testkom/sessions/ with an Httpkom-Connection header → 409, empty", async () => {
    const res = await kom("POST", "/testkom/sessions/", { id, body: { client: { name: "jskom", version: "0.6" } } });
    assertEmpty(res, 409);
    assert.equal(res.headers.get("content-length"), "0");
  });

  it("GET who-am-i → 200 {person:null}; without the header → 403 empty; with the query parameter → 200", async () => {
    const expected = `{"person":null,"session_no":${sessionNo}}`;
    assertJson(await kom("GET", "/testkom/sessions/current/who-am-i", { id }), 200, expected);
    const missing = await kom("GET", "/testkom/sessions/current/who-am-i");
    assertEmpty(missing, 403);
    assert.equal(missing.headers.get("content-length"), "0");
    assertJson(await kom("GET", `/testkom/sessions/current/who-am-i?Httpkom-Connection=${id}`), 200, expected);
  });

  it("POST current/active → 204", async () => {
    assertEmpty(await kom("POST", "/testkom/sessions/current/active", { id }), 204);
  });

  it("POST current/logout when not logged in → 401, empty", async () => {
    assertEmpty(await kom("POST", "/testkom/sessions/current/logout", { id }), 401);
  });

  it("POST /testkom/persons/ → 201 {pers_name, pers_no: 6}", async () => {
    const res = await kom("POST", "/testkom/persons/", { id, body: { name: "Test Person", passwd: "test123" } });
    assertJson(res, 201, '{"pers_name":"Test Person","pers_no":6}');
  });

  it("login with an unknown pers_no → 401 UndefinedPerson (10), status the number", async () => {
    const res = await kom("POST", "/testkom/sessions/current/login", { id, body: { pers_no: 999, passwd: "x" } });
    assertJson(res, 401, protocolAError(10, "UndefinedPerson", 999));
  });

  it("login with an unknown pers_name → 400 recipient not found", async () => {
    const res = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_name: "Nobody Here", passwd: "x" },
    });
    assertJson(res, 400, httpkomError("recipient not found: Nobody Here"));
  });

  it("login without pers_no and pers_name → 400 Missing", async () => {
    const res = await kom("POST", "/testkom/sessions/current/login", { id, body: { passwd: "x" } });
    assertJson(res, 400, httpkomError('Missing "pers_no" or "pers_name".'));
  });

  it('login with pers_no and pers_name "" (adapted: the empty name counts as absent, as jskom needs) → 401 InvalidPassword', async () => {
    const res = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_no: 6, pers_name: "", passwd: "x" },
    });
    assertJson(res, 401, protocolAError(4, "InvalidPassword", 6));
  });

  it("login with both pers_no and a non-empty pers_name → 400 Only one", async () => {
    const res = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_no: 6, pers_name: "Test Person", passwd: "x" },
    });
    assertJson(res, 400, httpkomError('Only one of "pers_no" and "pers_name" is allowed'));
  });

  it("login without passwd → 400 Missing; with a null passwd → 400 is null", async () => {
    const res = await kom("POST", "/testkom/sessions/current/login", { id, body: { pers_name: "Test Person" } });
    assertJson(res, 400, httpkomError('Missing "passwd".'));
    const nul = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_name: "Test Person", passwd: null },
    });
    assertJson(nul, 400, httpkomError('"passwd" is null.'));
  });

  it("login with a wrong password → 401 InvalidPassword (4), status the person number", async () => {
    const res = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_name: "Test Person", passwd: "wrong" },
    });
    assertJson(res, 401, protocolAError(4, "InvalidPassword", 6));
  });

  it("login with the right password → 201 {pers_name, pers_no}, without an Httpkom-Connection header", async () => {
    const res = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_name: "Test Person", passwd: "test123" },
    });
    assertJson(res, 201, '{"pers_name":"Test Person","pers_no":6}');
    assert.equal(res.headers.get("httpkom-connection"), null);
  });

  it("who-am-i when logged in (adapted: the intended body, not the real httpkom's 500)", async () => {
    const res = await kom("GET", "/testkom/sessions/current/who-am-i", { id });
    assertJson(res, 200, `{"person":{"pers_name":"Test Person","pers_no":6},"session_no":${sessionNo}}`);
  });

  it("working-conference (adapted: sessiond has no conferences) → 400 protocol-a NotImplemented (2)", async () => {
    const res = await kom("POST", "/testkom/sessions/current/working-conference", { id, body: { conf_no: 1 } });
    assertJson(res, 400, protocolAError(2, "NotImplemented", 0));
    const missing = await kom("POST", "/testkom/sessions/current/working-conference", { id, body: {} });
    assertJson(missing, 400, httpkomError('Missing "conf_no".'));
  });

  it("logout → 204; who-am-i → person null, same session_no; logout again → 401", async () => {
    assertEmpty(await kom("POST", "/testkom/sessions/current/logout", { id }), 204);
    assertJson(
      await kom("GET", "/testkom/sessions/current/who-am-i", { id }),
      200,
      `{"person":null,"session_no":${sessionNo}}`,
    );
    assertEmpty(await kom("POST", "/testkom/sessions/current/logout", { id }), 401);
  });

  it('POST /testkom/sessions/ {} → 400 Missing "client"', async () => {
    assertJson(await kom("POST", "/testkom/sessions/", { body: {} }), 400, httpkomError('Missing "client".'));
  });

  it("POST /testkom/sessions/ with a body that is not JSON (form content type) → 400 Invalid body.", async () => {
    const res = await kom("POST", "/testkom/sessions/", {
      raw: "notjson",
      contentType: "application/x-www-form-urlencoded",
    });
    assertJson(res, 400, httpkomError("Invalid body."));
  });

  it("POST /testkom/sessions/?Httpkom-Connection=abc → 204, empty (httpkom's quirk), and nothing is created", async () => {
    const before = (await t.request("GET", "/api/v1/sessions", { bearer: await t.login("admin", "admin-password") }))
      .body.sessions.length;
    const res = await kom("POST", "/testkom/sessions/?Httpkom-Connection=abc", {
      body: { client: { name: "jskom", version: "0.6" } },
    });
    assertEmpty(res, 204);
    const admin = await t.login("admin", "admin-password");
    const after = (await t.request("GET", "/api/v1/sessions", { bearer: admin })).body.sessions.length;
    assert.equal(after, before + 1, "only the admin's own new login session was added");
  });

  it("POST /nosuchserver/sessions/ → 404, empty", async () => {
    const res = await kom("POST", "/nosuchserver/sessions/", { body: { client: { name: "jskom", version: "0.6" } } });
    assertEmpty(res, 404);
  });

  it("an id created on /testkom used under /otherkom (adapted: refused with 403; the real httpkom accepts it) and still works on /testkom", async () => {
    assertEmpty(await kom("GET", "/otherkom/sessions/current/who-am-i", { id }), 403);
    assertEmpty(await kom("POST", "/otherkom/sessions/current/active", { id }), 403);
    const login = await kom("POST", "/otherkom/sessions/current/login", {
      id,
      body: { pers_no: 1, passwd: "olle-password" },
    });
    assertEmpty(login, 403);
    assertJson(
      await kom("GET", "/testkom/sessions/current/who-am-i", { id }),
      200,
      `{"person":null,"session_no":${sessionNo}}`,
    );
  });

  it("DELETE /testkom/sessions/424242 not logged in → 401 LoginFirst (6), status 0", async () => {
    const res = await kom("DELETE", "/testkom/sessions/424242", { id });
    assertJson(res, 401, protocolAError(6, "LoginFirst", 0));
  });

  it("DELETE of an existing session's number while not logged in → 401 LoginFirst (6) too", async () => {
    const other = await connect(kom);
    const res = await kom("DELETE", `/testkom/sessions/${other.number}`, { id });
    assertJson(res, 401, protocolAError(6, "LoginFirst", 0));
    assert.equal((await kom("GET", "/testkom/sessions/current/who-am-i", { id: other.id })).status, 200);
  });

  it("DELETE /testkom/sessions/424242 logged in → 404 UndefinedSession (42), status the number", async () => {
    const me = await connectAs(kom, 1, KOM_PASSWORDS.alice);
    const res = await kom("DELETE", "/testkom/sessions/424242", { id: me.id });
    assertJson(res, 404, protocolAError(42, "UndefinedSession", 424242));
  });

  it("DELETE of someone else's session, logged in as another person → 400 PermissionDenied (12)", async () => {
    const victim = await connectAs(kom, 2, KOM_PASSWORDS.bob);
    const me = await connectAs(kom, 1, KOM_PASSWORDS.alice);
    const res = await kom("DELETE", `/testkom/sessions/${victim.number}`, { id: me.id });
    assertJson(res, 400, protocolAError(12, "PermissionDenied", victim.number));
    assert.equal((await kom("GET", "/testkom/sessions/current/who-am-i", { id: victim.id })).status, 200);
  });

  it("DELETE of an anonymous session of someone else → 400 PermissionDenied; with Sessions.TerminateSession → 204", async () => {
    const victim = await connect(kom);
    const me = await connectAs(kom, 1, KOM_PASSWORDS.alice);
    const res = await kom("DELETE", `/testkom/sessions/${victim.number}`, { id: me.id });
    assertJson(res, 400, protocolAError(12, "PermissionDenied", victim.number));
    const oper = await connectAs(kom, 5, KOM_PASSWORDS.oper);
    assertEmpty(await kom("DELETE", `/testkom/sessions/${victim.number}`, { id: oper.id }), 204);
    assertEmpty(await kom("GET", "/testkom/sessions/current/who-am-i", { id: victim.id }), 403);
  });

  it("DELETE of the same person's other session → 204 (adapted: the victim's next request is 403 at once, not a hang)", async () => {
    const victim = await connectAs(kom, 1, KOM_PASSWORDS.alice);
    const me = await connectAs(kom, 1, KOM_PASSWORDS.alice);
    assertEmpty(await kom("DELETE", `/testkom/sessions/${victim.number}`, { id: me.id }), 204);
    assertEmpty(await kom("GET", "/testkom/sessions/current/who-am-i", { id: victim.id }), 403);
    assert.equal((await kom("GET", "/testkom/sessions/current/who-am-i", { id: me.id })).status, 200);
  });

  it("DELETE /testkom/sessions/0 → 204, logged in or not; then the id gets 403", async () => {
    const anonymous = await connect(kom);
    assertEmpty(await kom("DELETE", "/testkom/sessions/0", { id: anonymous.id }), 204);
    assertEmpty(await kom("GET", "/testkom/sessions/current/who-am-i", { id: anonymous.id }), 403);
    const me = await connectAs(kom, 1, KOM_PASSWORDS.alice);
    assertEmpty(await kom("DELETE", "/testkom/sessions/0", { id: me.id }), 204);
    assertEmpty(await kom("GET", "/testkom/sessions/current/who-am-i", { id: me.id }), 403);
  });

  it("DELETE of one's own number → 204; then the id gets 403", async () => {
    const me = await connectAs(kom, 1, KOM_PASSWORDS.alice);
    assertEmpty(await kom("DELETE", `/testkom/sessions/${me.number}`, { id: me.id }), 204);
    assertEmpty(await kom("GET", "/testkom/sessions/current/who-am-i", { id: me.id }), 403);
    assertEmpty(await kom("DELETE", "/testkom/sessions/0", { id: me.id }), 403);
  });

  it("GET /testkom/sessions/ and PUT current/login (adapted: 405 with Allow, not the real httpkom's 500)", async () => {
    const list = await kom("GET", "/testkom/sessions/", { id });
    assertEmpty(list, 405);
    assert.equal(list.headers.get("allow"), "POST, OPTIONS");
    const put = await kom("PUT", "/testkom/sessions/current/login", { id, body: { pers_no: 1, passwd: "x" } });
    assertEmpty(put, 405);
    assert.equal(put.headers.get("allow"), "POST, OPTIONS");
    const post = await kom("POST", "/testkom/sessions/current/who-am-i", { id });
    assertEmpty(post, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD, OPTIONS");
    const del = await kom("GET", "/testkom/sessions/5", { id });
    assertEmpty(del, 405);
    assert.equal(del.headers.get("allow"), "DELETE, OPTIONS");
  });

  it("CORS preflight: OPTIONS /testkom/sessions/ answers exactly as httpkom", async () => {
    const res = await kom("OPTIONS", "/testkom/sessions/", {
      headers: {
        origin: "http://example.test",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,httpkom-connection",
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.text, "");
    const expected: Record<string, string> = {
      allow: "POST, OPTIONS",
      "content-type": "text/html; charset=utf-8",
      "content-length": "0",
      "cache-control": "no-cache",
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, POST, PUT, DELETE, OPTIONS, HEAD",
      "access-control-max-age": "0",
      "access-control-allow-headers":
        "Origin, Accept, Content-Type, X-Requested-With, Cache-Control, Httpkom-Connection",
      "access-control-expose-headers": "Cache-Control, Httpkom-Connection",
    };
    for (const [name, value] of Object.entries(expected)) assert.equal(res.headers.get(name), value, name);
    assert.equal(res.headers.get("access-control-allow-credentials"), null);
  });
});

describe("httpkom additions (section 7)", () => {
  let t: TestApp;
  let kom: Kom;
  before(async () => {
    t = await startKomApp();
    kom = komClient(t);
  });
  after(() => t.stop());

  it('pers_name "Test" logs in as "Test Person" (word prefix) and the full name comes back', async () => {
    const { id } = await connect(kom);
    await kom("POST", "/testkom/persons/", { id, body: { name: "Test Person", passwd: "test123" } });
    const res = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_name: "Test", passwd: "test123" },
    });
    assertJson(res, 201, '{"pers_name":"Test Person","pers_no":6}');
    const words = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_name: "al ex", passwd: KOM_PASSWORDS.alice },
    });
    assertJson(words, 201, '{"pers_name":"Alice Example","pers_no":1}');
  });

  it("a name that is exactly one person's wins over longer names it is a prefix of (sessiond's choice)", async () => {
    const { id } = await connect(kom);
    const made = await kom("POST", "/testkom/persons/", { id, body: { name: "Test", passwd: "test456" } });
    assertJson(made, 201, '{"pers_name":"Test","pers_no":7}');
    const exact = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_name: "test", passwd: "test456" },
    });
    assertJson(exact, 201, '{"pers_name":"Test","pers_no":7}');
    const prefix = await kom("POST", "/testkom/sessions/current/login", { id, body: { pers_name: "Te", passwd: "x" } });
    assertJson(prefix, 400, httpkomError("ambiguous recipient: Te"));
  });

  it('an ambiguous pers_name → 400 ambiguous recipient; "" alone is ambiguous too', async () => {
    const { id } = await connect(kom);
    const res = await kom("POST", "/testkom/sessions/current/login", { id, body: { pers_name: "B", passwd: "x" } });
    assertJson(res, 400, httpkomError("ambiguous recipient: B"));
    const empty = await kom("POST", "/testkom/sessions/current/login", { id, body: { pers_name: "", passwd: "x" } });
    assertJson(empty, 400, httpkomError("ambiguous recipient: "));
  });

  it('"pers_name": null next to pers_no is accepted', async () => {
    const { id } = await connect(kom);
    const res = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_no: 2, pers_name: null, passwd: KOM_PASSWORDS.bob },
    });
    assertJson(res, 201, '{"pers_name":"Bob Builder","pers_no":2}');
  });

  it("malformed JSON with a JSON content type → 400, empty", async () => {
    const { id } = await connect(kom);
    assertEmpty(await kom("POST", "/testkom/sessions/", { raw: "{nope", contentType: "application/json" }), 400);
    const login = await kom("POST", "/testkom/sessions/current/login", {
      id,
      raw: "{nope",
      contentType: "application/json",
    });
    assertEmpty(login, 400);
  });

  it("a client without name or version (adapted: 400 httpkom error, not the real httpkom's 500)", async () => {
    for (const client of [{}, { name: "jskom" }, { version: "0.6" }, "jskom", [1], { name: 1, version: 2 }]) {
      const res = await kom("POST", "/testkom/sessions/", { body: { client } });
      assertJson(res, 400, httpkomError('"client" must hold "name" and "version" as text.'));
    }
  });

  it("a login body that is not JSON (adapted: 400 Invalid body., not the real httpkom's 500)", async () => {
    const { id } = await connect(kom);
    const res = await kom("POST", "/testkom/sessions/current/login", {
      id,
      raw: "pers_no=1",
      contentType: "application/x-www-form-urlencoded",
    });
    assertJson(res, 400, httpkomError("Invalid body."));
    assertJson(
      await kom("POST", "/testkom/sessions/current/login", { id, body: [1, 2] }),
      400,
      httpkomError("Invalid body."),
    );
  });

  it("POST /<sid>/sessions without the trailing slash → 308 to the slash", async () => {
    const res = await fetch(`${t.url}/httpkom/testkom/sessions`, { method: "POST", redirect: "manual" });
    assert.equal(res.status, 308);
    assert.equal(res.headers.get("location"), "/httpkom/testkom/sessions/");
  });

  it("GET /<sid>/ → 404 empty; DELETE /sessions/abc and /sessions/-1 → 404 empty", async () => {
    const { id } = await connect(kom);
    assertEmpty(await kom("GET", "/testkom/"), 404);
    assertEmpty(await kom("DELETE", "/testkom/sessions/abc", { id }), 404);
    assertEmpty(await kom("DELETE", "/testkom/sessions/-1", { id }), 404);
    assertEmpty(await kom("DELETE", "/testkom/sessions/99999999999999999999999", { id }), 404);
  });

  it("CORS headers also appear on the 404 for an unknown server id", async () => {
    const res = await kom("POST", "/nosuchserver/sessions/", { headers: { origin: "http://example.test" } });
    assertEmpty(res, 404);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("access-control-expose-headers"), "Cache-Control, Httpkom-Connection");
  });

  it("pers_no 0 → 401 ConferenceZero (8), status 0; a user numbered 0 logs in by name", async () => {
    const { id } = await connect(kom);
    const res = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_no: 0, passwd: KOM_PASSWORDS.root },
    });
    assertJson(res, 401, protocolAError(8, "ConferenceZero", 0));
    const byName = await kom("POST", "/testkom/sessions/current/login", {
      id,
      body: { pers_name: "Root", passwd: KOM_PASSWORDS.root },
    });
    assertJson(byName, 201, '{"pers_name":"Root","pers_no":0}');
  });
});
