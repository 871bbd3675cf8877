/**
 * A store outage as each front door's clients meet it, over real sockets, with a real PostgreSQL
 * behind a TCP relay the test takes down and brings back (issue 12: store failures answer
 * STORE_UNAVAILABLE, HTTP 503 and each protocol's equivalent, never "not authenticated"; once the
 * database is back the node recovers without a restart).
 *
 * A client told "not authenticated" throws its session away and logs in again, which during an outage
 * fails too, and loses whatever the session held; told "unavailable", it keeps the session and retries.
 * So for each door: a session made while the store is up, then, with the store cut, the door's form of
 * STORE_UNAVAILABLE (docs/errors.md) and not its form of an unknown session; then, healed, the same
 * session works again.
 *
 * The session cache: on a shared store the engine serves a cached session without reading the store
 * for up to `sessions.sessionCacheStalenessMs`, so a call just after the cut may be answered from the
 * cache, correctly. The test therefore moves the engine's (manual) clock past that bound once the store
 * is cut: every session must then be read from the store, whether the cache still holds it or the cut
 * listener already made the node forget it. A second call per door names a session of the same shape
 * that this node has never seen, so no cache can answer it: only the store knows it does not exist, and
 * while the store is away the door must not claim it.
 *
 * The lease is made long (10 minutes) so that the node never fences itself during the test: a fenced
 * node also answers STORE_UNAVAILABLE, but closes its Agent connections, which would test fencing
 * instead of the doors' answer to a failing store.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createManualClock } from "../../src/core/clock.ts";
import {
  type AgentClient,
  base64Param,
  connectAgent,
  groupParam,
  textParam,
} from "../../src/protocols/agent/client.ts";
import { agentInfo } from "../../src/protocols/agent/door.ts";
import { openPostgresStore } from "../../src/store/postgres/index.ts";
import { AGENT_PASSWORDS, AGENT_REALMS } from "../helpers/agent.ts";
import { assertNoInternals } from "../helpers/api.ts";
import { type Kom, komClient } from "../helpers/httpkom.ts";
import { type Relay, startRelay, testPostgres } from "../helpers/postgres.ts";
import { startApp, type TestApp } from "../helpers/start-app.ts";
import { until } from "../helpers/until.ts";
import { faultType, method, retrievePropertiesEx, SM, type SoapClient, soapClient } from "../helpers/vsphere.ts";

const pg = await testPostgres();

const REALMS = [
  ...AGENT_REALMS,
  { name: "testkom", users: [{ name: "kim", number: 1, password: "kim-password" }] },
  { name: "community", users: [{ name: "astro", password: "astro-password" }] },
];

/** A call's outcome as the door's client reads it. */
interface DoorAnswer {
  /** The HTTP status, or 0 for the Agent (TCP). */
  status: number;
  /** What the door sent, as text. */
  text: string;
  /** httpkom: the parsed JSON body. */
  body?: { person?: { pers_no?: number } | null; error_type?: string } | undefined;
  /** Agent: the error code, if the answer is an error. */
  code?: number | undefined;
}

/** One front door: how to make a session there, call it, and read the answer. */
interface Door {
  name: string;
  /** Makes a session while the store is up. */
  setUp(): Promise<void>;
  /** The call with the session made in `setUp`, or with one this node has never seen. */
  call(session: "known" | "never-seen"): Promise<DoorAnswer>;
  /** The call worked (with the known session). */
  assertWorks(answer: DoorAnswer): void;
  /** The door's form of a session it does not know (with the store up): what an outage must not look like. */
  assertUnknown(answer: DoorAnswer): void;
  /** The door's form of STORE_UNAVAILABLE, not of an unknown or unauthenticated session. */
  assertUnavailable(answer: DoorAnswer): void;
}

/** Flips the last character of a credential: the same shape, a session no one has. */
function neverSeen(credential: string): string {
  const last = credential.at(-1);
  return credential.slice(0, -1) + (last === "0" ? "1" : "0");
}

