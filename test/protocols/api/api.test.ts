import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { API_PASSWORDS, type ApiResponse, assertApiError, assertNoInternals, startApiApp } from "../../helpers/api.ts";
import { startApp, type TestApp } from "../../helpers/start-app.ts";

const IDLE_MS = 1800 * 1000;
const UNKNOWN_KEY = "00000000-0000-4000-8000-000000000000";

describe("JSON API: sessions and login", () => {
  let t: TestApp;
  before(async () => {
    t = await startApiApp();
  });
  after(() => t.stop());

  it("POST /sessions creates an anonymous session with a 43-character base64url secret (201)", async () => {
    const res = await t.request("POST", "/api/v1/sessions", { body: { idleTimeoutSeconds: 60 } });
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(res.body.session.userName, null);
    assert.equal(res.body.session.protocol, "api");
    assert.equal(res.body.session.node, null, "an unbound session lives in the store, on no node of its own");
    assert.equal(res.body.session.idleTimeoutMs, 60_000);
    assert.match(res.body.session.key, /^[0-9a-f-]{36}$/);
    const me = await t.request("GET", "/api/v1/session", { bearer: res.body.secret });
    assert.equal(me.status, 200);
    assert.equal(me.body.session.key, res.body.session.key);
    assert.equal(me.body.user, null);
    assert.deepEqual(me.body.privileges, ["System.Anonymous"]);
  });

  it("POST /sessions works without a body", async () => {
    const res = await t.request("POST", "/api/v1/sessions");
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.secret, /^[A-Za-z0-9_-]{43}$/);
  });

  it("POST /sessions answers 404 NOT_FOUND for an unknown realm", async () => {
    assertApiError(await t.request("POST", "/api/v1/sessions", { body: { realm: "nowhere" } }), 404, "NOT_FOUND");
  });

  it("POST /login creates a logged-in session (201) whose secret works as a bearer", async () => {
    const res = await t.request("POST", "/api/v1/login", {
      body: { userName: "alice", password: API_PASSWORDS.alice, client: { name: "test", version: "1.0" } },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.user.name, "alice");
    assert.equal(res.body.session.userName, "alice");
    assert.deepEqual(
      { name: res.body.session.client.name, version: res.body.session.client.version },
      { name: "test", version: "1.0" },
    );
    assert.equal(res.body.session.client.ipAddress, "127.0.0.1");
    assert.equal(res.body.serviceMessage, "");
    assert.equal(res.body.user.passwordHash, undefined, "no password hash on the wire");
    const me = await t.request("GET", "/api/v1/session", { bearer: res.body.secret });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.name, "alice");
    assert.ok(me.body.privileges.includes("System.View"));
  });

  it("POST /login with an anonymous session's bearer logs that session in (200) under a new secret", async () => {
    const anon = await t.request("POST", "/api/v1/sessions", { body: {} });
    const res = await t.request("POST", "/api/v1/login", {
      bearer: anon.body.secret,
      body: { userName: "bob", password: API_PASSWORDS.bob },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.secretRotated, true);
    assert.match(res.body.secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(res.body.session.key, anon.body.session.key);
    assertApiError(await t.request("GET", "/api/v1/session", { bearer: anon.body.secret }), 401, "NOT_AUTHENTICATED");
    const again = await t.request("POST", "/api/v1/login", {
      bearer: res.body.secret,
      body: { userName: "alice", password: API_PASSWORDS.alice },
    });
    assertApiError(again, 409, "INVALID_REQUEST");
    const me = await t.request("GET", "/api/v1/session", { bearer: res.body.secret });
    assert.equal(me.body.user.name, "bob", "a refused second login changes nothing");
  });

  it("POST /login with an anonymous session's bearer and user@realm moves the session into that realm (issue 10)", async () => {
    const other = await startApiApp({
      realms: [
        { name: "default", users: [{ name: "alice", password: API_PASSWORDS.alice }] },
        { name: "lab", idleTimeoutSeconds: 120, users: [{ name: "carol", password: "carol-password" }] },
      ],
    });
    try {
      const anon = await other.request("POST", "/api/v1/sessions", { body: {} });
      assert.equal(anon.body.session.realm, "default");
      const res = await other.request("POST", "/api/v1/login", {
        bearer: anon.body.secret,
        body: { userName: "carol@lab", password: "carol-password" },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.session.key, anon.body.session.key);
      assert.equal(res.body.session.realm, "lab");
      assert.equal(res.body.session.idleTimeoutMs, 120_000, "it follows the new realm's idle timeout");
      const refused = await other.request("POST", "/api/v1/login", {
        bearer: res.body.secret,
        body: { userName: "alice@default", password: API_PASSWORDS.alice },
      });
      assertApiError(refused, 409, "INVALID_REQUEST");
      assert.match(refused.body.error.message, /already logged in: log out first/);
      const me = await other.request("GET", "/api/v1/session", { bearer: res.body.secret });
      assert.equal(me.body.user.name, "carol");
      assert.equal(me.body.session.realm, "lab");
    } finally {
      await other.stop();
    }
  });

  it("POST /login with a wrong password or unknown user answers 401 INVALID_LOGIN with www-authenticate", async () => {
    for (const body of [
      { userName: "alice", password: "wrong" },
      { userName: "nobody", password: "wrong" },
    ]) {
      const res = await t.request("POST", "/api/v1/login", { body });
      assertApiError(res, 401, "INVALID_LOGIN");
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    }
  });

  it("POST /login with an unsupported locale answers 400 INVALID_LOCALE", async () => {
    const res = await t.request("POST", "/api/v1/login", {
      body: { userName: "alice", password: API_PASSWORDS.alice, locale: "fr" },
    });
    assertApiError(res, 400, "INVALID_LOCALE");
  });

  it("GET /session without, with an unknown or a malformed bearer answers 401 NOT_AUTHENTICATED with www-authenticate", async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: "Bearer not-a-known-secret" },
      { authorization: "Basic YWxpY2U6cGFzc3dvcmQ=" },
      { authorization: "Bearer" },
    ];
    for (const headers of variants) {
      const res = await t.request("GET", "/api/v1/session", { headers });
      assertApiError(res, 401, "NOT_AUTHENTICATED");
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    }
  });

  it("DELETE /session ends the caller's own session (204); its bearer then gets 401", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const res = await t.request("DELETE", "/api/v1/session", { bearer: secret });
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, "");
    assertApiError(await t.request("GET", "/api/v1/session", { bearer: secret }), 401, "NOT_AUTHENTICATED");
    assertApiError(await t.request("DELETE", "/api/v1/session", { bearer: secret }), 401, "NOT_AUTHENTICATED");
  });

  it("POST /session/logout keeps the session but makes it anonymous (200)", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const res = await t.request("POST", "/api/v1/session/logout", { bearer: secret });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.userName, null);
    const me = await t.request("GET", "/api/v1/session", { bearer: secret });
    assert.equal(me.status, 200);
    assert.equal(me.body.user, null);
    assertApiError(await t.request("POST", "/api/v1/session/logout", { bearer: secret }), 401, "NOT_AUTHENTICATED");
  });

  it("POST /session/active records the user's activity (200)", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const res = await t.request("POST", "/api/v1/session/active", { bearer: secret });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.userActiveAt, t.clock.now());
    const me = await t.request("GET", "/api/v1/session", { bearer: secret });
    assert.equal(me.body.session.userActiveAt, t.clock.now());
    assertApiError(await t.request("POST", "/api/v1/session/active"), 401, "NOT_AUTHENTICATED");
  });

  it("PUT /session/locale sets a supported locale (200) and refuses others with 400 INVALID_LOCALE", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const res = await t.request("PUT", "/api/v1/session/locale", { bearer: secret, body: { locale: "de_DE" } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.locale, "de_DE");
    assertApiError(
      await t.request("PUT", "/api/v1/session/locale", { bearer: secret, body: { locale: "fr" } }),
      400,
      "INVALID_LOCALE",
    );
    assertApiError(
      await t.request("PUT", "/api/v1/session/locale", { bearer: secret, body: { locale: "not a locale" } }),
      400,
      "INVALID_LOCALE",
    );
    const me = await t.request("GET", "/api/v1/session", { bearer: secret });
    assert.equal(me.body.session.locale, "de_DE");
  });

  it("POST /session/clone-ticket and POST /clone make a second session of the same user, once", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const ticket = await t.request("POST", "/api/v1/session/clone-ticket", { bearer: secret });
    assert.equal(ticket.status, 201, ticket.text);
    assert.equal(typeof ticket.body.ticket, "string");
    const clone = await t.request("POST", "/api/v1/clone", { body: { ticket: ticket.body.ticket } });
    assert.equal(clone.status, 201, clone.text);
    assert.equal(clone.body.user.name, "alice");
    assert.notEqual(clone.body.secret, secret);
    const me = await t.request("GET", "/api/v1/session", { bearer: clone.body.secret });
    assert.equal(me.body.user.name, "alice");
    assertApiError(
      await t.request("POST", "/api/v1/clone", { body: { ticket: ticket.body.ticket } }),
      401,
      "INVALID_LOGIN",
    );
    const anon = await t.request("POST", "/api/v1/sessions", { body: {} });
    assertApiError(
      await t.request("POST", "/api/v1/session/clone-ticket", { bearer: anon.body.secret }),
      401,
      "NOT_AUTHENTICATED",
    );
  });

  it("POST /impersonate needs Sessions.ImpersonateUser (403) and records who impersonated (201)", async () => {
    const alice = await t.login("alice", API_PASSWORDS.alice);
    assertApiError(
      await t.request("POST", "/api/v1/impersonate", { bearer: alice, body: { userName: "bob" } }),
      403,
      "NO_PERMISSION",
    );
    assertApiError(
      await t.request("POST", "/api/v1/impersonate", { body: { userName: "bob" } }),
      401,
      "NOT_AUTHENTICATED",
    );
    const admin = await t.login("admin", API_PASSWORDS.admin);
    const res = await t.request("POST", "/api/v1/impersonate", { bearer: admin, body: { userName: "bob" } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.user.name, "bob");
    assert.equal(res.body.session.impersonatedBy, "admin@default");
    const inPlace = await t.request("POST", "/api/v1/impersonate", {
      bearer: admin,
      body: { userName: "alice", inPlace: true },
    });
    assert.equal(inPlace.status, 200, inPlace.text);
    assert.equal(inPlace.body.secretRotated, true, "the session's user changed, so its secret did");
    assertApiError(await t.request("GET", "/api/v1/session", { bearer: admin }), 401, "NOT_AUTHENTICATED");
    const me = await t.request("GET", "/api/v1/session", { bearer: inPlace.body.secret });
    assert.equal(me.body.user.name, "alice");
  });
});

