/**
 * The Agent front door over real sockets: the seed's exact `sessionm/login`, `system` calls,
 * permanent and temporary sessions and their lifetimes (manual clock), logout, put/get isolation
 * and the same attributes through the JSON API, login_as and terminations from elsewhere.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AgentClient, base64Param, groupParam, textParam } from "../../../src/protocols/agent/client.ts";
import { encodeSid } from "../../../src/protocols/agent/token.ts";
import {
  AGENT_PASSWORDS,
  type AgentTestApp,
  DEFAULT_REALM_GUID,
  errorCodeOf,
  OTHER_REALM_GUID,
  SEED_GROUP_SIDS,
  SEED_HOST_ID,
  SEED_USER_SID,
  startAgentApp,
  waitForEvent,
} from "../../helpers/agent.ts";

const SECOND = 1000;

/** The seed's request, byte for byte (protocols.md 2.7 a). */
const SEED_LOGIN =
  '<packet version="4.0.0" id="2"><target>sessionm</target><data><sessionm><login><name>cm9vdA==</name><realm>00000000-0000-0000-0000-000000000000</realm><password>bXlwYXNz</password><expiration>1200</expiration></login></sessionm></data></packet>\0';

/** The same request as the seed's page prints it, indented over many lines. */
const SEED_LOGIN_PRETTY = `<packet version="4.0.0" id="2">

  <target>sessionm</target>

  <data>

    <sessionm>

      <login>

        <name>cm9vdA==</name>

        <realm>00000000-0000-0000-0000-000000000000</realm>

        <password>bXlwYXNz</password>

        <expiration>1200</expiration>

      </login>

    </sessionm>

  </data>

</packet>\0`;

const SYSTEM_LOGIN =
  '<packet version="4.0.0" id="3"><data><system><login><name>cm9vdA==</name><realm>00000000-0000-0000-0000-000000000000</realm><password>bXlwYXNz</password></login></system></data></packet>\0';

const ROOT_PRIVILEGES =
  "<privileges><privilege>System.Anonymous</privilege><privilege>System.View</privilege></privileges>";
const ROOT_TOKEN = `<token><user>${SEED_USER_SID}</user><groups>${SEED_GROUP_SIDS.map((s) => `<sid>${s}</sid>`).join("")}<sid>${SEED_USER_SID}</sid></groups><deny_only_sids/>${ROOT_PRIVILEGES}</token>`;

function login(name: string, password: string, extra: ReturnType<typeof textParam>[] = []) {
  return [base64Param("name", name), base64Param("password", password), ...extra];
}

/** A temporary session's id from a successful sessionm/login or login_as answer. */
function sessionIdOf(xml: string): string {
  const match = /<session_id>([^<]+)<\/session_id>/.exec(xml);
  assert.ok(match?.[1], `no session_id in ${xml}`);
  return match[1];
}

async function temporarySession(client: AgentClient, name = "root", expiration?: number): Promise<string> {
  const answer = await client.call(
    "sessionm",
    "login",
    login(
      name,
      AGENT_PASSWORDS[name as keyof typeof AGENT_PASSWORDS],
      expiration ? [textParam("expiration", String(expiration))] : [],
    ),
  );
  assert.equal(answer.error, undefined, answer.xml);
  return sessionIdOf(answer.xml);
}

async function adminSessions(t: AgentTestApp, query = "protocol=agent") {
  const bearer = await t.login("admin", AGENT_PASSWORDS.admin);
  const res = await t.request("GET", `/api/v1/sessions?${query}`, { bearer });
  assert.equal(res.status, 200, res.text);
  return res.body.sessions as {
    key: string;
    userName: string;
    protocol: string;
    binding: string | null;
    idleTimeoutMs: number | null;
    callCount: number;
  }[];
}

