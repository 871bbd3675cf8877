/**
 * The brute-force throttle as each front door's clients meet it, over real sockets: a few wrong
 * passwords are answered as failed logins, the next attempt as a throttled one in the protocol's own
 * form (HTTP 429 with `Retry-After` on the JSON API; the login-failure error with the wait in its
 * message elsewhere), and the real user, from an address with no failures, still logs in.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { listAudit } from "../../src/core/ops/index.ts";
import { base64Param, connectAgent } from "../../src/protocols/agent/client.ts";
import { agentInfo } from "../../src/protocols/agent/door.ts";
import { assertApiError, assertNoInternals } from "../helpers/api.ts";
import { requestFrom } from "../helpers/from-address.ts";
import { startApp, type TestApp } from "../helpers/start-app.ts";
import { faultType, method, SM, soapClient } from "../helpers/vsphere.ts";

const WAIT_SECONDS = 30;
const FREE_FAILURES = 2;

const REALMS = [
  {
    name: "default",
    users: [
      { name: "alice", password: "alice-password" },
      { name: "vic", password: "vic-password" },
      { name: "agnes", password: "agnes-password" },
    ],
  },
  { name: "testkom", users: [{ name: "kim", number: 1, password: "kim-password" }] },
  { name: "community", users: [{ name: "astro", password: "astro-password" }] },
];

describe("login throttle at every front door", () => {
  let t: TestApp;
  let home: string;
  let astrogridRoot: string;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "sessiond-throttle-home-"));
    t = await startApp({
      realms: REALMS,
      loginThrottle: { userFreeFailures: FREE_FAILURES, addressFreeFailures: 1000, firstDelayMs: WAIT_SECONDS * 1000 },
      httpkom: {},
      astrogrid: { discoveryFile: join(home, ".astrogrid-desktop"), realm: "community" },
      agent: { port: 0, tlsPort: 0 },
    });
    astrogridRoot = readFileSync(join(home, ".astrogrid-desktop"), "utf8").trim();
  });
  after(async () => {
    await t.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("JSON API: 401 for the free failures, then 429 with Retry-After; the owner's clean address logs in", async () => {
    const wrong = () => t.request("POST", "/api/v1/login", { body: { userName: "alice", password: "wrong-password" } });
    for (let i = 0; i < FREE_FAILURES; i++) assertApiError(await wrong(), 401, "INVALID_LOGIN");
    const held = await wrong();
    assertApiError(held, 429, "LOGIN_THROTTLED");
    assert.equal(held.headers.get("retry-after"), String(WAIT_SECONDS));
    assert.match(held.body.error.message, new RegExp(`try again in ${WAIT_SECONDS} s`));
    const right = await t.request("POST", "/api/v1/login", { body: { userName: "alice", password: "alice-password" } });
    assertApiError(right, 429, "LOGIN_THROTTLED");

    const owner = await requestFrom(t.url, "127.0.0.2", "POST", "/api/v1/login", {
      body: { userName: "alice", password: "alice-password" },
    });
    assert.equal(owner.status, 201, owner.text);
    assert.equal(owner.body.user.name, "alice");
  });

  it("httpkom: the failed-login answer, then the wait in an httpkom error", async () => {
    const kom = (body: unknown, id: string) =>
      fetch(`${t.url}/httpkom/testkom/sessions/current/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "httpkom-connection": id },
        body: JSON.stringify(body),
      });
    const made = await fetch(`${t.url}/httpkom/testkom/sessions/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client: { name: "jskom", version: "0.6" } }),
    });
    const id = ((await made.json()) as { connection_id: string }).connection_id;
    for (let i = 0; i < FREE_FAILURES; i++) {
      const failed = await kom({ pers_no: 1, passwd: "wrong" }, id);
      assert.equal(failed.status, 401);
      assert.match(await failed.text(), /InvalidPassword/);
    }
    const held = await kom({ pers_no: 1, passwd: "kim-password" }, id);
    const text = await held.text();
    assertNoInternals(text);
    assert.equal(held.status, 401);
    assert.equal(JSON.parse(text).error_type, "httpkom");
    assert.match(text, new RegExp(`try again in ${WAIT_SECONDS} s`));
  });

  it("vSphere: InvalidLogin, then InvalidLogin whose message says how long to wait", async () => {
    const soap = soapClient(t.url, "pyvmomi");
    const loginCall = (password: string) =>
      soap.call(method("Login", SM, `<userName>vic</userName><password>${password}</password>`));
    for (let i = 0; i < FREE_FAILURES; i++) assert.equal(faultType((await loginCall("wrong")).body), "InvalidLogin");
    const held = await loginCall("vic-password");
    assert.equal(faultType(held.body), "InvalidLogin");
    assert.match(held.body, new RegExp(`try again in ${WAIT_SECONDS} s`));
    assertNoInternals(held.body);
  });

  it("AstroGrid: SecurityException faults, the last with the wait", async () => {
    const login = async (password: string) => {
      const body = `<?xml version='1.0'?>\n<methodCall><methodName>astrogrid.community.login</methodName><params><param><value><string>astro</string></value></param><param><value><string>${password}</string></value></param><param><value><string>community</string></value></param></params></methodCall>`;
      const response = await fetch(`${astrogridRoot}xmlrpc`, {
        method: "POST",
        headers: { "content-type": "text/xml" },
        body,
      });
      return response.text();
    };
    for (let i = 0; i < FREE_FAILURES; i++) assert.match(await login("wrong"), /SecurityException/);
    const held = await login("astro-password");
    assert.match(held, /SecurityException/);
    assert.match(held, new RegExp(`try again in ${WAIT_SECONDS} s`));
    assertNoInternals(held);
  });

  it("Agent: code 10 for every failure, the throttled one saying how long to wait", async () => {
    const plain = agentInfo(t.app.doors)?.listeners.find((listener) => listener.name === "agent");
    assert.ok(plain, "the Agent listens");
    const client = await connectAgent({ url: plain.url, timeoutMs: 10_000 });
    try {
      const login = (password: string) =>
        client.call("system", "login", [base64Param("name", "agnes"), base64Param("password", password)]);
      for (let i = 0; i < FREE_FAILURES; i++) assert.equal((await login("wrong")).error?.code, 10);
      const held = await login("agnes-password");
      assert.equal(held.error?.code, 10);
      assert.match(held.error?.message ?? "", new RegExp(`try again in ${WAIT_SECONDS} s`));
    } finally {
      await client.close();
    }
  });

  it("writes each throttling to the audit log once", async () => {
    const page = await t.app.engine.call(listAudit, { protocol: "cli", trusted: true }, { kind: "login-throttled" });
    const users = page.entries.map((entry) => entry.userName).sort();
    assert.deepEqual(users, ["agnes", "alice", "astro", "kim", "vic"]);
  });
});
