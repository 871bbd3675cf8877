import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SessionError } from "../../../src/core/errors.ts";
import { parseHttpkomSettings } from "../../../src/protocols/httpkom/settings.ts";
import {
  assertEmpty,
  assertJson,
  connect,
  connectAs,
  httpkomError,
  KOM_PASSWORDS,
  type Kom,
  type KomRequest,
  type KomResponse,
  komClient,
  komRealms,
  startKomApp,
} from "../../helpers/httpkom.ts";
import type { TestApp } from "../../helpers/start-app.ts";

/**
 * jskom's connection handling (jskom.HttpkomConnection.js), as a small client: it keeps one
 * connection id, sends it on every request, and on a 403 forgets it, creates a new session and
 * retries the request when that request did not need a login.
 */
function jskom(kom: Kom, server: string) {
  let id: string | undefined;
  let sessionNo: number | undefined;
  const connectNow = async () => {
    const res = await kom("POST", `/${server}/sessions/`, {
      body: { client: { name: "jskom", version: "0.6" } },
      headers: { "cache-control": "no-cache" },
    });
    assert.equal(res.status, 201, res.text);
    id = res.body.connection_id;
    sessionNo = res.body.session_no;
  };
  const call = async (method: string, path: string, options: KomRequest = {}, needsLogin = false) => {
    if (id === undefined) await connectNow();
    const send = () =>
      kom(method, `/${server}${path}`, { ...options, ...(id === undefined ? {} : { id }) } satisfies KomRequest);
    let res: KomResponse = await send();
    if (res.status === 403) {
      id = undefined;
      sessionNo = undefined;
      if (!needsLogin) {
        await connectNow();
        res = await send();
      }
    }
    return res;
  };
  return {
    call,
    connect: connectNow,
    get id() {
      return id;
    },
    get sessionNo() {
      return sessionNo;
    },
  };
}

describe("httpkom: jskom's sequence (4.6)", () => {
  let t: TestApp;
  let kom: Kom;
  before(async () => {
    t = await startKomApp();
    kom = komClient(t);
  });
  after(() => t.stop());

  it("lists servers, creates a session, logs in, is active, asks who it is, logs out and deletes, then recovers from a 403", async () => {
    const servers = await kom("GET", "/?_v=42");
    assertJson(
      servers,
      200,
      '{"default":{"id":"default","name":"default","sort_order":0},' +
        '"otherkom":{"id":"otherkom","name":"otherkom","sort_order":1},' +
        '"testkom":{"id":"testkom","name":"testkom","sort_order":2}}',
    );
    const client = jskom(kom, "testkom");
    await client.connect();
    const first = client.id;
    // jskom's login form sends an empty pers_name next to the number.
    const login = await client.call("POST", "/sessions/current/login", {
      body: { pers_name: "", pers_no: 1, passwd: KOM_PASSWORDS.alice },
      headers: { "cache-control": "no-cache" },
    });
    assertJson(login, 201, '{"pers_name":"Alice Example","pers_no":1}');
    assertEmpty(await client.call("POST", "/sessions/current/active"), 204);
    const me = await client.call("GET", "/sessions/current/who-am-i");
    assertJson(me, 200, `{"person":{"pers_name":"Alice Example","pers_no":1},"session_no":${client.sessionNo}}`);
    assertEmpty(await client.call("POST", "/sessions/current/logout", {}, true), 204);
    assertEmpty(await client.call("DELETE", `/sessions/${client.sessionNo}`), 204);

    // The id is gone: jskom gets a 403, forgets it, creates a new session and retries.
    const again = await client.call("GET", "/sessions/current/who-am-i");
    assert.notEqual(client.id, first);
    assertJson(again, 200, `{"person":null,"session_no":${client.sessionNo}}`);
    assertEmpty(await kom("GET", "/testkom/sessions/current/who-am-i", { id: first ?? "" }), 403);
  });

  it("records current/active as the user's activity, which the JSON API shows", async () => {
    const me = await connect(kom);
    const admin = await t.login("admin", KOM_PASSWORDS.admin);
    const find = async () =>
      (await t.request("GET", "/api/v1/sessions?realm=testkom", { bearer: admin })).body.sessions.find(
        (s: any) => s.number === me.number,
      );
    assert.equal((await find()).userActiveAt, null);
    t.clock.advance(5000);
    assertEmpty(await kom("POST", "/testkom/sessions/current/active", { id: me.id }), 204);
    assert.equal((await find()).userActiveAt, t.clock.now());
  });
});

