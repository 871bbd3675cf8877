import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startApp, type TestApp } from "../../helpers/start-app.ts";
import { method, retrievePropertiesEx, SM, soapClient, VSPHERE_REALMS } from "../../helpers/vsphere.ts";

const BASE = "/sdk/vim25/8.0.3.0";

interface JsonAnswer {
  status: number;
  headers: Headers;
  body: any;
}

async function json(
  t: TestApp,
  verb: "GET" | "POST",
  path: string,
  options: { token?: string; body?: unknown; raw?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (options.token) headers["vmware-api-session-id"] = options.token;
  let payload: string | undefined = options.raw;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(options.body);
  }
  const response = await fetch(`${t.url}${BASE}${path}`, { method: verb, headers, body: payload });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  } as JsonAnswer;
}

function fault(answer: JsonAnswer, type: string): void {
  assert.equal(answer.status, 500, JSON.stringify(answer.body));
  assert.equal(answer.body?._typeName, type, JSON.stringify(answer.body));
  assert.equal(typeof answer.body.faultstring, "string");
}

async function login(t: TestApp, userName = "root", password = "mypass"): Promise<{ token: string; key: string }> {
  const answer = await json(t, "POST", "/SessionManager/SessionManager/Login", {
    body: { _typeName: "Login", userName, password },
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return { token: answer.headers.get("vmware-api-session-id") ?? "", key: answer.body.key };
}

describe("vsphere JSON API", () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ realms: VSPHERE_REALMS });
  });
  after(() => t.stop());

  it("serves the service content without a session", async () => {
    const answer = await json(t, "GET", "/ServiceInstance/ServiceInstance/content");
    assert.equal(answer.status, 200);
    assert.equal(answer.body._typeName, "ServiceContent");
    assert.deepEqual(answer.body.sessionManager, {
      _typeName: "ManagedObjectReference",
      type: "SessionManager",
      value: "SessionManager",
    });
    assert.equal(answer.body.about.apiVersion, "8.0.3.0");
  });

  it("logs in: a UserSession and the secret in vmware-api-session-id, 40 hex characters, not the key", async () => {
    const answer = await json(t, "POST", "/SessionManager/SessionManager/Login", {
      body: { _typeName: "Login", userName: "user", password: "pass", locale: "de" },
    });
    assert.equal(answer.status, 200);
    const token = answer.headers.get("vmware-api-session-id") ?? "";
    assert.match(token, /^[0-9a-f]{40}$/);
    assert.notEqual(token, answer.body.key);
    assert.deepEqual(Object.keys(answer.body), [
      "_typeName",
      "key",
      "userName",
      "fullName",
      "loginTime",
      "lastActiveTime",
      "locale",
      "messageLocale",
      "extensionSession",
      "ipAddress",
      "userAgent",
      "callCount",
    ]);
    assert.equal(answer.body._typeName, "UserSession");
    assert.equal(answer.body.locale, "de");
    assert.equal(answer.body.callCount, 1);
    const me = await json(t, "GET", "/SessionManager/SessionManager/currentSession", { token });
    assert.equal(me.body.key, answer.body.key);
    assert.equal(me.body.callCount, 2);
  });

  it("answers faults as HTTP 500 with the fault object, as govmomi's JSON client expects", async () => {
    const bad = await json(t, "POST", "/SessionManager/SessionManager/Login", {
      body: { userName: "user", password: "no" },
    });
    fault(bad, "InvalidLogin");
    assert.equal(bad.body.faultstring, "Cannot complete login due to an incorrect user name or password.");
    const anonymous = await json(t, "GET", "/SessionManager/SessionManager/currentSession");
    fault(anonymous, "NotAuthenticated");
    assert.equal(anonymous.body.privilegeId, "System.View");
    const { token } = await login(t, "user", "pass");
    const list = await json(t, "GET", "/SessionManager/SessionManager/sessionList", { token });
    fault(list, "NoPermission");
    assert.equal(list.body.privilegeId, "Sessions.TerminateSession");
    fault(await json(t, "GET", "/SessionManager/SessionManager/nonsense", { token }), "InvalidProperty");
    fault(await json(t, "POST", "/SessionManager/SessionManager/Nonsense", { token }), "MethodNotFound");
    fault(await json(t, "GET", "/VirtualMachine/vm-1/name", { token }), "ManagedObjectNotFound");
    fault(
      await json(t, "POST", "/SessionManager/SessionManager/SetLocale", { token, body: { locale: "fr" } }),
      "InvalidLocale",
    );
    fault(
      await json(t, "POST", "/SessionManager/SessionManager/SetLocale", { token, body: { locale: 5 } }),
      "InvalidArgument",
    );
    fault(
      await json(t, "POST", "/SessionManager/SessionManager/SetLocale", { token, body: { locale: "de", x: 1 } }),
      "InvalidArgument",
    );
    fault(
      await json(t, "POST", "/SessionManager/SessionManager/SetLocale", { token, raw: "{not json" }),
      "InvalidRequest",
    );
    const badRelease = await fetch(`${t.url}/sdk/vim25/latest/SessionManager/SessionManager/currentSession`);
    assert.equal(badRelease.status, 500);
    assert.equal(((await badRelease.json()) as { _typeName: string })._typeName, "InvalidRequest");
  });

  it("calls every SessionManager method with its parameters as JSON, void results as 204", async () => {
    const root = await login(t);
    const user = await login(t, "user", "pass");
    const post = (token: string, name: string, body?: unknown) =>
      json(t, "POST", `/SessionManager/SessionManager/${name}`, { token, ...(body === undefined ? {} : { body }) });
    assert.equal((await post(root.token, "UpdateServiceMessage", { message: "Read me" })).status, 204);
    assert.equal(
      (await json(t, "GET", "/SessionManager/SessionManager/message", { token: user.token })).body,
      "Read me",
    );
    assert.equal((await post(root.token, "UpdateServiceMessage", { message: "" })).status, 204);
    assert.equal(
      (await json(t, "GET", "/SessionManager/SessionManager/message", { token: user.token })).status,
      204,
      "unset",
    );
    assert.equal((await post(user.token, "SetLocale", { locale: "de" })).status, 204);
    assert.equal((await post(root.token, "SessionIsActive", { sessionID: user.key, userName: "user" })).body, true);
    assert.equal((await post(root.token, "SessionIsActive", { sessionID: user.key, userName: "root" })).body, false);
    const ticket = (await post(user.token, "AcquireCloneTicket")).body;
    assert.match(ticket, /^[0-9a-f]{40}$/);
    const clone = await json(t, "POST", "/SessionManager/SessionManager/CloneSession", {
      body: { cloneTicket: ticket },
    });
    assert.equal(clone.status, 200);
    assert.equal(clone.body.userName, "user");
    assert.match(clone.headers.get("vmware-api-session-id") ?? "", /^[0-9a-f]{40}$/);
    assert.equal((await post(root.token, "TerminateSession", { sessionId: [clone.body.key] })).status, 204);
    fault(await post(root.token, "TerminateSession", { sessionId: [clone.body.key] }), "NotFound");
    const list = await json(t, "GET", "/SessionManager/SessionManager/sessionList", { token: root.token });
    assert.ok(list.body.every((s: { _typeName: string }) => s._typeName === "UserSession"));
    assert.ok(list.body.some((s: { key: string }) => s.key === user.key));
    assert.deepEqual(
      (await json(t, "GET", "/SessionManager/SessionManager/supportedLocaleList", { token: user.token })).body,
      ["en", "de"],
    );
    assert.equal(
      (await json(t, "GET", "/SessionManager/SessionManager/defaultLocale", { token: user.token })).body,
      "en",
    );
    assert.equal((await post(user.token, "Logout")).status, 204);
    fault(
      await json(t, "GET", "/SessionManager/SessionManager/currentSession", { token: user.token }),
      "NotAuthenticated",
    );
  });

  it("shares its sessions with SOAP: a JSON login is in SOAP's sessionList, and its token works as the cookie", async () => {
    const { token, key } = await login(t, "user", "pass");
    const soap = soapClient(t.url, "pyvmomi");
    const asUser = await soap.call(retrievePropertiesEx(SM, ["currentSession"]), {
      headers: { cookie: `vmware_soap_session="${token}"` },
    });
    assert.match(asUser.body, new RegExp(`<key>${key}</key>`));
    await soap.call(method("Login", SM, "<userName>root</userName><password>mypass</password>"));
    assert.match((await soap.call(retrievePropertiesEx(SM, ["sessionList"]))).body, new RegExp(`<key>${key}</key>`));
  });

  it("runs the property collector too", async () => {
    const { token, key } = await login(t, "user", "pass");
    const answer = await json(t, "POST", "/PropertyCollector/propertyCollector/RetrievePropertiesEx", {
      token,
      body: {
        specSet: [
          {
            _typeName: "PropertyFilterSpec",
            propSet: [{ _typeName: "PropertySpec", type: "SessionManager", pathSet: ["currentSession"] }],
            objectSet: [
              {
                _typeName: "ObjectSpec",
                obj: { _typeName: "ManagedObjectReference", type: "SessionManager", value: "SessionManager" },
              },
            ],
          },
        ],
        options: { _typeName: "RetrieveOptions" },
      },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.objects[0].propSet[0].name, "currentSession");
    assert.equal(answer.body.objects[0].propSet[0].val.key, key);
  });
});