// The test clients of the HTTP doors have no timeout of their own: a door that never answers fails the
// file here instead of holding up the run.
describe("a store outage at every front door", { skip: pg.skip, timeout: 120_000 }, () => {
  let t: TestApp;
  let relay: Relay;
  let home: string;
  let agent: AgentClient | undefined;

  function httpkomDoor(): Door {
    let kom: Kom;
    let id = "";
    return {
      name: "httpkom",
      async setUp() {
        kom = komClient(t);
        const made = await kom("POST", "/testkom/sessions/", { body: { client: { name: "jskom", version: "0.6" } } });
        assert.equal(made.status, 201, made.text);
        id = made.body.connection_id;
        const login = await kom("POST", "/testkom/sessions/current/login", {
          id,
          body: { pers_no: 1, passwd: "kim-password" },
        });
        assert.equal(login.status, 201, login.text);
      },
      async call(session) {
        const res = await kom("GET", "/testkom/sessions/current/who-am-i", {
          id: session === "known" ? id : neverSeen(id),
        });
        return { status: res.status, text: `${res.status} ${res.text}`, body: res.body };
      },
      assertWorks(answer) {
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.body?.person?.pers_no, 1, answer.text);
      },
      assertUnknown(answer) {
        // 403 empty tells jskom to forget its connection id.
        assert.equal(answer.text, "403 ");
      },
      assertUnavailable(answer) {
        assert.equal(answer.status, 503, answer.text);
        assert.equal(answer.body?.error_type, "httpkom", answer.text);
      },
    };
  }

  function vsphereDoor(): Door {
    let soap: SoapClient;
    let cookieLine = "";
    return {
      name: "vSphere",
      async setUp() {
        soap = soapClient(t.url, "pyvmomi");
        const login = await soap.call(
          method("Login", SM, `<userName>root</userName><password>${AGENT_PASSWORDS.root}</password>`),
        );
        assert.equal(faultType(login.body), undefined, login.body);
        assert.ok(soap.cookieLine, "Login set the session cookie");
        cookieLine = soap.cookieLine;
      },
      async call(session) {
        soap.cookieLine =
          session === "known"
            ? cookieLine
            : cookieLine.replace(
                /(vmware_soap_session="?)([^";]+)/,
                (_, name: string, secret: string) => name + neverSeen(secret),
              );
        const answer = await soap.call(retrievePropertiesEx(SM, ["currentSession"]));
        assertNoInternals(answer.body);
        return { status: answer.status, text: `${answer.status} ${answer.body}` };
      },
      assertWorks(answer) {
        assert.equal(faultType(answer.text), undefined, answer.text);
        assert.match(answer.text, /<name>currentSession<\/name>/, answer.text);
        assert.match(answer.text, /<userName>root<\/userName>/, answer.text);
      },
      assertUnknown(answer) {
        // Unset, as vcsim answers an anonymous caller: pyVmomi takes it as "log in again".
        assert.equal(faultType(answer.text), undefined, answer.text);
        assert.match(answer.text, /^200 /, answer.text);
        assert.doesNotMatch(answer.text, /currentSession/, answer.text);
      },
      assertUnavailable(answer) {
        assert.equal(faultType(answer.text), "SystemError", answer.text);
        assert.equal(answer.status, 500, answer.text);
      },
    };
  }

  function astrogridDoor(): Door {
    let id = "";
    const rpc = async (url: string, name: string, params: string[]) => {
      const body = `<?xml version='1.0'?>\n<methodCall><methodName>${name}</methodName><params>${params
        .map((p) => `<param><value><string>${p}</string></value></param>`)
        .join("")}</params></methodCall>`;
      const response = await fetch(url, { method: "POST", headers: { "content-type": "text/xml" }, body });
      const text = await response.text();
      assertNoInternals(text);
      return { status: response.status, text: `${response.status} ${text}` };
    };
    const sessionUrl = (session: string) => `${t.url}/astrogrid/${session}/xmlrpc`;
    return {
      name: "AstroGrid",
      async setUp() {
        const root = readFileSync(join(home, ".astrogrid-desktop"), "utf8").trim();
        const made = await rpc(`${root}xmlrpc`, "builtin.sessionManager.createNewSession", ["10"]);
        const match = /<value>(?:<string>)?([0-9a-f]{32})(?:<\/string>)?<\/value>/.exec(made.text);
        assert.ok(match?.[1], made.text);
        id = match[1];
        const set = await rpc(sessionUrl(id), "session.state.set", ["colour", "red"]);
        assert.match(set.text, /^200 .*OK/s, set.text);
      },
      call: (session) => rpc(sessionUrl(session === "known" ? id : neverSeen(id)), "session.state.get", ["colour"]),
      assertWorks(answer) {
        assert.doesNotMatch(answer.text, /<fault>/, answer.text);
        assert.match(answer.text, /^200 .*<value>(<string>)?red(<\/string>)?<\/value>/s, answer.text);
      },
      assertUnknown(answer) {
        // The client's session is gone.
        assert.match(answer.text, /^403 .*Astro Runtime - Forbidden/s, answer.text);
      },
      assertUnavailable(answer) {
        assert.match(answer.text, /^200 /, answer.text);
        assert.match(answer.text, /<fault>.*ServiceException/s, answer.text);
      },
    };
  }

  function agentDoor(): Door {
    let session = "";
    return {
      name: "Agent",
      async setUp() {
        const plain = agentInfo(t.app.doors)?.listeners.find((listener) => listener.name === "agent");
        assert.ok(plain, "the Agent listens");
        agent = await connectAgent({ url: plain.url, timeoutMs: 20_000 });
        const login = await agent.call("system", "login", [
          base64Param("name", "root"),
          base64Param("password", AGENT_PASSWORDS.root),
        ]);
        assert.equal(login.error, undefined, login.xml);
        // A temporary session, named by `<session>` in each packet: the door must look it up.
        const temporary = await agent.call("sessionm", "login", [
          base64Param("name", "alice"),
          base64Param("password", AGENT_PASSWORDS.alice),
        ]);
        const match = /<session_id>([^<]+)<\/session_id>/.exec(temporary.xml);
        assert.ok(match?.[1], temporary.xml);
        session = match[1];
        const put = await agent.call(
          "sessionm",
          "put",
          [groupParam("data", [textParam("key", "k"), textParam("value", "v")])],
          { session },
        );
        assert.equal(put.error, undefined, put.xml);
      },
      async call(which) {
        assert.ok(agent);
        const answer = await agent.call("sessionm", "get", [textParam("key", "k")], {
          session: which === "known" ? session : neverSeen(session),
        });
        assertNoInternals(answer.xml);
        return { status: 0, text: answer.xml, code: answer.error?.code };
      },
      assertWorks(answer) {
        assert.equal(answer.code, undefined, answer.text);
        assert.match(answer.text, /<data><key>k<\/key><value>v<\/value><\/data>/, answer.text);
      },
      assertUnknown(answer) {
        // 12: the packet named no live session; the client logs in again.
        assert.equal(answer.code, 12, answer.text);
      },
      assertUnavailable(answer) {
        assert.equal(answer.code, 30, answer.text);
      },
    };
  }

  let doors: Door[] = [];

  before(async () => {
    const url = await pg.freshUrl();
    relay = await startRelay(url);
    home = mkdtempSync(join(tmpdir(), "sessiond-outage-home-"));
    const nodeId = "outage";
    const store = await openPostgresStore({ url: relay.url, nodeId, poolSize: 4, connectTimeoutSeconds: 2 });
    t = await startApp(
      {
        nodeId,
        realms: REALMS,
        httpkom: {},
        astrogrid: { discoveryFile: join(home, ".astrogrid-desktop"), realm: "community" },
        agent: { port: 0, tlsPort: 0 },
        cluster: { leaseTtlMs: 600_000, heartbeatMs: 5_000 },
      },
      // The node compares its clock with the database's at start: the manual clock starts at now.
      { store, clock: createManualClock(Date.now()) },
    );
    doors = [httpkomDoor(), vsphereDoor(), astrogridDoor(), agentDoor()];
  });

  after(async () => {
    await agent?.close().catch(() => {});
    await t?.stop();
    await relay?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("with the store up, each door makes a session and serves it, and refuses one it has never seen", async () => {
    for (const door of doors) {
      await door.setUp();
      door.assertWorks(await door.call("known"));
      door.assertUnknown(await door.call("never-seen"));
    }
  });

  it("with the store cut, each door answers its form of STORE_UNAVAILABLE, never of an unknown session", async () => {
    await relay.down();
    // Past the cache's staleness bound: no door may answer from what it read before the cut.
    t.clock.advance(t.app.config.sessions.sessionCacheStalenessMs + 1);
    const health = await t.request("GET", "/healthz");
    assert.equal(health.status, 503, `the store is cut: ${health.text}`);
    for (const door of doors) {
      for (const session of ["known", "never-seen"] as const) {
        const answer = await door.call(session);
        try {
          door.assertUnavailable(answer);
        } catch (error) {
          throw new Error(`${door.name}, a session ${session}: ${(error as Error).message}`, { cause: error });
        }
      }
    }
  });

  it("healed, each door serves the same session again without a restart, and refuses the unknown one again", async () => {
    await relay.up();
    await until(
      "the store answers again",
      // How long the client's reconnect takes is not the point here; a refused request means "not yet".
      () =>
        t.request("GET", "/healthz").then(
          (answer) => answer.status === 200,
          () => false,
        ),
      { guardMs: 20_000, intervalMs: 50 },
    );
    for (const door of doors) {
      door.assertWorks(await door.call("known"));
      door.assertUnknown(await door.call("never-seen"));
    }
  });
});