describe("httpkom sessions are ordinary sessions", () => {
  let t: TestApp;
  let kom: Kom;
  before(async () => {
    t = await startKomApp();
    kom = komClient(t);
  });
  after(() => t.stop());

  it("shows in GET /api/v1/sessions with protocol httpkom, and ending it there makes the next httpkom request 403", async () => {
    const me = await connectAs(kom, 1, KOM_PASSWORDS.alice);
    const admin = await t.login("admin", KOM_PASSWORDS.admin);
    const list = await t.request("GET", "/api/v1/sessions?protocol=httpkom", { bearer: admin });
    assert.equal(list.status, 200, list.text);
    const session = list.body.sessions.find((s: any) => s.number === me.number);
    assert.ok(session, "the httpkom session is listed");
    assert.equal(session.protocol, "httpkom");
    assert.equal(session.realm, "testkom");
    assert.equal(session.userName, "alice");
    assert.deepEqual({ name: session.client.name, version: session.client.version }, { name: "jskom", version: "0.6" });
    const ended = await t.request("DELETE", `/api/v1/sessions/${session.key}`, { bearer: admin });
    assert.equal(ended.status, 204, ended.text);
    assertEmpty(await kom("GET", "/testkom/sessions/current/who-am-i", { id: me.id }), 403);
  });

  it("the connection id works as a JSON API bearer, and an idle session expires for httpkom too", async () => {
    const me = await connect(kom);
    const api = await t.request("GET", "/api/v1/session", { bearer: me.id });
    assert.equal(api.status, 200);
    assert.equal(api.body.session.number, me.number);
    t.clock.advance(1800 * 1000 + 1);
    assertEmpty(await kom("GET", "/testkom/sessions/current/who-am-i", { id: me.id }), 403);
  });

  it("refuses self-registration with a clear error where the realm does not allow it", async () => {
    const me = await connect(kom, "otherkom");
    const res = await kom("POST", "/otherkom/persons/", { id: me.id, body: { name: "New Person", passwd: "pw" } });
    assertJson(
      res,
      400,
      httpkomError("This realm does not allow self-registration: ask an administrator to create the user."),
    );
    assertEmpty(await kom("POST", "/otherkom/persons/", { body: { name: "New Person", passwd: "pw" } }), 403);
  });

  it("a registered name that is taken → 400 PersonExists (21); a missing name or password → 400", async () => {
    const me = await connect(kom);
    const taken = await kom("POST", "/testkom/persons/", { id: me.id, body: { name: "Alice Example", passwd: "pw" } });
    assertJson(taken, 400, '{"error_code":21,"error_msg":"PersonExists","error_status":"0","error_type":"protocol-a"}');
    assertJson(
      await kom("POST", "/testkom/persons/", { id: me.id, body: { passwd: "pw" } }),
      400,
      httpkomError('Missing "name".'),
    );
    assertJson(
      await kom("POST", "/testkom/persons/", { id: me.id, body: { name: "Someone" } }),
      400,
      httpkomError('Missing "passwd".'),
    );
  });

  it("checks the connection before the body: a bad login body without a session is 403", async () => {
    assertEmpty(await kom("POST", "/testkom/sessions/current/login", { body: { passwd: "x" } }), 403);
    assertEmpty(await kom("POST", "/nosuchserver/sessions/current/login", { body: { passwd: "x" } }), 404);
    assertEmpty(await kom("POST", "/testkom/sessions/current/working-conference", { body: {} }), 403);
    const me = await connect(kom);
    assertEmpty(await kom("POST", "/testkom/sessions/current/working-conference", { id: me.id, body: {} }), 401);
  });
});