describe("JSON API: attributes", () => {
  let t: TestApp;
  before(async () => {
    t = await startApiApp({ sessions: { maxAttributes: 3, maxAttributeValueBytes: 100 } });
  });
  after(() => t.stop());

  it("PUT, GET, list and DELETE /session/attributes/{name} on the caller's own session", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const put = await t.request("PUT", "/api/v1/session/attributes/colour", {
      bearer: secret,
      body: { value: "blue" },
    });
    assert.equal(put.status, 204, put.text);
    const got = await t.request("GET", "/api/v1/session/attributes/colour", { bearer: secret });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, { name: "colour", value: "blue" });
    const all = await t.request("GET", "/api/v1/session/attributes", { bearer: secret });
    assert.deepEqual(all.body, { colour: "blue" });
    const del = await t.request("DELETE", "/api/v1/session/attributes/colour", { bearer: secret });
    assert.equal(del.status, 204);
    assertApiError(await t.request("GET", "/api/v1/session/attributes/colour", { bearer: secret }), 404, "NOT_FOUND");
    assertApiError(
      await t.request("DELETE", "/api/v1/session/attributes/colour", { bearer: secret }),
      404,
      "NOT_FOUND",
    );
  });

  it("keeps one session's attributes from another's", async () => {
    const one = await t.login("alice", API_PASSWORDS.alice);
    const two = await t.login("alice", API_PASSWORDS.alice);
    await t.request("PUT", "/api/v1/session/attributes/mine", { bearer: one, body: { value: "1" } });
    assertApiError(await t.request("GET", "/api/v1/session/attributes/mine", { bearer: two }), 404, "NOT_FOUND");
    assert.deepEqual((await t.request("GET", "/api/v1/session/attributes", { bearer: two })).body, {});
  });

  it("answers 429 LIMIT_EXCEEDED over a limit, changing nothing", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    assertApiError(
      await t.request("PUT", "/api/v1/session/attributes/big", { bearer: secret, body: { value: "x".repeat(101) } }),
      429,
      "LIMIT_EXCEEDED",
    );
    for (const name of ["a", "b", "c"]) {
      await t.request("PUT", `/api/v1/session/attributes/${name}`, { bearer: secret, body: { value: name } });
    }
    assertApiError(
      await t.request("PUT", "/api/v1/session/attributes/d", { bearer: secret, body: { value: "d" } }),
      429,
      "LIMIT_EXCEEDED",
    );
    assert.deepEqual((await t.request("GET", "/api/v1/session/attributes", { bearer: secret })).body, {
      a: "a",
      b: "b",
      c: "c",
    });
  });

  it("needs a session (401 without a bearer)", async () => {
    assertApiError(await t.request("GET", "/api/v1/session/attributes"), 401, "NOT_AUTHENTICATED");
    assertApiError(
      await t.request("PUT", "/api/v1/session/attributes/a", { body: { value: "x" } }),
      401,
      "NOT_AUTHENTICATED",
    );
  });
});