describe("agent: the seed's sessionm/login", () => {
  let t: AgentTestApp;
  before(async () => {
    t = await startAgentApp();
    // The seed's answer carries this time; the manual clock makes it exact.
    t.clock.set(Date.UTC(2007, 8, 10, 9, 42, 13));
  });
  after(() => t.stop());

  it("answers the exact seed packet, after system/login, in the seed's shape with the seed's SIDs", async () => {
    const raw = await t.raw();
    raw.send(SYSTEM_LOGIN);
    const system = await raw.next();
    assert.match(
      system,
      /^<packet id="3" time="2007-09-10T09:42:13\+0000" priority="0" version="4.0.0"><origin>system<\/origin>/,
    );
    assert.ok(system.includes(`<data><system>${ROOT_TOKEN}</system></data>`), system);

    raw.send(SEED_LOGIN);
    const answer = await raw.next();
    const match =
      /^<packet id="2" time="2007-09-10T09:42:13\+0000" priority="0" version="4\.0\.0"><origin>sessionm<\/origin><target>vzclient(\d+)-4fce28dd-0cd3-1345-bb94-3192b940fb90<\/target><dst><director>gend<\/director><\/dst><data><sessionm><session_id>(vzl\.[A-Za-z0-9_-]+)<\/session_id>(.*)<\/sessionm><\/data><src><director>gend<\/director><\/src><\/packet>$/.exec(
        answer,
      );
    assert.ok(match, answer);
    assert.equal(match[3], ROOT_TOKEN);
    // The seed's packet, as the seed's page prints it over many lines, is the same request.
    raw.send(SEED_LOGIN_PRETTY);
    const pretty = await raw.next();
    assert.equal(errorCodeOf(pretty), undefined, pretty);
    assert.ok(pretty.includes(ROOT_TOKEN));
    assert.notEqual(sessionIdOf(pretty), match[2], "every login makes a new session");
  });

  it("numbers connections in the target: vzclient<N>-<hostId>", async () => {
    const first = await t.raw();
    const second = await t.raw();
    const get = '<packet version="4.0.0" id="9"><data><system><get_realm/></system></data></packet>\0';
    first.send(get);
    second.send(get);
    const a = /<target>vzclient(\d+)-([^<]+)<\/target>/.exec(await first.next());
    const b = /<target>vzclient(\d+)-([^<]+)<\/target>/.exec(await second.next());
    assert.equal(a?.[2], SEED_HOST_ID);
    assert.equal(Number(b?.[1]), Number(a?.[1]) + 1);
  });
});

describe("agent: system calls", () => {
  let t: AgentTestApp;
  before(async () => {
    t = await startAgentApp();
  });
  after(() => t.stop());

  it("system/get_realm works before login and lists every realm by GUID and name", async () => {
    const client = await t.client();
    const answer = await client.call("system", "get_realm");
    assert.equal(answer.origin, "system");
    assert.ok(
      answer.xml.includes(
        `<data><system><realm><id>${DEFAULT_REALM_GUID}</id><name>default</name></realm><realm><id>${OTHER_REALM_GUID}</id><name>ldap</name></realm></system></data>`,
      ),
      answer.xml,
    );
  });

  it("refuses every sessionm call before system/login with code 11", async () => {
    const client = await t.client();
    for (const call of ["login", "login_as", "logout", "put", "get"]) {
      const answer = await client.call("sessionm", call, call === "login" ? login("root", "mypass") : []);
      assert.equal(answer.error?.code, 11, `${call}: ${answer.xml}`);
      assert.equal(answer.origin, "sessionm");
      assert.match(answer.error?.message ?? "", /system\/login/);
    }
  });

  it("system/login: bad credentials 10, unknown realm 21, domain 23, bad base64 5; one per connection (14)", async () => {
    const client = await t.client();
    assert.equal((await client.call("system", "login", login("root", "wrong"))).error?.code, 10);
    assert.equal((await client.call("system", "login", login("nobody", "x"))).error?.code, 10);
    const unknownRealm = await client.call(
      "system",
      "login",
      login("root", "mypass", [textParam("realm", "11111111-2222-3333-4444-555555555555")]),
    );
    assert.equal(unknownRealm.error?.code, 21, unknownRealm.xml);
    const domain = await client.call("system", "login", login("root", "mypass", [base64Param("domain", "101")]));
    assert.equal(domain.error?.code, 23, domain.xml);
    const badBase64 = await client.call("system", "login", [textParam("name", "root!"), base64Param("password", "x")]);
    assert.equal(badBase64.error?.code, 5, badBase64.xml);
    assert.match(badBase64.error?.message ?? "", /^name must be base64/);
    const badGuid = await client.call("system", "login", login("root", "mypass", [textParam("realm", "nope")]));
    assert.equal(badGuid.error?.code, 5);
    const unknownParameter = await client.call("system", "login", login("root", "mypass", [textParam("pasword", "x")]));
    assert.equal(unknownParameter.error?.code, 5);
    assert.equal((await client.call("sessionm", "get")).error?.code, 11, "still not logged in");

    const ok = await client.call("system", "login", login("root", "mypass"));
    assert.equal(ok.error, undefined, ok.xml);
    const again = await client.call("system", "login", login("admin", AGENT_PASSWORDS.admin));
    assert.equal(again.error?.code, 14, again.xml);
  });

  it("logs in to another realm by its GUID, with SIDs under that realm's GUID", async () => {
    const client = await t.client();
    const answer = await client.call(
      "system",
      "login",
      login("carol", "carol-password", [textParam("realm", OTHER_REALM_GUID.toUpperCase())]),
    );
    assert.equal(answer.error, undefined, answer.xml);
    const user = encodeSid("user", OTHER_REALM_GUID, 7);
    const group = encodeSid("group", OTHER_REALM_GUID, 20);
    assert.ok(answer.xml.includes(`<user>${user}</user><groups><sid>${group}</sid><sid>${user}</sid></groups>`));
  });

  it("answers unknown interfaces (3) and calls (4) without closing the connection", async () => {
    const client = await t.client();
    const iface = await client.call("vzaenvm", "list");
    assert.equal(iface.error?.code, 3);
    assert.equal(iface.origin, "system");
    const call = await client.call("sessionm", "list");
    assert.equal(call.error?.code, 4);
    assert.equal(call.origin, "sessionm");
    const systemCall = await client.call("system", "reboot");
    assert.equal(systemCall.error?.code, 4);
    assert.equal((await client.call("system", "get_realm")).error, undefined);
  });
});