describe("httpkom: CORS settings", () => {
  let t: TestApp;
  let kom: Kom;
  before(async () => {
    t = await startKomApp({ allowedOrigins: ["https://jskom.example.org"], corsMaxAge: 3600 });
    kom = komClient(t);
  });
  after(() => t.stop());

  it("answers a listed origin with its name and the configured max age", async () => {
    const res = await kom("GET", "/", { headers: { origin: "https://jskom.example.org" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://jskom.example.org");
    assert.equal(res.headers.get("access-control-max-age"), "3600");
    assert.equal(res.headers.get("access-control-expose-headers"), "Cache-Control, Httpkom-Connection");
  });

  it('answers another origin with "null" and nothing else', async () => {
    const res = await kom("GET", "/", { headers: { origin: "https://evil.example" } });
    assert.equal(res.headers.get("access-control-allow-origin"), "null");
    assert.equal(res.headers.get("access-control-allow-methods"), null);
    assert.equal(res.headers.get("access-control-expose-headers"), null);
  });

  it("sends no CORS headers without an Origin", async () => {
    const res = await kom("GET", "/");
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.equal(res.headers.get("cache-control"), "no-cache");
  });
});

describe("httpkom at the prefix /", () => {
  let t: TestApp;
  let kom: Kom;
  before(async () => {
    const realms = [...komRealms(), { name: "api" }, { name: "healthz" }];
    t = await startKomApp({ prefix: "/" }, realms);
    kom = komClient(t, "/");
  });
  after(() => t.stop());

  it("serves httpkom at the root, including a realm named api or healthz", async () => {
    const servers = await kom("GET", "/");
    assert.equal(servers.status, 200);
    assert.deepEqual(Object.keys(servers.body), ["api", "default", "healthz", "otherkom", "testkom"]);
    for (const server of ["testkom", "api", "healthz"]) {
      const me = await connect(kom, server);
      const res = await kom("GET", `/${server}/sessions/current/who-am-i`, { id: me.id });
      assertJson(res, 200, `{"person":null,"session_no":${me.number}}`);
      assertEmpty(await kom("DELETE", `/${server}/sessions/0`, { id: me.id }), 204);
    }
  });

  it("leaves /api/v1 and /healthz to their own routes, with their own error forms", async () => {
    const health = await t.request("GET", "/healthz");
    assert.equal(health.status, 200);
    assert.equal(health.body.status, "ok");
    const me = await t.request("GET", "/api/v1/session");
    assert.equal(me.status, 401);
    assert.equal(me.body.error.code, "NOT_AUTHENTICATED");
    const missing = await t.request("GET", "/api/v1/no-such-route");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "UNKNOWN_METHOD");
    const login = await t.request("POST", "/api/v1/login", {
      body: { userName: "admin", password: KOM_PASSWORDS.admin },
    });
    assert.equal(login.status, 201, login.text);
  });

  it("answers other unknown paths the httpkom way: 404, empty", async () => {
    assertEmpty(await kom("GET", "/nothing/here"), 404);
  });
});

describe("httpkom: bad input never gives a 500", () => {
  let t: TestApp;
  let kom: Kom;
  before(async () => {
    t = await startKomApp();
    kom = komClient(t);
  });
  after(() => t.stop());

  it("answers odd bodies, ids and paths with 4xx", async () => {
    const me = await connect(kom);
    const bodies: KomRequest[] = [
      { raw: "", contentType: "application/json" },
      { raw: "null", contentType: "application/json" },
      { raw: '"text"', contentType: "application/json" },
      { raw: "12", contentType: "application/json" },
      { raw: "\u0000\u0001", contentType: "application/json" },
      { raw: "x".repeat(10_000), contentType: "text/plain" },
      { body: { pers_no: "1", passwd: "x" } },
      { body: { pers_no: -1, passwd: "x" } },
      { body: { pers_no: 1.5, passwd: "x" } },
      { body: { pers_no: 1e300, passwd: "x" } },
      { body: { pers_name: 12, passwd: "x" } },
      { body: { pers_name: "x".repeat(1000), passwd: "x" } },
      { body: { pers_name: "Alice", passwd: 12 } },
      { body: { pers_name: "Alice", passwd: "x".repeat(5000) } },
      { body: { pers_name: { a: 1 }, passwd: "x" } },
    ];
    const paths = [
      ["POST", "/testkom/sessions/"],
      ["POST", "/testkom/sessions/current/login"],
      ["POST", "/testkom/persons/"],
      ["POST", "/testkom/sessions/current/working-conference"],
    ] as const;
    for (const [method, path] of paths) {
      for (const body of bodies) {
        const res = await kom(method, path, { ...body, id: me.id });
        assert.ok(
          res.status >= 200 && res.status < 500,
          `${method} ${path} ${JSON.stringify(body)}: ${res.status} ${res.text}`,
        );
      }
    }
    const ids = ["", "x".repeat(5000), "not-a-uuid", "00000000-0000-4000-8000-000000000000"];
    for (const id of ids) {
      assertEmpty(await kom("GET", "/testkom/sessions/current/who-am-i", { id }), 403);
    }
    for (const path of ["/%ZZ/sessions/", "/..%2F/sessions/", `/${"a".repeat(2000)}/sessions/`, "/te%00st/sessions/"]) {
      const res = await kom("POST", path, { body: { client: { name: "a", version: "b" } } });
      assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
    }
    assert.equal(t.logs.filter((line) => line.includes('"level":50')).length, 0, t.logs.join("\n"));
  });
});

describe("httpkom settings", () => {
  it("defaults to /httpkom, any origin and max age 0", () => {
    assert.deepEqual(parseHttpkomSettings(undefined), { prefix: "/httpkom", allowedOrigins: [], corsMaxAge: 0 });
    assert.deepEqual(parseHttpkomSettings({ prefix: "/", allowedOrigins: ["https://a.example"], corsMaxAge: 60 }), {
      prefix: "/",
      allowedOrigins: ["https://a.example"],
      corsMaxAge: 60,
    });
  });

  it("refuses bad settings with INVALID_ARGUMENT naming the path", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ prefix: "httpkom" }, "httpkom.prefix"],
      [{ prefix: "/httpkom/" }, "httpkom.prefix"],
      [{ prefix: "/:server" }, "httpkom.prefix"],
      [{ prefix: 1 }, "httpkom.prefix"],
      [{ allowedOrigins: "*" }, "httpkom.allowedOrigins"],
      [{ allowedOrigins: [""] }, "httpkom.allowedOrigins[0]"],
      [{ corsMaxAge: -1 }, "httpkom.corsMaxAge"],
      [{ corsMaxAge: "0" }, "httpkom.corsMaxAge"],
      [{ prefx: "/x" }, "httpkom.prefx"],
    ];
    for (const [raw, path] of cases) {
      assert.throws(
        () => parseHttpkomSettings(raw),
        (error: unknown) =>
          error instanceof SessionError && error.code === "INVALID_ARGUMENT" && error.details.path === path,
        JSON.stringify(raw),
      );
    }
  });

  it("stops the server from starting with a bad setting", async () => {
    await assert.rejects(
      startKomApp({ prefix: "no-slash" }),
      (error: unknown) => error instanceof SessionError && error.details.path === "httpkom.prefix",
    );
  });
});