describe("JSON API: listing, inspecting and terminating sessions", () => {
  let t: TestApp;
  before(async () => {
    t = await startApiApp();
  });
  after(() => t.stop());

  it("GET /sessions lists every session for an administrator, only one's own for a plain user", async () => {
    const admin = await t.login("admin", API_PASSWORDS.admin);
    const alice = await t.login("alice", API_PASSWORDS.alice);
    const bob = await t.login("bob", API_PASSWORDS.bob);
    const all = await t.request("GET", "/api/v1/sessions", { bearer: admin });
    assert.equal(all.status, 200, all.text);
    const names = new Set(all.body.sessions.map((s: any) => s.userName));
    assert.ok(names.has("alice") && names.has("bob") && names.has("admin"));
    assert.ok(!all.text.includes(alice) && !all.text.includes(bob), "no secret in a list");
    const own = await t.request("GET", "/api/v1/sessions", { bearer: alice });
    assert.equal(own.status, 200);
    assert.ok(own.body.sessions.length >= 1);
    assert.ok(own.body.sessions.every((s: any) => s.userName === "alice"));
    const filtered = await t.request("GET", "/api/v1/sessions?userName=bob&limit=1", { bearer: admin });
    assert.equal(filtered.body.sessions.length, 1);
    assert.equal(filtered.body.sessions[0].userName, "bob");
  });

  it("GET /sessions pages with after/nextAfter", async () => {
    const admin = await t.login("admin", API_PASSWORDS.admin);
    const first = await t.request("GET", "/api/v1/sessions?limit=1", { bearer: admin });
    assert.equal(first.body.sessions.length, 1);
    assert.equal(typeof first.body.nextAfter, "number");
    const second = await t.request("GET", `/api/v1/sessions?limit=1&after=${first.body.nextAfter}`, { bearer: admin });
    assert.equal(second.body.sessions.length, 1);
    assert.ok(second.body.sessions[0].number > first.body.sessions[0].number);
  });

  it("GET /sessions/{key} shows a visible session (200) and answers 404 NOT_FOUND otherwise", async () => {
    const admin = await t.login("admin", API_PASSWORDS.admin);
    const bobLogin = await t.request("POST", "/api/v1/login", {
      body: { userName: "bob", password: API_PASSWORDS.bob },
    });
    const key = bobLogin.body.session.key;
    const seen = await t.request("GET", `/api/v1/sessions/${key}`, { bearer: admin });
    assert.equal(seen.status, 200, seen.text);
    assert.equal(seen.body.active, true);
    assert.equal(seen.body.session.key, key);
    const alice = await t.login("alice", API_PASSWORDS.alice);
    assertApiError(await t.request("GET", `/api/v1/sessions/${key}`, { bearer: alice }), 404, "NOT_FOUND");
    assertApiError(await t.request("GET", `/api/v1/sessions/${UNKNOWN_KEY}`, { bearer: admin }), 404, "NOT_FOUND");
  });

  it("DELETE /sessions/{key}: 403 for another user's session without the privilege, 404 for unknown, 204 with it", async () => {
    const admin = await t.login("admin", API_PASSWORDS.admin);
    const alice = await t.login("alice", API_PASSWORDS.alice);
    const bobLogin = await t.request("POST", "/api/v1/login", {
      body: { userName: "bob", password: API_PASSWORDS.bob },
    });
    const key = bobLogin.body.session.key;
    assertApiError(await t.request("DELETE", `/api/v1/sessions/${key}`, { bearer: alice }), 403, "NO_PERMISSION");
    assert.equal((await t.request("GET", "/api/v1/session", { bearer: bobLogin.body.secret })).status, 200);
    assertApiError(await t.request("DELETE", `/api/v1/sessions/${UNKNOWN_KEY}`, { bearer: admin }), 404, "NOT_FOUND");
    assert.equal((await t.request("DELETE", `/api/v1/sessions/${key}`, { bearer: admin })).status, 204);
    assertApiError(
      await t.request("GET", "/api/v1/session", { bearer: bobLogin.body.secret }),
      401,
      "NOT_AUTHENTICATED",
    );
    assertApiError(await t.request("DELETE", `/api/v1/sessions/${key}`, { bearer: admin }), 404, "NOT_FOUND");
  });

  it("POST /sessions/terminate answers a result per session, or 404 in order at the first failure", async () => {
    const admin = await t.login("admin", API_PASSWORDS.admin);
    const a = await t.request("POST", "/api/v1/login", { body: { userName: "alice", password: API_PASSWORDS.alice } });
    const b = await t.request("POST", "/api/v1/login", { body: { userName: "bob", password: API_PASSWORDS.bob } });
    const batch = await t.request("POST", "/api/v1/sessions/terminate", {
      bearer: admin,
      body: { sessions: [a.body.session.key, UNKNOWN_KEY] },
    });
    assert.equal(batch.status, 200, batch.text);
    assert.deepEqual(
      batch.body.results.map((r: any) => [r.session, r.outcome]),
      [
        [a.body.session.key, "terminated"],
        [UNKNOWN_KEY, "not-found"],
      ],
    );
    const inOrder = await t.request("POST", "/api/v1/sessions/terminate", {
      bearer: admin,
      body: { sessions: [UNKNOWN_KEY, b.body.session.key], mode: "in-order" },
    });
    assertApiError(inOrder, 404, "NOT_FOUND");
    assert.equal((await t.request("GET", "/api/v1/session", { bearer: b.body.secret })).status, 200);
  });

  it("follows the README: an admin sees a session in the list, ends it from another session, and its client gets 401", async () => {
    const readme = await startApp();
    try {
      const client = await readme.login("admin", "admin-password");
      const operator = await readme.login("admin", "admin-password");
      const me = await readme.request("GET", "/api/v1/session", { bearer: client });
      const key = me.body.session.key;
      const list = await readme.request("GET", "/api/v1/sessions", { bearer: operator });
      assert.equal(list.status, 200);
      assert.ok(list.body.sessions.some((s: any) => s.key === key));
      const del = await readme.request("DELETE", `/api/v1/sessions/${key}`, { bearer: operator });
      assert.equal(del.status, 204, del.text);
      const after = await readme.request("GET", "/api/v1/session", { bearer: client });
      assertApiError(after, 401, "NOT_AUTHENTICATED");
      assert.match(after.headers.get("www-authenticate") ?? "", /^Bearer/);
      const list2 = await readme.request("GET", "/api/v1/sessions", { bearer: operator });
      assert.ok(!list2.body.sessions.some((s: any) => s.key === key));
    } finally {
      await readme.stop();
    }
  });
});

