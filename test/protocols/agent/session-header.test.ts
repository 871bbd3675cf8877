/**
 * A packet's `<session>` header (protocols.md 2.4): the call runs in exactly that session, as that
 * session's user, or not at all. Unknown, expired, logged-out, terminated and malformed ids are one
 * error (code 12, UNKNOWN_SESSION), nothing runs, and the answer does not claim the bogus session.
 *
 * @see issue 10, part 1
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AgentClient, base64Param, groupParam, textParam } from "../../../src/protocols/agent/client.ts";
import { AGENT_ERROR_CODES } from "../../../src/protocols/agent/errors.ts";
import { encodeSid } from "../../../src/protocols/agent/token.ts";
import {
  AGENT_PASSWORDS,
  type AgentTestApp,
  OTHER_REALM_GUID,
  packet,
  SEED_HOST_ID,
  startAgentApp,
} from "../../helpers/agent.ts";

const UNKNOWN_SESSION = AGENT_ERROR_CODES.UNKNOWN_SESSION;

async function temporarySession(client: AgentClient, name: string, password: string, realm?: string) {
  const answer = await client.call("sessionm", "login", [
    base64Param("name", name),
    base64Param("password", password),
    ...(realm ? [textParam("realm", realm)] : []),
    textParam("expiration", "60"),
  ]);
  assert.equal(answer.error, undefined, answer.xml);
  const id = /<session_id>([^<]+)<\/session_id>/.exec(answer.xml)?.[1];
  assert.ok(id, answer.xml);
  return id;
}

const put = (key: string, value: string) => groupParam("data", [textParam("key", key), textParam("value", value)]);

describe("agent: the <session> header", () => {
  let t: AgentTestApp;
  before(async () => {
    t = await startAgentApp();
  });
  after(() => t.stop());

  it("runs login_as as the named session's user: refused for alice although the connection is admin's", async () => {
    const client = await t.loggedIn("admin");
    const alices = await temporarySession(client, "alice", AGENT_PASSWORDS.alice);
    const rootSid = encodeSid("user", SEED_HOST_ID, 0);
    const asAlice = await client.call("sessionm", "login_as", [textParam("sid", rootSid)], { session: alices });
    assert.equal(
      asAlice.error?.code,
      AGENT_ERROR_CODES.NO_PERMISSION,
      `alice lacks Sessions.ImpersonateUser: ${asAlice.xml}`,
    );
    const asAdmin = await client.call("sessionm", "login_as", [textParam("sid", rootSid)]);
    assert.equal(asAdmin.error, undefined, `the permanent session is admin's: ${asAdmin.xml}`);
  });

  it("puts and gets in the named session, not in the permanent one", async () => {
    const client = await t.loggedIn("root");
    const temporary = await temporarySession(client, "root", AGENT_PASSWORDS.root);
    assert.equal(
      (await client.call("sessionm", "put", [put("k", "temporary")], { session: temporary })).error,
      undefined,
    );
    const inTemporary = await client.call("sessionm", "get", [textParam("key", "k")], { session: temporary });
    assert.match(inTemporary.xml, /<value>temporary<\/value>/);
    const inPermanent = await client.call("sessionm", "get", [textParam("key", "k")]);
    assert.equal(inPermanent.error, undefined, inPermanent.xml);
    assert.doesNotMatch(inPermanent.xml, /temporary/, "the permanent session has its own attributes");
  });

  for (const [what, makeId] of [
    [
      "an id that never existed",
      async () => "vzl.40000.4.4fce28dd-0cd3-1345-bb94-3192b940fb90..f7c46e51175t321d6069r202d",
    ],
    ["a malformed id (not the vzl. form)", async () => "not-an-agent-id"],
    ["an id of 5000 characters", async () => `vzl.${"x".repeat(5000)}`],
    [
      "a logged-out session",
      async (client: AgentClient) => {
        const id = await temporarySession(client, "root", AGENT_PASSWORDS.root);
        assert.equal((await client.call("sessionm", "logout", [textParam("session_id", id)])).error, undefined);
        return id;
      },
    ],
    [
      "an expired session",
      async (client: AgentClient) => {
        const id = await temporarySession(client, "root", AGENT_PASSWORDS.root);
        t.clock.advance(61_000);
        return id;
      },
    ],
    [
      "a session terminated through the JSON API",
      async (client: AgentClient) => {
        const id = await temporarySession(client, "root", AGENT_PASSWORDS.root);
        const key = (await t.request("GET", "/api/v1/session", { bearer: id })).body.session.key;
        const bearer = await t.login("admin", AGENT_PASSWORDS.admin);
        assert.equal((await t.request("DELETE", `/api/v1/sessions/${key}`, { bearer })).status, 204);
        return id;
      },
    ],
  ] as const) {
    it(`answers ${what} with code 12 for every call, and runs nothing`, async () => {
      const client = await t.loggedIn("admin");
      const id = await makeId(client);
      const sessionsBefore = await t.app.engine.store.countSessions({});
      const calls = [
        ["sessionm", "get", []],
        ["sessionm", "put", [put("leaked", "x")]],
        ["sessionm", "login", [base64Param("name", "root"), base64Param("password", AGENT_PASSWORDS.root)]],
        ["sessionm", "login_as", [textParam("sid", encodeSid("user", SEED_HOST_ID, 0))]],
        ["system", "get_realm", []],
      ] as const;
      for (const [iface, call, params] of calls) {
        const answer = await client.call(iface, call, [...params], { session: id });
        assert.equal(answer.error?.code, UNKNOWN_SESSION, `${iface}/${call}: ${answer.xml}`);
        assert.ok(!answer.xml.includes(`<session>${id}`), `${iface}/${call} claims the session: ${answer.xml}`);
      }
      // An expired session is removed when it is first named, so the count may fall; it never grows.
      assert.ok((await t.app.engine.store.countSessions({})) <= sessionsBefore, "no session was made");
      const permanent = await client.call("sessionm", "get", [textParam("key", "leaked")]);
      assert.equal(permanent.error, undefined);
      assert.doesNotMatch(permanent.xml, /leaked/, "nothing was put into the permanent session");
    });
  }

  it("answers code 12 to a raw packet whose <session> names nothing, and the connection stays usable", async () => {
    const raw = await t.raw();
    raw.send(
      packet(
        `<system><login><name>${Buffer.from("root").toString("base64")}</name><password>${Buffer.from(AGENT_PASSWORDS.root).toString("base64")}</password></login></system>`,
      ),
    );
    assert.doesNotMatch(await raw.next(), /<error>/);
    raw.send(packet("<sessionm><get/></sessionm>", 'version="4.0.0" id="9"', "<session>vzl.bogus</session>"));
    const answer = await raw.next();
    assert.match(answer, /<error><code>12<\/code>/);
    raw.send(packet("<sessionm><get/></sessionm>", 'version="4.0.0" id="10"'));
    assert.doesNotMatch(await raw.next(), /<error>/);
  });

  it("uses a session of another realm by its id: ids are bearer secrets", async () => {
    const client = await t.loggedIn("root");
    const carols = await temporarySession(client, "carol", "carol-password", OTHER_REALM_GUID);
    const answer = await client.call("sessionm", "put", [put("realm", "ldap")], { session: carols });
    assert.equal(answer.error, undefined, answer.xml);
    const who = await t.request("GET", "/api/v1/session", { bearer: carols });
    assert.equal(who.body.session.realm, "ldap");
    assert.equal(who.body.session.userName, "carol");
  });
});