describe("agent: the permanent session", () => {
  let t: AgentTestApp;
  before(async () => {
    t = await startAgentApp();
  });
  after(() => t.stop());

  it("is listed (protocol agent, bound to the connection) while connected and gone the moment it closes", async () => {
    const client = await t.loggedIn("alice");
    const [listed] = (await adminSessions(t)).filter((s) => s.userName === "alice");
    assert.ok(listed, "alice's permanent session is listed");
    assert.equal(listed.protocol, "agent");
    assert.equal(listed.binding, "connection");
    assert.equal(listed.idleTimeoutMs, null);

    const closed = waitForEvent(t.app.engine, (e) => e.type === "connection-closed" && e.sessionKey === listed.key);
    await client.close();
    await closed;
    assert.equal((await adminSessions(t)).filter((s) => s.userName === "alice").length, 0);
  });

  it("never idles out: it still works after a month without packets", async () => {
    const client = await t.loggedIn();
    assert.equal(
      (await client.call("sessionm", "put", [groupParam("data", [textParam("key", "k"), textParam("value", "v")])]))
        .error,
      undefined,
    );
    t.clock.advance(31 * 24 * 3600 * SECOND);
    await t.app.engine.sweep();
    const answer = await client.call("sessionm", "get", [textParam("key", "k")]);
    assert.ok(answer.xml.includes("<sessionm><data><key>k</key><value>v</value></data></sessionm>"), answer.xml);
  });

  it("ended elsewhere (terminated through the JSON API), it logs the connection out; system/login works again", async () => {
    const client = await t.loggedIn("alice");
    const [listed] = (await adminSessions(t)).filter((s) => s.userName === "alice");
    assert.ok(listed);
    const bearer = await t.login("admin", AGENT_PASSWORDS.admin);
    assert.equal((await t.request("DELETE", `/api/v1/sessions/${listed.key}`, { bearer })).status, 204);
    const after = await client.call("sessionm", "get");
    assert.equal(after.error?.code, 11, after.xml);
    assert.equal((await client.call("system", "login", login("alice", AGENT_PASSWORDS.alice))).error, undefined);
    assert.equal((await client.call("sessionm", "get")).error, undefined);
  });
});