describe("JSON API: service message and local tickets", () => {
  let t: TestApp;
  before(async () => {
    t = await startApiApp();
  });
  after(() => t.stop());

  it("GET and PUT /service-message: 403 without Sessions.GlobalMessage, 200 with it, shown at login", async () => {
    const alice = await t.login("alice", API_PASSWORDS.alice);
    assertApiError(
      await t.request("PUT", "/api/v1/service-message", { bearer: alice, body: { text: "x" } }),
      403,
      "NO_PERMISSION",
    );
    assertApiError(await t.request("GET", "/api/v1/service-message"), 401, "NOT_AUTHENTICATED");
    const admin = await t.login("admin", API_PASSWORDS.admin);
    const put = await t.request("PUT", "/api/v1/service-message", {
      bearer: admin,
      body: { text: "Down at noon", byLocale: { de: "Mittags offline" } },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.text, "Down at noon");
    const got = await t.request("GET", "/api/v1/service-message", { bearer: alice });
    assert.equal(got.status, 200);
    assert.equal(got.body.localized, "Down at noon");
    const de = await t.request("POST", "/api/v1/login", {
      body: { userName: "bob", password: API_PASSWORDS.bob, locale: "de" },
    });
    assert.equal(de.body.serviceMessage, "Mittags offline");
    await t.request("PUT", "/api/v1/service-message", { bearer: admin, body: { text: "" } });
  });

  it("POST /tickets/local writes a one-time password a loopback caller can log in with once (201)", async () => {
    const res = await t.request("POST", "/api/v1/tickets/local", { body: { userName: "alice" } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.userName, "alice");
    assert.ok(res.body.passwordFilePath.startsWith(t.dataDir));
    // Read as is, as pyVim's GetLocalTicket reads it: the file holds exactly the ticket (issue 10).
    const ticket = readFileSync(res.body.passwordFilePath, "utf8");
    assert.match(ticket, /^\S+$/, "no line end or other white space around the ticket");
    assert.ok(!res.text.includes(ticket), "the ticket itself is only in the file");
    const login = await t.request("POST", "/api/v1/login", { body: { userName: "alice", password: ticket } });
    assert.equal(login.status, 201, login.text);
    const again = await t.request("POST", "/api/v1/login", { body: { userName: "alice", password: ticket } });
    assertApiError(again, 401, "INVALID_LOGIN");
    assertApiError(
      await t.request("POST", "/api/v1/tickets/local", { body: { userName: "nobody" } }),
      401,
      "INVALID_LOGIN",
    );
  });
});

describe("JSON API: expiry over the wire", () => {
  it("answers 401 NOT_AUTHENTICATED with www-authenticate once a bearer's session has idled out", async () => {
    const t = await startApiApp();
    try {
      const secret = await t.login("alice", API_PASSWORDS.alice);
      t.clock.advance(IDLE_MS - 1);
      assert.equal((await t.request("GET", "/api/v1/session", { bearer: secret })).status, 200);
      t.clock.advance(IDLE_MS);
      const res = await t.request("GET", "/api/v1/session", { bearer: secret });
      assertApiError(res, 401, "NOT_AUTHENTICATED");
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    } finally {
      await t.stop();
    }
  });
});

describe("JSON API: bad input", () => {
  // A fresh server per test: input wrongly accepted by one test must not spoil the next.
  let t: TestApp;
  let admin: string;
  let alice: string;
  let bobKey: string;
  let bob: string;
  beforeEach(async () => {
    t = await startApiApp();
    admin = await t.login("admin", API_PASSWORDS.admin);
    alice = await t.login("alice", API_PASSWORDS.alice);
    const b = await t.request("POST", "/api/v1/login", { body: { userName: "bob", password: API_PASSWORDS.bob } });
    bob = b.body.secret;
    bobKey = b.body.session.key;
    await t.request("PUT", "/api/v1/session/attributes/keep", { bearer: alice, body: { value: "kept" } });
    await t.request("PUT", "/api/v1/service-message", { bearer: admin, body: { text: "original" } });
  });
  afterEach(() => t.stop());

  interface Endpoint {
    method: string;
    path: string;
    bearer?: () => string;
    /** Bodies of the right JSON shape but wrong types, unknown or missing fields. */
    bad: unknown[];
  }

  const endpoints = (): Endpoint[] => [
    {
      method: "POST",
      path: "/api/v1/sessions",
      bad: [{ idleTimeoutSeconds: "60" }, { idleTimeoutSeconds: 0 }, { client: "x" }, { binding: "server" }, { x: 1 }],
    },
    {
      method: "POST",
      path: "/api/v1/login",
      bad: [
        { userName: "alice" },
        { password: API_PASSWORDS.alice },
        { userName: "alice", password: 12345 },
        { userName: ["alice"], password: API_PASSWORDS.alice },
        { userName: "alice", password: API_PASSWORDS.alice, newSession: "yes" },
        { userName: "alice", password: API_PASSWORDS.alice, isAdmin: true },
        { userName: "", password: "x" },
      ],
    },
    {
      method: "POST",
      path: "/api/v1/impersonate",
      bearer: () => admin,
      bad: [{}, { userName: 7 }, { userName: "bob", inPlace: "true" }, { userName: "bob", privileges: [] }],
    },
    { method: "POST", path: "/api/v1/clone", bad: [{}, { ticket: 5 }, { ticket: "" }, { ticket: "x", user: "admin" }] },
    {
      method: "PUT",
      path: "/api/v1/session/locale",
      bearer: () => alice,
      bad: [{}, { locale: 5 }, { locale: ["de"] }, { locale: "de", messageLocale: "de" }],
    },
    {
      method: "PUT",
      path: "/api/v1/session/attributes/keep",
      bearer: () => alice,
      bad: [{}, { value: 5 }, { value: true }, { value: null }, { value: "x", ttl: 5 }],
    },
    {
      method: "POST",
      path: "/api/v1/sessions/terminate",
      bearer: () => admin,
      bad: [
        {},
        { sessions: [] },
        { sessions: bobKey },
        { sessions: [true] },
        { sessions: [{ key: bobKey }] },
        { sessions: [bobKey], mode: "all" },
        { sessions: [bobKey], force: true },
      ],
    },
    {
      method: "PUT",
      path: "/api/v1/service-message",
      bearer: () => admin,
      bad: [
        {},
        { text: 5 },
        { text: ["x"] },
        { text: "x", byLocale: { de: 5 } },
        { text: "x", byLocale: "de" },
        { text: "x", byLocale: { german: "x" } },
        { text: "x", level: "urgent" },
      ],
    },
    {
      method: "POST",
      path: "/api/v1/tickets/local",
      bad: [{}, { userName: 5 }, { userName: "alice", path: "/tmp/x" }],
    },
  ];

  async function assertNothingChanged(): Promise<void> {
    const me = await t.request("GET", "/api/v1/session", { bearer: alice });
    assert.equal(me.status, 200, "alice's session survives");
    assert.equal(me.body.user.name, "alice");
    assert.equal(me.body.session.locale, "en");
    assert.deepEqual((await t.request("GET", "/api/v1/session/attributes", { bearer: alice })).body, { keep: "kept" });
    const bobMe = await t.request("GET", "/api/v1/session", { bearer: bob });
    assert.equal(bobMe.status, 200, "bob's session survives");
    assert.equal(bobMe.body.session.impersonatedBy, null);
    const message = await t.request("GET", "/api/v1/service-message", { bearer: admin });
    assert.equal(message.body.text, "original");
    const list = await t.request("GET", "/api/v1/sessions", { bearer: admin });
    assert.equal(list.body.sessions.length, 3, "no session was created or ended");
  }

  function assertClientError(res: ApiResponse, what: string): void {
    assert.ok(res.status >= 400 && res.status < 500, `${what}: expected a 4xx, got ${res.status} ${res.text}`);
    assert.ok(res.body?.error, `${what}: the error form: ${res.text}`);
    assert.equal(typeof res.body.error.code, "string");
    assert.equal(typeof res.body.error.id, "number");
    assert.equal(typeof res.body.error.message, "string");
    assertNoInternals(res.text);
  }

  it("refuses bodies that are not JSON with 400 MALFORMED_REQUEST", async () => {
    for (const e of endpoints()) {
      for (const text of ["{", "{'a': 1}", "not json", '{"a":1}}']) {
        const res = await t.request(e.method, e.path, { bearer: e.bearer?.(), body: text });
        assertApiError(res, 400, "MALFORMED_REQUEST");
      }
    }
    await assertNothingChanged();
  });

  it("refuses bodies sent as another media type with 415", async () => {
    for (const e of endpoints()) {
      const res = await t.request(e.method, e.path, {
        bearer: e.bearer?.(),
        body: "userName=alice",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      assert.equal(res.status, 415, `${e.method} ${e.path}: ${res.text}`);
      assert.equal(res.body?.error?.code, "MALFORMED_REQUEST");
    }
    await assertNothingChanged();
  });

  it("refuses JSON that is not an object with 400 INVALID_ARGUMENT", async () => {
    for (const e of endpoints()) {
      for (const body of ["[]", '"text"', "42", "true", "null"]) {
        const res = await t.request(e.method, e.path, { bearer: e.bearer?.(), body });
        assertApiError(res, 400, "INVALID_ARGUMENT");
      }
    }
    await assertNothingChanged();
  });

  for (const e of endpoints()) {
    it(`refuses wrong types, unknown and missing fields at ${e.method} ${e.path} with a 4xx, changing nothing`, async () => {
      for (const body of e.bad) {
        const res = await t.request(e.method, e.path, { bearer: e.bearer?.(), body });
        assertClientError(res, `${e.method} ${e.path} ${JSON.stringify(body)}`);
      }
      await assertNothingChanged();
    });
  }

  it("refuses oversize bodies with 413 LIMIT_EXCEEDED at every endpoint", async () => {
    const huge = JSON.stringify({ text: "x".repeat(1024 * 1024 + 10) });
    for (const e of endpoints()) {
      const res = await t.request(e.method, e.path, { bearer: e.bearer?.(), body: huge });
      assert.equal(res.status, 413, `${e.method} ${e.path}: ${res.text.slice(0, 200)}`);
      assert.equal(res.body?.error?.code, "LIMIT_EXCEEDED");
      assertNoInternals(res.text);
    }
    await assertNothingChanged();
  });

  it("refuses bad query strings at GET /sessions with 400 INVALID_ARGUMENT", async () => {
    for (const query of [
      "limit=abc",
      "limit=0",
      "limit=100000",
      "after=-1",
      "protocol=smtp",
      "sort=name",
      "limit=1.5",
    ]) {
      assertApiError(await t.request("GET", `/api/v1/sessions?${query}`, { bearer: admin }), 400, "INVALID_ARGUMENT");
    }
    await assertNothingChanged();
  });

  it("refuses over-long session keys in the path with 400 INVALID_ARGUMENT", async () => {
    const long = "k".repeat(65);
    assertApiError(await t.request("GET", `/api/v1/sessions/${long}`, { bearer: admin }), 400, "INVALID_ARGUMENT");
    assertApiError(await t.request("DELETE", `/api/v1/sessions/${long}`, { bearer: admin }), 400, "INVALID_ARGUMENT");
    await assertNothingChanged();
  });

  it("accepts attribute names up to the configured length in the path", async () => {
    const name = "n".repeat(256);
    assert.equal(
      (await t.request("PUT", `/api/v1/session/attributes/${name}`, { bearer: alice, body: { value: "v" } })).status,
      204,
    );
    const read = await t.request("GET", `/api/v1/session/attributes/${name}`, { bearer: alice });
    assert.equal(read.status, 200);
    assert.equal(read.body.value, "v");
    assert.equal((await t.request("DELETE", `/api/v1/session/attributes/${name}`, { bearer: alice })).status, 204);
  });

  it("refuses over-long attribute names in the path with the API's error form, without echoing them", async () => {
    for (const length of [257, 1025, 5000]) {
      const name = "n".repeat(length);
      for (const method of ["GET", "PUT", "DELETE"]) {
        const res = await t.request(method, `/api/v1/session/attributes/${name}`, {
          bearer: alice,
          ...(method === "PUT" ? { body: { value: "x" } } : {}),
        });
        assert.ok([400, 414].includes(res.status), `${method} with a ${length}-character name: ${res.status}`);
        assert.deepEqual(Object.keys(res.body ?? {}), ["error"], res.text.slice(0, 200));
        assert.ok(["INVALID_ARGUMENT", "MALFORMED_REQUEST"].includes(res.body.error.code), res.text.slice(0, 200));
        assert.equal(typeof res.body.error.id, "number");
        assert.ok(!res.text.includes(name), "the input is not echoed");
      }
    }
    await assertNothingChanged();
  });

  it("answers unknown routes and methods with 404 UNKNOWN_METHOD", async () => {
    assertApiError(await t.request("GET", "/api/v1/nothing-here", { bearer: admin }), 404, "UNKNOWN_METHOD");
    assertApiError(await t.request("PATCH", "/api/v1/session", { bearer: admin, body: {} }), 404, "UNKNOWN_METHOD");
    await assertNothingChanged();
  });
});

describe("JSON API: health, documentation and logs", () => {
  let t: TestApp;
  before(async () => {
    t = await startApiApp({ log: { level: "trace" } });
  });
  after(() => t.stop());

  it("GET /healthz answers 200 ok", async () => {
    const res = await t.request("GET", "/healthz");
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "ok");
    assert.equal(res.body.store, "memory");
  });

  it("GET /api/v1/openapi.json is an OpenAPI 3 document listing the routes", async () => {
    const res = await t.request("GET", "/api/v1/openapi.json");
    assert.equal(res.status, 200);
    assert.match(res.body.openapi, /^3\./);
    const paths = res.body.paths as Record<string, Record<string, unknown>>;
    const expected: [string, string][] = [
      ["/api/v1/sessions", "post"],
      ["/api/v1/sessions", "get"],
      ["/api/v1/login", "post"],
      ["/api/v1/impersonate", "post"],
      ["/api/v1/clone", "post"],
      ["/api/v1/session", "get"],
      ["/api/v1/session", "delete"],
      ["/api/v1/session/logout", "post"],
      ["/api/v1/session/active", "post"],
      ["/api/v1/session/locale", "put"],
      ["/api/v1/session/clone-ticket", "post"],
      ["/api/v1/session/events", "get"],
      ["/api/v1/session/attributes", "get"],
      ["/api/v1/session/attributes/{name}", "get"],
      ["/api/v1/session/attributes/{name}", "put"],
      ["/api/v1/session/attributes/{name}", "delete"],
      ["/api/v1/sessions/{key}", "get"],
      ["/api/v1/sessions/{key}", "delete"],
      ["/api/v1/sessions/terminate", "post"],
      ["/api/v1/service-message", "get"],
      ["/api/v1/service-message", "put"],
      ["/api/v1/tickets/local", "post"],
    ];
    for (const [path, method] of expected) {
      assert.ok(paths[path]?.[method], `the document lists ${method.toUpperCase()} ${path}`);
    }
  });

  it("GET /api/v1/docs serves an HTML page", async () => {
    const res = await t.request("GET", "/api/v1/docs");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    assert.match(res.text, /<html/i);
  });

  it("GET /api/v1/docs links only assets the server serves", async () => {
    const page = await fetch(`${t.url}/api/v1/docs`);
    const html = await page.text();
    const links = [...html.matchAll(/(?:href|src)="([^"#]+)"/g)].map((m) => m[1] as string);
    assert.ok(links.length > 0);
    for (const link of links) {
      const res = await fetch(new URL(link, page.url));
      await res.arrayBuffer();
      assert.equal(res.status, 200, `${link} (resolved to ${new URL(link, page.url).pathname}) is served`);
    }
  });

  it("answers an unexpected failure with 500 INTERNAL, logging the cause but never a secret", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const store = t.app.engine.store;
    const original = store.listAttributes;
    store.listAttributes = async () => {
      throw new Error("simulated disk failure");
    };
    try {
      const res = await t.request("GET", "/api/v1/session/attributes", { bearer: secret });
      assertApiError(res, 500, "INTERNAL");
      assert.ok(!res.text.includes("simulated disk failure"), "the cause stays on the server");
    } finally {
      store.listAttributes = original;
    }
    const logs = t.logs.join("");
    assert.ok(logs.includes("simulated disk failure"), "the cause is logged");
    assert.ok(!logs.includes(secret), "the bearer secret is not logged");
  });

  it("never writes passwords, secrets or tickets to the server log", async () => {
    const secrets: string[] = [];
    const passwordTypo = "typo-in-the-password-9876";
    secrets.push(await t.login("alice", API_PASSWORDS.alice));
    secrets.push(await t.login("admin", API_PASSWORDS.admin));
    await t.request("POST", "/api/v1/login", { body: { userName: "alice", password: passwordTypo } });
    await t.request("POST", "/api/v1/login", { body: { userName: "alice", password: passwordTypo, bogus: 1 } });
    await t.request("POST", "/api/v1/login", { body: `{"userName":"alice","password":"${passwordTypo}"` });
    const ticket = await t.request("POST", "/api/v1/session/clone-ticket", { bearer: secrets[0] });
    secrets.push(ticket.body.ticket);
    const clone = await t.request("POST", "/api/v1/clone", { body: { ticket: ticket.body.ticket } });
    secrets.push(clone.body.secret);
    await t.request("POST", "/api/v1/clone", { body: { ticket: ticket.body.ticket } });
    const local = await t.request("POST", "/api/v1/tickets/local", { body: { userName: "bob" } });
    const localTicket = readFileSync(local.body.passwordFilePath, "utf8").trim();
    secrets.push(localTicket);
    await t.request("POST", "/api/v1/login", { body: { userName: "bob", password: localTicket } });
    await t.request("GET", "/api/v1/session", { bearer: "made-up-secret-value-123" });
    await t.request("PUT", "/api/v1/session/locale", { bearer: secrets[0], body: { locale: 5 } });
    await t.request("POST", "/api/v1/sessions", { body: "x".repeat(1024 * 1024 + 10) });
    const store = t.app.engine.store;
    const original = store.getAttribute;
    store.getAttribute = async () => {
      throw new Error("simulated failure after a secret was sent");
    };
    try {
      await t.request("GET", "/api/v1/session/attributes/x", { bearer: secrets[1] });
    } finally {
      store.getAttribute = original;
    }
    const logs = t.logs.join("");
    assert.ok(logs.length > 0, "the server logged something");
    for (const text of [...secrets, ...Object.values(API_PASSWORDS), passwordTypo, "made-up-secret-value-123"]) {
      assert.ok(!logs.includes(text), `the log holds a secret: ${text}`);
    }
  });
});
