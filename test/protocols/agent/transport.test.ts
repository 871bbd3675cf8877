/**
 * The Agent front door's transport over real sockets: NUL framing however the bytes arrive, packet
 * size, bad XML and bad UTF-8, namespace-qualified packets, the echoed envelope, connection limits,
 * the close of connections that never log in, flow control, TLS, bad input of every kind, and the
 * logs.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { base64Param, connectAgent, textParam } from "../../../src/protocols/agent/client.ts";
import { agentInfo } from "../../../src/protocols/agent/door.ts";
import {
  AGENT_PASSWORDS,
  type AgentTestApp,
  errorCodeOf,
  openRaw,
  packet,
  SEED_USER_SID,
  startAgentApp,
  waitForEvent,
} from "../../helpers/agent.ts";
import { TLS_SKIP_REASON, testCertificate } from "../../helpers/tls.ts";

const GET_REALM = packet("<system><get_realm/></system>");
const ROOT_LOGIN =
  '<packet version="4.0.0" id="login"><data><system><login><name>cm9vdA==</name><password>bXlwYXNz</password></login></system></data></packet>\0';

function idOf(xml: string): string | undefined {
  return /^<packet id="([^"]*)"/.exec(xml)?.[1];
}

describe("agent: framing", () => {
  let t: AgentTestApp;
  before(async () => {
    t = await startAgentApp({ maxPacketBytes: 4096 });
  });
  after(() => t.stop());

  it("answers several packets sent in one write, in order", async () => {
    const raw = await t.raw();
    raw.send(
      [1, 2, 3, 4, 5].map((n) => packet("<system><get_realm/></system>", `version="4.0.0" id="p${n}"`)).join(""),
    );
    for (const n of [1, 2, 3, 4, 5]) assert.equal(idOf(await raw.next()), `p${n}`);
  });

  it("reads a packet that arrives one byte at a time, and one split across writes mid-character", async () => {
    const raw = await t.raw();
    const bytes = Buffer.from(packet("<system><get_realm/></system>", 'version="4.0.0" id="slow"'));
    for (const byte of bytes) {
      raw.send(Buffer.from([byte]));
      await nextTurn();
    }
    assert.equal(idOf(await raw.next()), "slow");
    // "é" is two bytes in UTF-8: split between them, the packet still decodes.
    const accented = Buffer.from(packet("<system><get_realm/></system>", 'version="4.0.0" id="é"'));
    const cut = accented.indexOf(0xc3) + 1;
    raw.send(accented.subarray(0, cut));
    await nextTurn();
    raw.send(accented.subarray(cut));
    assert.equal(idOf(await raw.next()), "é");
  });

  it("ignores empty packets and white space between packets", async () => {
    const raw = await t.raw();
    raw.send(`\0\0\n\0  \r\n\0${packet("<system><get_realm/></system>", 'version="4.0.0" id="after"')}`);
    assert.equal(idOf(await raw.next()), "after");
    assert.equal(raw.buffered.length, 0);
  });

  it("takes a packet of exactly maxPacketBytes; one byte more is code 2 and the connection closes", async () => {
    const raw = await t.raw();
    const shell = (padding: string) =>
      `<packet version="4.0.0" id="big"><cookie>${padding}</cookie><data><system><get_realm/></system></data></packet>`;
    const fits = shell("x".repeat(4096 - shell("").length));
    assert.equal(Buffer.byteLength(fits), 4096);
    raw.send(`${fits}\0`);
    const answer = await raw.next();
    assert.equal(errorCodeOf(answer), undefined, answer);
    assert.ok(answer.includes(`<cookie>${"x".repeat(4096 - shell("").length)}</cookie>`), "the cookie is echoed");

    raw.send(`${shell("x".repeat(4097 - shell("").length))}\0`);
    const refused = await raw.next();
    assert.equal(errorCodeOf(refused), 2, refused);
    await raw.closed;
  });

  it("refuses a packet that grows past the limit before its end arrives", async () => {
    const raw = await t.raw();
    raw.send("<packet>");
    raw.send("x".repeat(5000));
    assert.equal(errorCodeOf(await raw.next()), 2);
    await raw.closed;
  });

  it("answers bad XML and bad UTF-8 with code 1 and keeps the connection", async () => {
    const raw = await t.raw();
    const bad = [
      "not xml at all",
      "<packet><data>",
      "<packet id='1'><data><system><get_realm/></system></data></packet></packet>",
      '<!DOCTYPE packet [<!ENTITY x "y">]><packet/>',
      "<packet>&unknown;</packet>",
    ];
    for (const text of bad) {
      raw.send(`${text}\0`);
      const answer = await raw.next();
      assert.equal(errorCodeOf(answer), 1, `${text}: ${answer}`);
      assert.match(answer, /<origin>system<\/origin>/);
      assert.ok(!answer.includes("unknown;"), "the input is not echoed");
    }
    raw.send(
      Buffer.concat([Buffer.from("<packet id='u'>"), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from("</packet>\0")]),
    );
    const utf8 = await raw.next();
    assert.equal(errorCodeOf(utf8), 1);
    assert.match(utf8, /not valid UTF-8/);
    raw.send(GET_REALM);
    assert.equal(errorCodeOf(await raw.next()), undefined, "the connection still works");
  });

  it("answers packets it can read but that break the packet rules with code 1, echoing their id", async () => {
    const raw = await t.raw();
    const broken = [
      '<packet id="a"><target>system</target></packet>',
      '<packet id="b"><data/><data/></packet>',
      '<packet id="c"><data><system/></data></packet>',
      '<packet id="d"><data><system><get_realm/><get_realm/></system></data></packet>',
      '<packet id="e"><data><system><get_realm/></system><sessionm/></data></packet>',
      '<packet id="f"><target>sessionm</target><data><system><get_realm/></system></data></packet>',
      '<packet id="g"><session></session><data><system><get_realm/></system></data></packet>',
      '<packet id="h">text<data><system><get_realm/></system></data></packet>',
      '<envelope id="i"><data><system><get_realm/></system></data></envelope>',
    ];
    for (const text of broken) {
      raw.send(`${text}\0`);
      const answer = await raw.next();
      assert.equal(errorCodeOf(answer), 1, `${text}: ${answer}`);
      const id = /id="(\w)"/.exec(text)?.[1];
      if (id !== "i") assert.equal(idOf(answer), id);
    }
  });
});

describe("agent: the envelope", () => {
  let t: AgentTestApp;
  before(async () => {
    t = await startAgentApp();
  });
  after(() => t.stop());

  it("reads ns1-qualified and default-namespace packets as plain ones", async () => {
    const raw = await t.raw();
    const ns = "http://www.swsoft.com/webservices/vzl/4.0.0";
    raw.send(
      `<ns1:packet xmlns:ns1="${ns}/protocol" xmlns:ns2="${ns}/system" version="4.0.0" id="q1"><ns1:data><ns2:system><ns2:login><ns2:name>cm9vdA==</ns2:name><ns2:realm>00000000-0000-0000-0000-000000000000</ns2:realm><ns2:password>bXlwYXNz</ns2:password></ns2:login></ns2:system></ns1:data></ns1:packet>\0`,
    );
    const login = await raw.next();
    assert.equal(errorCodeOf(login), undefined, login);
    assert.ok(login.includes(`<user>${SEED_USER_SID}</user>`));
    raw.send(
      `<packet xmlns="${ns}/protocol" version="4.0.0" id="q2"><target>sessionm</target><data><sessionm xmlns="${ns}/sessionm"><login><name>cm9vdA==</name><password>bXlwYXNz</password><expiration>1200</expiration></login></sessionm></data></packet>\0`,
    );
    const temporary = await raw.next();
    assert.equal(idOf(temporary), "q2");
    assert.match(temporary, /<session_id>vzl\.[^<]+<\/session_id>/);
  });

  it("echoes the cookie element unchanged, namespaces and attributes included", async () => {
    const raw = await t.raw();
    raw.send(
      packet(
        "<system><get_realm/></system>",
        'xmlns:c="urn:client" version="4.0.0" id="k"',
        '<cookie a="1&amp;2"><c:ref c:n="3">x &lt; y</c:ref><plain/></cookie>',
      ),
    );
    const answer = await raw.next();
    assert.ok(
      answer.includes('<cookie a="1&amp;2"><c:ref xmlns:c="urn:client" c:n="3">x &lt; y</c:ref><plain/></cookie>'),
      answer,
    );
    assert.match(answer, /<\/target><cookie .*<\/cookie><dst>/, "after target, before dst");
  });

  it("makes up an id in the Agent's pattern when there is none, and answers version 4.0.0 to a malformed one", async () => {
    const raw = await t.raw();
    raw.send(packet("<system><get_realm/></system>", 'version="evil"'));
    const answer = await raw.next();
    assert.match(
      answer,
      /^<packet id="[0-9a-f]+c[0-9a-f]{8}t[0-9a-f]{4}" time="2026-11-22T12:00:00\+0000" priority="0" version="4\.0\.0">/,
    );
    raw.send(packet("<system><get_realm/></system>", 'version="4.5.0" id="&lt;&quot;"'));
    assert.match(await raw.next(), /^<packet id="&lt;&quot;" time="[^"]+" priority="0" version="4\.5\.0">/);
  });
});

describe("agent: connection limits", () => {
  it("refuses a connection over maxConnections with code 20 and closes it; a freed slot is taken again", async (t) => {
    const app = await startAgentApp({ maxConnections: 2 });
    t.after(() => app.stop());
    const first = await app.loggedIn();
    await app.raw();
    const third = await app.raw();
    const refused = await third.next();
    assert.equal(errorCodeOf(refused), 20, refused);
    assert.match(refused, /Too many connections/);
    await third.closed;

    const [session] = (
      await app.request("GET", "/api/v1/sessions?protocol=agent", {
        bearer: await app.login("admin", AGENT_PASSWORDS.admin),
      })
    ).body.sessions;
    const closed = waitForEvent(app.app.engine, (e) => e.type === "connection-closed" && e.sessionKey === session.key);
    await first.close();
    await closed;
    const fourth = await app.raw();
    fourth.send(GET_REALM);
    assert.equal(errorCodeOf(await fourth.next()), undefined);
  });

  it("refuses a connection over maxConnectionsPerAddress; other addresses still connect", async (t) => {
    const app = await startAgentApp({ maxConnectionsPerAddress: 1 });
    t.after(() => app.stop());
    const first = await app.raw();
    const second = await app.raw();
    assert.equal(errorCodeOf(await second.next()), 20);
    await second.closed;
    // All of 127.0.0.0/8 is loopback on Linux: 127.0.0.2 is another address on this machine.
    const other = await app.raw({ localAddress: "127.0.0.2" });
    other.send(GET_REALM);
    assert.equal(errorCodeOf(await other.next()), undefined, "another address has its own allowance");
    first.send(GET_REALM);
    assert.equal(errorCodeOf(await first.next()), undefined);
  });

  it("closes a connection that does not log in within unauthenticatedIdleSeconds, not one that did", async (t) => {
    const app = await startAgentApp({ unauthenticatedIdleSeconds: 0.3 });
    t.after(() => app.stop());
    const loggedIn = await app.raw();
    loggedIn.send(ROOT_LOGIN);
    assert.equal(errorCodeOf(await loggedIn.next()), undefined);
    // Connected after the logged-in one: had that one still a timer, it would have fired first.
    const idle = await app.raw();
    idle.send(GET_REALM);
    assert.equal(errorCodeOf(await idle.next()), undefined);
    idle.send("<packet"); // half a packet is no packet: it does not keep the connection open
    const notice = await idle.next();
    assert.equal(errorCodeOf(notice), 20, notice);
    assert.match(notice, /no packet for 0\.3 seconds/);
    await idle.closed;
    loggedIn.send(GET_REALM);
    assert.equal(errorCodeOf(await loggedIn.next()), undefined, "the logged-in connection stays open");
  });

  it("closes a connection that does not log in within loginTimeoutSeconds, however often it sends", async (t) => {
    const app = await startAgentApp({ loginTimeoutSeconds: 0.4, unauthenticatedIdleSeconds: 60 });
    t.after(() => app.stop());
    const raw = await app.raw();
    const notice = new Promise<string>((resolve) => {
      const ask = async () => {
        for (;;) {
          raw.send(GET_REALM);
          const answer = await raw.next();
          if (errorCodeOf(answer) !== undefined) return resolve(answer);
        }
      };
      void ask();
    });
    const answer = await notice;
    assert.equal(errorCodeOf(answer), 20, answer);
    assert.match(answer, /within 0\.4 seconds/);
    await raw.closed;
  });

  it("stops reading from a client that sends many packets without reading, then answers them all in order", async (t) => {
    const app = await startAgentApp({ maxQueuedPackets: 4 });
    t.after(() => app.stop());
    const raw = await app.raw();
    raw.socket.pause();
    const count = 20_000;
    let all = "";
    for (let i = 0; i < count; i++) all += packet("<system><get_realm/></system>", `version="4.0.0" id="n${i}"`);
    raw.send(all);
    // The server's answers fill the socket buffers while the client reads nothing: it must pause.
    const stats = () => agentInfo(app.app.doors)?.stats();
    for (let tries = 0; stats()?.paused !== 1; tries++) {
      assert.ok(tries < 500, "the server never paused its reading");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    raw.socket.resume();
    for (let i = 0; i < count; i++) assert.equal(idOf(await raw.next()), `n${i}`);
    assert.equal(stats()?.paused, 0, "reading resumed");
  });
});

describe("agent: bad input", () => {
  let t: AgentTestApp;
  before(async () => {
    t = await startAgentApp({ maxPacketBytes: 64 * 1024 });
  });
  after(() => t.stop());

  it("answers every kind of bad call with an error, changes nothing, and keeps serving", async () => {
    const bearer = await t.login("admin", AGENT_PASSWORDS.admin);
    const client = await t.loggedIn();
    const temporary = await client.call("sessionm", "login", [
      base64Param("name", "root"),
      base64Param("password", "mypass"),
    ]);
    const session = /<session_id>([^<]+)</.exec(temporary.xml)?.[1];
    assert.ok(session);
    const sessionsBefore = (await t.request("GET", "/api/v1/sessions", { bearer })).body.sessions.map(
      (s: { key: string }) => s.key,
    );
    const raw = await t.raw();
    raw.send(ROOT_LOGIN);
    assert.equal(errorCodeOf(await raw.next()), undefined);
    const sessionm = (call: string) =>
      packet(`<sessionm>${call}</sessionm>`, 'version="4.0.0" id="x"', "<target>sessionm</target>");
    const withSession = (call: string) =>
      packet(
        `<sessionm>${call}</sessionm>`,
        'version="4.0.0" id="x"',
        `<target>sessionm</target><session>${session}</session>`,
      );
    const cases: [string, number][] = [
      [sessionm("<login><name>cm9vdA==</name><password>d3Jvbmc=</password></login>"), 10],
      [sessionm("<login><name>!!!</name><password>bXlwYXNz</password></login>"), 5],
      [sessionm("<login><name>//79</name><password>bXlwYXNz</password></login>"), 5],
      [sessionm("<login><password>bXlwYXNz</password></login>"), 5],
      [sessionm("<login><name><b/></name><password>bXlwYXNz</password></login>"), 5],
      [sessionm("<login><name>cm9vdA==</name><name>cm9vdA==</name><password>bXlwYXNz</password></login>"), 5],
      [sessionm("<login>text<name>cm9vdA==</name></login>"), 5],
      [sessionm("<login_as><sid>AAAA</sid></login_as>"), 5],
      [sessionm("<login_as/>"), 5],
      [withSession("<put><data><key></key><value>v</value></data></put>"), 5],
      [withSession("<put><data><value>v</value></data></put>"), 5],
      [withSession("<put><data><key>a</key><value><x/></value></data></put>"), 5],
      [withSession("<put><data><key>a\u0001</key></data></put>"), 1],
      [withSession(`<put><data><key>${"k".repeat(300)}</key></data></put>`), 5],
      [
        withSession("<put><data><key>ok</key></data><data><key>a</key><value>1</value><value>2</value></data></put>"),
        5,
      ],
      [withSession("<get><key/></get>"), 5],
      [withSession("<get><key>a</key><colour>x</colour></get>"), 5],
      [withSession("<logout><session_id/></logout>"), 5],
      [packet("<system><get_realm><extra/></get_realm></system>"), 5],
      [packet('<system><login xmlns:z="urn:z"><z:name>cm9vdA==</z:name></login></system>'), 14],
      [packet("<nosuch><call/></nosuch>"), 3],
      [packet("<sessionm><__proto__/></sessionm>"), 4],
      [packet("<__proto__><x/></__proto__>"), 3],
      [`${"<a>".repeat(100)}\0`, 1],
      [`<packet ${Array.from({ length: 100 }, (_, i) => `a${i}="1"`).join(" ")}/>\0`, 1],
      ["\uFEFF<?xml version='1.0' encoding='latin1'?><packet/>\0", 1],
    ];
    for (const [text, code] of cases) {
      raw.send(text);
      const answer = await raw.next();
      assert.equal(errorCodeOf(answer), code, `${text}: ${answer}`);
    }
    const sessionsAfter = (await t.request("GET", "/api/v1/sessions", { bearer })).body.sessions.map(
      (s: { key: string }) => s.key,
    );
    // Only the raw connection's own system/login made a session.
    assert.equal(sessionsAfter.length, sessionsBefore.length + 1);
    for (const key of sessionsBefore) assert.ok(sessionsAfter.includes(key));
    const attributes = await t.request("GET", "/api/v1/session/attributes", { bearer: session });
    assert.deepEqual(attributes.body, {}, "no attribute was written");
    raw.send(GET_REALM);
    assert.equal(errorCodeOf(await raw.next()), undefined, "the connection still works");
    assert.equal((await client.call("system", "get_realm")).error, undefined, "so does the server");
  });

  it("survives random bytes and connections that drop mid-packet", async () => {
    for (let round = 0; round < 20; round++) {
      const raw = await t.raw();
      const noise = Buffer.alloc(2000);
      for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(Math.random() * 256);
      raw.send(noise);
      raw.send("<packet><data><sys");
      raw.socket.destroy();
    }
    const client = await t.client();
    assert.equal((await client.call("system", "get_realm")).error, undefined);
  });
});

describe("agent: logs", () => {
  it("never hold a password, a base64 password or a session id, even at debug level", async (t) => {
    const app = await startAgentApp({}, { log: { level: "debug" } });
    t.after(() => app.stop());
    const client = await app.loggedIn("alice");
    const made = await client.call("sessionm", "login", [
      base64Param("name", "root"),
      base64Param("password", "mypass"),
    ]);
    const session = /<session_id>([^<]+)</.exec(made.xml)?.[1];
    assert.ok(session);
    await client.call("sessionm", "login", [base64Param("name", "root"), base64Param("password", "wrong-password")]);
    await client.call("sessionm", "get", [], { session });
    await client.call("sessionm", "get", [], { session: "vzl.not-a-session" });
    await client.call("sessionm", "logout", [textParam("session_id", session)]);
    await client.close();
    const logs = app.logs.join("");
    assert.match(logs, /Agent connection opened/, "debug lines were written");
    for (const secret of [
      "mypass",
      Buffer.from("mypass").toString("base64"),
      "wrong-password",
      Buffer.from("wrong-password").toString("base64"),
      AGENT_PASSWORDS.alice,
      Buffer.from(AGENT_PASSWORDS.alice).toString("base64"),
      session,
      "vzl.",
    ]) {
      assert.ok(!logs.includes(secret), `the logs hold ${secret}`);
    }
  });
});

describe("agent: TLS", { skip: TLS_SKIP_REASON }, () => {
  let t: AgentTestApp;
  before(async () => {
    const certificate = testCertificate();
    t = await startAgentApp({ tls: { cert: certificate.cert, key: certificate.key } });
  });
  after(() => t.stop());

  it("serves the same calls on the TLS port, next to the plain one", async () => {
    assert.match(t.agentTlsUrl ?? "", /^tls:\/\/127\.0\.0\.1:\d+$/);
    const client = await connectAgent({ url: t.agentTlsUrl ?? "", ca: testCertificate().pem });
    const login = await client.call("system", "login", [
      base64Param("name", "root"),
      base64Param("password", "mypass"),
    ]);
    assert.ok(login.xml.includes(`<user>${SEED_USER_SID}</user>`), login.xml);
    const temporary = await client.call("sessionm", "login", [
      base64Param("name", "root"),
      base64Param("password", "mypass"),
      textParam("expiration", "1200"),
    ]);
    assert.match(temporary.xml, /<session_id>vzl\./);
    await client.close();
    const plain = await t.client();
    assert.equal((await plain.call("system", "get_realm")).error, undefined);
  });

  it("is refused by a client that does not trust the certificate, and speaks no plain text", async () => {
    await assert.rejects(connectAgent({ url: t.agentTlsUrl ?? "" }), /self.signed|certificate/i);
    const raw = await openRaw((t.agentTlsUrl ?? "").replace("tls:", "tcp:"));
    raw.send(GET_REALM);
    await raw.closed;
    assert.equal(raw.buffered.length, 0, "no plain-text answer on the TLS port");
  });

  it("tells a TLS connection over the limits why, after the handshake, and closes it", async (t) => {
    const certificate = testCertificate();
    const app = await startAgentApp({ tls: { cert: certificate.cert, key: certificate.key }, maxConnections: 1 });
    t.after(() => app.stop());
    const first = await connectAgent({ url: app.agentTlsUrl ?? "", ca: certificate.pem });
    const second = await connectAgent({ url: app.agentTlsUrl ?? "", ca: certificate.pem });
    await second.closed;
    assert.equal(second.unsolicited[0]?.error?.code, 20, second.unsolicited[0]?.xml);
    assert.equal((await first.call("system", "get_realm")).error, undefined);
    await first.close();
  });

  it("closes the permanent session of a TLS connection when it closes", async () => {
    const client = await connectAgent({ url: t.agentTlsUrl ?? "", ca: testCertificate().pem });
    await client.call("system", "login", [
      base64Param("name", "alice"),
      base64Param("password", AGENT_PASSWORDS.alice),
    ]);
    const closed = waitForEvent(t.app.engine, (e) => e.type === "connection-closed" && e.userName === "alice");
    await client.close();
    await closed;
  });
});

describe("agent: shutdown", () => {
  it("stop() closes every connection and ends their permanent sessions", async () => {
    const app = await startAgentApp();
    const client = await app.loggedIn("alice");
    const raw = await app.raw();
    const ended = waitForEvent(app.app.engine, (e) => e.type === "connection-closed" && e.userName === "alice");
    await app.stop();
    await ended;
    await client.closed;
    await raw.closed;
  });
});