describe("agent: temporary sessions", () => {
  let t: AgentTestApp;
  before(async () => {
    t = await startAgentApp();
  });
  after(() => t.stop());

  it("expire after `expiration` seconds without a packet, and every packet in them resets the timer", async () => {
    const client = await t.loggedIn();
    const session = await temporarySession(client, "root", 60);
    const get = () => client.call("sessionm", "get", [], { session });
    for (let i = 0; i < 4; i++) {
      t.clock.advance(50 * SECOND);
      const answer = await get();
      assert.equal(answer.error, undefined, `packet ${i} at +${50 * (i + 1)} s: ${answer.xml}`);
      assert.ok(answer.xml.includes(`<session>${session}</session>`), "the answer echoes the packet's session");
    }
    t.clock.advance(61 * SECOND);
    const expired = await get();
    assert.equal(expired.error?.code, 12, expired.xml);
    // The permanent session is not affected.
    assert.equal((await client.call("sessionm", "get")).error, undefined);
  });

  it("take the realm's idle timeout without `expiration`", async () => {
    const client = await t.loggedIn();
    const session = await temporarySession(client);
    const [listed] = (await adminSessions(t)).filter((s) => s.binding === null && s.userName === "root");
    assert.equal(listed?.idleTimeoutMs, 1800 * SECOND);
    t.clock.advance(1799 * SECOND);
    assert.equal((await client.call("sessionm", "get", [], { session })).error, undefined);
    t.clock.advance(1801 * SECOND);
    assert.equal((await client.call("sessionm", "get", [], { session })).error?.code, 12);
  });

  it("refuses an expiration that is not a whole number of seconds from 1", async () => {
    const client = await t.loggedIn();
    for (const value of ["0", "-5", "1.5", "abc", "99999999999"]) {
      const answer = await client.call("sessionm", "login", login("root", "mypass", [textParam("expiration", value)]));
      assert.equal(answer.error?.code, 5, `${value}: ${answer.xml}`);
      assert.match(answer.error?.message ?? "", /^expiration must be/);
    }
  });

  it("count one call per packet and outlive the connection that made them", async () => {
    const first = await t.loggedIn();
    const session = await temporarySession(first, "alice");
    const before = (await adminSessions(t)).find((s) => s.userName === "alice" && s.binding === null);
    assert.ok(before);
    const three = await first.call(
      "sessionm",
      "get",
      [textParam("key", "a"), textParam("key", "b"), textParam("key", "c")],
      {
        session,
      },
    );
    assert.equal(three.error, undefined);
    const afterGet = (await adminSessions(t)).find((s) => s.key === before.key);
    assert.equal(afterGet?.callCount, before.callCount + 1, "a get of three keys is one call");

    await first.close();
    const second = await t.loggedIn("admin");
    assert.equal((await second.call("sessionm", "get", [], { session })).error, undefined);
  });

  it("logout ends a session: using it then is code 12, and so is logging out an unknown id", async () => {
    const client = await t.loggedIn();
    const session = await temporarySession(client);
    const bye = await client.call("sessionm", "logout", [textParam("session_id", session)]);
    assert.equal(bye.error, undefined, bye.xml);
    assert.ok(bye.xml.includes("<data><sessionm><ok/></sessionm></data>"));
    assert.equal((await client.call("sessionm", "get", [], { session })).error?.code, 12);
    assert.equal((await client.call("sessionm", "logout", [textParam("session_id", session)])).error?.code, 12);
    assert.equal((await client.call("sessionm", "logout", [textParam("session_id", "vzl.nope")])).error?.code, 12);
    assert.equal(
      (await client.call("sessionm", "logout", [textParam("session_id", "x".repeat(5000))])).error?.code,
      12,
    );
    assert.equal((await client.call("sessionm", "logout")).error?.code, 5, "session_id is required");
    assert.equal((await client.call("sessionm", "get")).error, undefined, "the permanent session lives on");
  });

  it("a session terminated through the JSON API answers code 12 here next", async () => {
    const client = await t.loggedIn();
    const session = await temporarySession(client, "alice");
    const key = (await t.request("GET", "/api/v1/session", { bearer: session })).body.session.key;
    assert.ok(key);
    const bearer = await t.login("admin", AGENT_PASSWORDS.admin);
    assert.equal((await t.request("DELETE", `/api/v1/sessions/${key}`, { bearer })).status, 204);
    const answer = await client.call("sessionm", "get", [], { session });
    assert.equal(answer.error?.code, 12, answer.xml);
  });

  it("an unknown <session> is code 12 for every call, system ones too", async () => {
    const client = await t.loggedIn();
    for (const [iface, call] of [
      ["sessionm", "get"],
      ["sessionm", "put"],
      ["system", "get_realm"],
    ] as const) {
      const answer = await client.call(iface, call, [], { session: "vzl.unknown" });
      assert.equal(answer.error?.code, 12, `${iface}/${call}: ${answer.xml}`);
    }
  });
});

