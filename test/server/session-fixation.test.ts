/**
 * Session fixation, over real sockets: a secret known before a login is worthless after it. The JSON
 * API rotates the secret whenever the session's user changes; doors that keep an id for life
 * (httpkom, AstroGrid) refuse to log in an anonymous session another door made.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { assertApiError, assertNoInternals } from "../helpers/api.ts";
import { startApp, type TestApp } from "../helpers/start-app.ts";

const REALMS = [
  {
    name: "default",
    users: [
      { name: "victim", password: "victim-password" },
      { name: "other", password: "other-password" },
      { name: "admin", password: "admin-password", privileges: ["Sessions.ImpersonateUser"] },
    ],
  },
  { name: "testkom", users: [{ name: "kim", number: 1, password: "kim-password" }] },
  { name: "community", users: [{ name: "astro", password: "astro-password" }] },
];

describe("session fixation", () => {
  let t: TestApp;
  let home: string;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "sessiond-fixation-home-"));
    t = await startApp({
      realms: REALMS,
      httpkom: {},
      astrogrid: { discoveryFile: join(home, ".astrogrid-desktop"), realm: "community" },
    });
  });
  after(async () => {
    await t.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("JSON API: the attacker's anonymous secret stops working when the victim logs in with it", async () => {
    const planted = await t.request("POST", "/api/v1/sessions");
    assert.equal(planted.status, 201);
    const login = await t.request("POST", "/api/v1/login", {
      bearer: planted.body.secret,
      body: { userName: "victim", password: "victim-password" },
    });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.body.secretRotated, true);
    assert.notEqual(login.body.secret, planted.body.secret);
    assertApiError(
      await t.request("GET", "/api/v1/session", { bearer: planted.body.secret }),
      401,
      "NOT_AUTHENTICATED",
    );
    const me = await t.request("GET", "/api/v1/session", { bearer: login.body.secret });
    assert.equal(me.body.user.name, "victim");
    assert.equal(me.body.session.key, planted.body.session.key, "the same session, under a new secret");
  });

  it("JSON API: logout then a login as someone else rotates again", async () => {
    const first = await t.request("POST", "/api/v1/login", {
      body: { userName: "victim", password: "victim-password" },
    });
    const loggedOut = await t.request("POST", "/api/v1/session/logout", { bearer: first.body.secret });
    assert.equal(loggedOut.status, 200, loggedOut.text);
    const second = await t.request("POST", "/api/v1/login", {
      bearer: first.body.secret,
      body: { userName: "other", password: "other-password" },
    });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.body.secretRotated, true);
    assertApiError(await t.request("GET", "/api/v1/session", { bearer: first.body.secret }), 401, "NOT_AUTHENTICATED");
    assert.equal((await t.request("GET", "/api/v1/session", { bearer: second.body.secret })).body.user.name, "other");
  });

  it("httpkom: an anonymous JSON secret used as a connection id cannot be logged in", async () => {
    const planted = await t.request("POST", "/api/v1/sessions", { body: { realm: "testkom" } });
    assert.equal(planted.status, 201, planted.text);
    const response = await fetch(`${t.url}/httpkom/testkom/sessions/current/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "httpkom-connection": planted.body.secret },
      body: JSON.stringify({ pers_no: 1, passwd: "kim-password" }),
    });
    const text = await response.text();
    assertNoInternals(text);
    assert.equal(response.status, 400, text);
    assert.match(text, /another front door/);
    const me = await t.request("GET", "/api/v1/session", { bearer: planted.body.secret });
    assert.equal(me.body.user, null, "the planted session is still anonymous");

    // The door's own sessions log in as before.
    const made = await fetch(`${t.url}/httpkom/testkom/sessions/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client: { name: "jskom", version: "0.6" } }),
    });
    const id = ((await made.json()) as { connection_id: string }).connection_id;
    const own = await fetch(`${t.url}/httpkom/testkom/sessions/current/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "httpkom-connection": id },
      body: JSON.stringify({ pers_no: 1, passwd: "kim-password" }),
    });
    assert.equal(own.status, 201, await own.text());
  });

  it("AstroGrid: a JSON secret used as a context id cannot be logged in, and the fault says what to do", async () => {
    const planted = await t.request("POST", "/api/v1/sessions", { body: { realm: "community" } });
    const root = readFileSync(join(home, ".astrogrid-desktop"), "utf8").trim();
    const contextUrl = new URL(`astrogrid/${planted.body.secret}/xmlrpc`, new URL("/", root)).href;
    const body = `<?xml version='1.0'?>\n<methodCall><methodName>astrogrid.community.login</methodName><params><param><value><string>astro</string></value></param><param><value><string>astro-password</string></value></param><param><value><string>community</string></value></param></params></methodCall>`;
    const response = await fetch(contextUrl, { method: "POST", headers: { "content-type": "text/xml" }, body });
    const text = await response.text();
    assertNoInternals(text);
    assert.match(text, /not made by astrogrid.session.createNewSession/);
    const me = await t.request("GET", "/api/v1/session", { bearer: planted.body.secret });
    assert.equal(me.body.user, null, "the planted session is still anonymous");
  });
});