describe("agent: put and get", () => {
  let t: AgentTestApp;
  before(async () => {
    t = await startAgentApp();
  });
  after(() => t.stop());

  const data = (key: string, value?: string) =>
    groupParam("data", [textParam("key", key), ...(value === undefined ? [] : [textParam("value", value)])]);

  it("keeps each session's attributes apart, and they are the ones the JSON API shows for the same secret", async () => {
    const client = await t.loggedIn();
    const one = await temporarySession(client);
    const two = await temporarySession(client);
    // The seed's form: session_id as a parameter.
    let answer = await client.call("sessionm", "put", [
      textParam("session_id", one),
      data("mykey", "c29tZSB2YWx1ZQ=="),
      data("other", "1"),
    ]);
    assert.ok(answer.xml.includes("<sessionm><ok/></sessionm>"), answer.xml);
    // The packet's <session> instead.
    answer = await client.call("sessionm", "put", [data("mykey", "two"), data("empty")], { session: two });
    assert.equal(answer.error, undefined, answer.xml);

    const getOne = await client.call("sessionm", "get", [
      textParam("session_id", one),
      textParam("key", "mykey"),
      textParam("key", "absent"),
    ]);
    assert.ok(
      getOne.xml.includes(
        "<data><sessionm><data><key>mykey</key><value>c29tZSB2YWx1ZQ==</value></data></sessionm></data>",
      ),
      getOne.xml,
    );
    const allTwo = await client.call("sessionm", "get", [], { session: two });
    assert.ok(
      allTwo.xml.includes(
        "<sessionm><data><key>mykey</key><value>two</value></data><data><key>empty</key><value></value></data></sessionm>",
      ),
      allTwo.xml,
    );
    const permanent = await client.call("sessionm", "get");
    assert.ok(permanent.xml.includes("<data><sessionm/></data>"), permanent.xml);

    const viaApi = await t.request("GET", "/api/v1/session/attributes", { bearer: one });
    assert.equal(viaApi.status, 200, viaApi.text);
    assert.deepEqual(viaApi.body, { mykey: "c29tZSB2YWx1ZQ==", other: "1" });
    const set = await t.request("PUT", "/api/v1/session/attributes/fromApi", { bearer: two, body: { value: "hello" } });
    assert.equal(set.status, 204, set.text);
    const seen = await client.call("sessionm", "get", [textParam("key", "fromApi")], { session: two });
    assert.ok(seen.xml.includes("<data><key>fromApi</key><value>hello</value></data>"), seen.xml);
    const notInOne = await client.call("sessionm", "get", [textParam("key", "fromApi")], { session: one });
    assert.ok(notInOne.xml.includes("<data><sessionm/></data>"), notInOne.xml);
  });

  it("writes all pairs of a put or none", async () => {
    const client = await t.loggedIn();
    const session = await temporarySession(client);
    const tooBig = "x".repeat(64 * 1024 + 1);
    const answer = await client.call("sessionm", "put", [data("fine", "1"), data("big", tooBig)], { session });
    assert.equal(answer.error?.code, 20, answer.xml);
    const empty = await client.call("sessionm", "put", [data("fine", "1"), data("")], { session });
    assert.equal(empty.error?.code, 5, empty.xml);
    const none = await client.call("sessionm", "put", [], { session });
    assert.equal(none.error?.code, 5);
    const stray = await client.call(
      "sessionm",
      "put",
      [groupParam("data", [textParam("key", "k"), textParam("colour", "x")])],
      { session },
    );
    assert.equal(stray.error?.code, 5);
    const all = await client.call("sessionm", "get", [], { session });
    assert.ok(all.xml.includes("<data><sessionm/></data>"), `nothing was written: ${all.xml}`);
  });

  it("escapes what it stores and gives it back unchanged, white space included", async () => {
    const client = await t.loggedIn();
    const session = await temporarySession(client);
    const value = ' <a href="x">&amp; é \n ';
    assert.equal((await client.call("sessionm", "put", [data("k<&>", value)], { session })).error, undefined);
    const answer = await client.call("sessionm", "get", [textParam("key", "k<&>")], { session });
    assert.equal(answer.body?.children.length, 1);
    const [pair] = answer.body?.children ?? [];
    assert.ok(pair && typeof pair !== "string");
    const texts = pair.children.map((c) => (typeof c === "string" ? c : c.children.join("")));
    assert.deepEqual(texts, ["k<&>", value]);
  });
});

describe("agent: login_as", () => {
  let t: AgentTestApp;
  before(async () => {
    t = await startAgentApp();
  });
  after(() => t.stop());

  const aliceSid = () => encodeSid("user", SEED_HOST_ID, 2);

  it("needs Sessions.ImpersonateUser (13 without it)", async () => {
    const root = await t.loggedIn("root");
    const answer = await root.call("sessionm", "login_as", [textParam("sid", aliceSid())]);
    assert.equal(answer.error?.code, 13, answer.xml);
    assert.match(answer.error?.message ?? "", /Sessions\.ImpersonateUser/);
  });

  it("with it, makes a temporary session of the SID's user, with that user's token", async () => {
    const admin = await t.loggedIn("admin");
    const answer = await admin.call("sessionm", "login_as", [
      textParam("sid", aliceSid()),
      textParam("expiration", "90"),
    ]);
    assert.equal(answer.error, undefined, answer.xml);
    const session = sessionIdOf(answer.xml);
    assert.ok(
      answer.xml.includes(`<token><user>${aliceSid()}</user><groups><sid>${aliceSid()}</sid></groups>`),
      answer.xml,
    );
    const who = await t.request("GET", "/api/v1/session", { bearer: session });
    assert.equal(who.body.session.userName, "alice");
    assert.equal(who.body.session.impersonatedBy, "admin@default");
    assert.equal(who.body.session.idleTimeoutMs, 90 * SECOND);
    // A user of another realm, named by that realm's GUID.
    const carol = await admin.call("sessionm", "login_as", [textParam("sid", encodeSid("user", OTHER_REALM_GUID, 7))]);
    assert.equal(carol.error, undefined, carol.xml);
  });

  it("refuses a group SID and a malformed one (5), a user no one has (10), an anonymous caller (11)", async () => {
    const admin = await t.loggedIn("admin");
    const group = await admin.call("sessionm", "login_as", [textParam("sid", encodeSid("group", SEED_HOST_ID, 0))]);
    assert.equal(group.error?.code, 5);
    assert.match(group.error?.message ?? "", /group/);
    for (const sid of ["", "bm90IGEgc2lk", "AQUAAAAAA+hWW5a9ohIJQ6S9aykBIAAA9QEAAA=="]) {
      const answer = await admin.call("sessionm", "login_as", [textParam("sid", sid)]);
      assert.equal(answer.error?.code, 5, `${sid}: ${answer.xml}`);
    }
    const nobody = await admin.call("sessionm", "login_as", [textParam("sid", encodeSid("user", SEED_HOST_ID, 4242))]);
    assert.equal(nobody.error?.code, 10, nobody.xml);
    // A live session that is not logged in (made anonymously through the JSON API) may not impersonate.
    const anonymous = await t.request("POST", "/api/v1/sessions", { body: {} });
    assert.equal(anonymous.status, 201, anonymous.text);
    const notLoggedIn = await admin.call("sessionm", "login_as", [textParam("sid", aliceSid())], {
      session: anonymous.body.secret,
    });
    assert.equal(notLoggedIn.error?.code, 11, notLoggedIn.xml);
    const otherGuid = await admin.call("sessionm", "login_as", [
      textParam("sid", encodeSid("user", "12345678-1234-1234-1234-123456789abc", 0)),
    ]);
    assert.equal(otherGuid.error?.code, 21, otherGuid.xml);
  });
});
