import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SessionError } from "../../../src/core/errors.ts";
import { decodeMethodCall, encodeValue } from "../../../src/protocols/astrogrid/codec.ts";
import { astrogridInfo } from "../../../src/protocols/astrogrid/door.ts";
import { parseAstrogridSettings } from "../../../src/protocols/astrogrid/settings.ts";
import { assertNoInternals } from "../../helpers/api.ts";
import { runClient } from "../../helpers/real-clients.ts";
import { startApp } from "../../helpers/start-app.ts";

const MINUTE = 60_000;

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function param(value: string | number | boolean): string {
  if (typeof value === "number") return `<param><value><int>${value}</int></value></param>`;
  if (typeof value === "boolean") return `<param><value><boolean>${value ? 1 : 0}</boolean></value></param>`;
  return `<param><value><string>${xmlEscape(value)}</string></value></param>`;
}

/** The request Python's xmlrpc.client sends. */
function methodCall(name: string, params: (string | number | boolean)[]): string {
  return `<?xml version='1.0'?>\n<methodCall>\n<methodName>${name}</methodName>\n<params>\n${params.map(param).join("\n")}\n</params>\n</methodCall>\n`;
}

interface RpcAnswer {
  status: number;
  text: string;
  /** The raw XML inside the result's `<value>`, when there is one. */
  value?: string;
  fault?: { code: string; message: string };
}

async function post(url: string, body: string, contentType = "text/xml"): Promise<RpcAnswer> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body });
  const text = await response.text();
  assertNoInternals(text);
  const answer: RpcAnswer = { status: response.status, text };
  const fault =
    /<fault><value><struct><member><name>faultCode<\/name><value><i4>(-?\d+)<\/i4><\/value><\/member><member><name>faultString<\/name><value>([\s\S]*?)<\/value><\/member><\/struct><\/value><\/fault>/.exec(
      text,
    );
  if (fault?.[1] !== undefined && fault[2] !== undefined) answer.fault = { code: fault[1], message: fault[2] };
  const value = /<params><param><value>([\s\S]*)<\/value><\/param><\/params>/.exec(text);
  if (value?.[1] !== undefined) answer.value = value[1];
  return answer;
}

function rpc(url: string, name: string, ...params: (string | number | boolean)[]): Promise<RpcAnswer> {
  return post(url, methodCall(name, params));
}

/** A successful call's raw value. */
async function ok(url: string, name: string, ...params: (string | number | boolean)[]): Promise<string> {
  const answer = await rpc(url, name, ...params);
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.fault, undefined, answer.text);
  assert.ok(answer.value !== undefined, answer.text);
  return answer.value;
}

async function fault(url: string, name: string, ...params: (string | number | boolean)[]): Promise<string> {
  const answer = await rpc(url, name, ...params);
  assert.equal(answer.status, 200, answer.text);
  assert.ok(answer.fault, `expected a fault: ${answer.text}`);
  assert.equal(answer.fault.code, "0");
  return answer.fault.message;
}

const REALMS = [
  {
    name: "default",
    users: [{ name: "admin", password: "admin-password", privileges: ["Sessions.TerminateSession"] }],
  },
  {
    name: "community",
    users: [
      { name: "username", password: "password", fullName: "User Name" },
      { name: "alice", password: "alice-password", fullName: "Alice Example" },
    ],
  },
];

/** A server whose AstroGrid sessions start in the realm `community`, unless `astrogrid` says otherwise. */
async function startAstro(astrogrid: Record<string, unknown> = { realm: "community" }) {
  const home = mkdtempSync(join(tmpdir(), "sessiond-astro-home-"));
  const t = await startApp({
    realms: REALMS,
    astrogrid: { discoveryFile: join(home, ".astrogrid-desktop"), ...astrogrid },
  });
  const root = readFileSync(join(home, ".astrogrid-desktop"), "utf8").trim();
  return {
    t,
    home,
    root,
    async stop() {
      await t.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

const PYTHON_EXAMPLE = `
# The seed's example (builtin.sessionManager javadoc), in Python 3.
from xmlrpc.client import ServerProxy as Server
from os.path import expanduser
ar = Server(open(expanduser('~/.astrogrid-desktop')).readline().strip() + 'xmlrpc')
sm = ar.builtin.sessionManager

# create a new user session (with timeout of 10 mins)
sessID = sm.createNewSession(10)

# find xmlrpc endpoint for the new session
sessURL = sm.findXmlRpcSession(sessID)

# connect to the new session
sessAR = Server(sessURL)

# work within the new session
sessAR.astrogrid.community.login("username", "password", "community")
info = sessAR.astrogrid.community.getUserInformation()
print(info["name"] + "@" + info["community"])
print(sessID)
print(sessURL)
print(sessAR.astrogrid.community.isLoggedIn())
print(ar.astrogrid.community.isLoggedIn())
print(sm.exists(sessID))
print(sm.dispose(sessID))
print(sm.exists(sessID))
print(len(ar.system.apihelp.listMethods()) > 10)
`;

describe("astrogrid: the seed's Python example", () => {
  let s: Awaited<ReturnType<typeof startAstro>>;
  before(async () => {
    // A realm named as the example's community, and no `astrogrid.realm`: the new session starts in
    // the default realm and moves into `community` when it logs in (issue 10).
    s = await startAstro({});
  });
  after(() => s.stop());

  it("runs unchanged under python3 with HOME pointed at the discovery file's folder", async (t) => {
    const probe = spawnSync("python3", ["--version"]);
    if (probe.error || probe.status !== 0) {
      t.skip("python3 is not installed (Debian package: python3)");
      return;
    }
    const script = join(s.home, "example.py");
    writeFileSync(script, PYTHON_EXAMPLE);
    // Not spawnSync: the server answering the script runs in this process.
    const run = await runClient("python3", [script], { env: { HOME: s.home } });
    assert.equal(run.status, 0, run.stderr);
    const [who, id, url, loggedIn, defaultLoggedIn, before, disposed, afterDispose, listed] = run.stdout
      .trim()
      .split("\n");
    assert.equal(who, "username@community");
    assert.match(id ?? "", /^[0-9a-f]{32}$/);
    assert.equal(url, `${s.t.url}/astrogrid/${id}/xmlrpc`);
    assert.deepEqual(
      [loggedIn, defaultLoggedIn, before, disposed, afterDispose, listed],
      ["True", "False", "True", "OK", "False", "True"],
    );
  });
});

describe("astrogrid: discovery file and default session", () => {
  it("writes the root URL as one line, mode 0600, and removes it on shutdown; off without a block", async () => {
    const s = await startAstro({ defaultUser: "alice", realm: "community" });
    const file = join(s.home, ".astrogrid-desktop");
    const text = readFileSync(file, "utf8");
    assert.match(text, /^http:\/\/127\.0\.0\.1:\d+\/astrogrid\/[0-9a-f]{32}\/\n$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(astrogridInfo(s.t.app.doors)?.rootUrl, text.trim());
    // Logged in as the default user; a server-bound session.
    assert.equal(await ok(`${s.root}xmlrpc`, "astrogrid.community.isLoggedIn"), "<boolean>1</boolean>");
    const info = await ok(`${s.root}xmlrpc`, "astrogrid.community.getUserInformation");
    assert.match(info, /<member><name>name<\/name><value>alice<\/value><\/member>/);
    assert.match(info, /<member><name>community<\/name><value>community<\/value><\/member>/);
    await s.t.stop();
    assert.equal(existsSync(file), false);
    rmSync(s.home, { recursive: true, force: true });

    const plain = await startApp();
    try {
      assert.equal(astrogridInfo(plain.app.doors), undefined);
      assert.equal((await fetch(`${plain.url}/astrogrid/`)).status, 404);
    } finally {
      await plain.stop();
    }
  });

  it("refuses bad settings naming them", () => {
    assert.equal(parseAstrogridSettings(undefined), undefined);
    assert.equal(parseAstrogridSettings({})?.prefix, "/astrogrid");
    assert.equal(parseAstrogridSettings({})?.discoveryFile, "~/.astrogrid-desktop");
    for (const bad of [{ prefix: "/" }, { prefix: "x" }, { nope: 1 }, { discoveryFile: "" }, { maxRequestBytes: 1 }]) {
      assert.throws(
        () => parseAstrogridSettings(bad),
        (e: unknown) => e instanceof SessionError && e.code === "INVALID_ARGUMENT" && /astrogrid\./.test(e.message),
      );
    }
  });
});

describe("astrogrid: builtin.sessionManager", () => {
  let s: Awaited<ReturnType<typeof startAstro>>;
  let rpcUrl: string;
  let defaultId: string;
  before(async () => {
    s = await startAstro();
    rpcUrl = `${s.root}xmlrpc`;
    defaultId = s.root.split("/").at(-2) ?? "";
  });
  after(() => s.stop());

  it("creates, finds, checks and disposes sessions (3.5 b-d)", async () => {
    const raw = await rpc(rpcUrl, "builtin.sessionManager.createNewSession", 10);
    assert.match(
      raw.text,
      /^<\?xml version="1.0" encoding="UTF-8"\?><methodResponse><params><param><value>[0-9a-f]{32}<\/value>/,
    );
    const id = raw.value ?? "";
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.exists", id), "<boolean>1</boolean>");
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.findXmlRpcSession", id), `${s.t.url}/astrogrid/${id}/xmlrpc`);
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.findHttpSession", id), `${s.t.url}/astrogrid/${id}/`);
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.findXmlRpcSession", defaultId), `${s.root}xmlrpc`);
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.findHttpSession", defaultId), s.root);
    // The new session's context works, and state set there is its own.
    const sessUrl = `${s.t.url}/astrogrid/${id}/xmlrpc`;
    assert.match(await ok(sessUrl, "system.listMethods"), /builtin.sessionManager.createNewSession/);
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.dispose", id), "OK");
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.exists", id), "<boolean>0</boolean>");
    const gone = await rpc(sessUrl, "system.listMethods");
    assert.equal(gone.status, 403);
    assert.equal(gone.text, "Astro Runtime - Forbidden\n");
    // Disposing again, an unknown id or the default session does nothing.
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.dispose", id), "OK");
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.dispose", "nosuch"), "OK");
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.dispose", defaultId), "OK");
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.exists", defaultId), "<boolean>1</boolean>");
    // exists never faults.
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.exists", "<&> not an id"), "<boolean>0</boolean>");
  });

  it("answers find* of an unknown id with an InvalidArgumentException fault (3.5 d)", async () => {
    const answer = await rpc(rpcUrl, "builtin.sessionManager.findXmlRpcSession", "nosuch");
    assert.match(
      answer.text,
      /<methodResponse><fault><value><struct><member><name>faultCode<\/name><value><i4>0<\/i4><\/value><\/member><member><name>faultString<\/name><value>nosuch , org.astrogrid.acr.InvalidArgumentException<\/value><\/member><\/struct><\/value><\/fault><\/methodResponse>$/,
    );
    assert.equal(
      await fault(rpcUrl, "builtin.sessionManager.findHttpSession", "0123456789abcdef0123456789abcdef"),
      "0123456789abcdef0123456789abcdef , org.astrogrid.acr.InvalidArgumentException",
    );
    assert.equal(
      await fault(rpcUrl, "builtin.sessionManager.findHttpSession", "a b"),
      "Unknown session id , org.astrogrid.acr.InvalidArgumentException",
    );
  });

  it("expires an idle session after its minutes, and every call in it resets the timer (3.5 f)", async () => {
    const id = await ok(rpcUrl, "builtin.sessionManager.createNewSession", 1);
    const sessUrl = `${s.t.url}/astrogrid/${id}/xmlrpc`;
    s.t.clock.advance(30_000);
    await s.t.app.engine.sweep();
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.exists", id), "<boolean>1</boolean>");
    s.t.clock.advance(15_000); // 45 s: a call in the session
    await ok(sessUrl, "system.configuration.listKeys");
    s.t.clock.advance(20_000); // 65 s: alive thanks to the call at 45 s
    await s.t.app.engine.sweep();
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.exists", id), "<boolean>1</boolean>");
    // Calls on the default session (exists, find) are not activity of the other session.
    s.t.clock.advance(35_000); // 100 s
    await ok(rpcUrl, "builtin.sessionManager.findXmlRpcSession", id);
    s.t.clock.advance(6_000); // 106 s: a minute after 45 s
    await s.t.app.engine.sweep();
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.exists", id), "<boolean>0</boolean>");
    assert.equal((await rpc(sessUrl, "system.listMethods")).status, 403);
    // The default session never expires.
    s.t.clock.advance(365 * 24 * 60 * MINUTE);
    await s.t.app.engine.sweep();
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.exists", defaultId), "<boolean>1</boolean>");
  });

  it("refuses timeouts that are not a whole number of minutes from 1", async () => {
    assert.match(await fault(rpcUrl, "builtin.sessionManager.createNewSession", 0), /InvalidArgumentException$/);
    assert.match(
      await fault(rpcUrl, "builtin.sessionManager.createNewSession", "ten"),
      /^inactivityTimeout must be a whole number , org.astrogrid.acr.InvalidArgumentException$/,
    );
    assert.match(await ok(rpcUrl, "builtin.sessionManager.createNewSession", "5"), /^[0-9a-f]{32}$/);
  });
});

describe("astrogrid: sessions, state and login", () => {
  let s: Awaited<ReturnType<typeof startAstro>>;
  let rpcUrl: string;
  const open = async () => {
    const id = await ok(rpcUrl, "builtin.sessionManager.createNewSession", 10);
    return { id, url: `${s.t.url}/astrogrid/${id}/xmlrpc` };
  };
  before(async () => {
    s = await startAstro();
    rpcUrl = `${s.root}xmlrpc`;
  });
  after(() => s.stop());

  it("keeps each session's state to itself", async () => {
    const a = await open();
    const b = await open();
    assert.equal(await ok(a.url, "session.state.set", "colour", "red <&>"), "OK");
    assert.equal(await ok(b.url, "session.state.set", "colour", "blue"), "OK");
    assert.equal(await ok(a.url, "session.state.get", "colour"), "red &lt;&amp;&gt;");
    assert.equal(await ok(b.url, "session.state.get", "colour"), "blue");
    assert.equal(await ok(rpcUrl, "session.state.get", "colour"), "NULL");
    assert.equal(
      await ok(a.url, "session.state.list"),
      "<struct><member><name>colour</name><value>red &lt;&amp;&gt;</value></member></struct>",
    );
    assert.equal(await ok(a.url, "session.state.delete", "colour"), "OK");
    assert.equal(await ok(a.url, "session.state.get", "colour"), "NULL");
    assert.equal(await ok(b.url, "session.state.get", "colour"), "blue");
  });

  it("logs in with community as realm, logs out, and reports faults for bad logins", async () => {
    const a = await open();
    assert.equal(await ok(a.url, "astrogrid.community.isLoggedIn"), "<boolean>0</boolean>");
    assert.equal(
      await fault(a.url, "astrogrid.community.getUserInformation"),
      "This session is not logged in: log in first. , org.astrogrid.acr.SecurityException",
    );
    assert.equal(
      await fault(a.url, "astrogrid.community.login", "username", "wrong", "community"),
      "Cannot complete login due to an incorrect user name or password. , org.astrogrid.acr.SecurityException",
    );
    assert.match(
      await fault(a.url, "astrogrid.community.login", "x", "y", "nosuch"),
      / , org.astrogrid.acr.NotFoundException$/,
    );
    assert.equal(await ok(a.url, "astrogrid.community.login", "username", "password", ""), "OK");
    assert.equal(await ok(a.url, "astrogrid.community.isLoggedIn"), "<boolean>1</boolean>");
    assert.match(await ok(a.url, "astrogrid.community.getUserInformation"), /<name>fullName<\/name><value>User Name</);
    assert.equal(await ok(a.url, "astrogrid.community.logout"), "OK");
    assert.equal(await ok(a.url, "astrogrid.community.logout"), "OK");
    assert.equal(await ok(a.url, "astrogrid.community.isLoggedIn"), "<boolean>0</boolean>");
  });

  it("moves a session that is not logged in into the community it logs in to; a logged-in one keeps its own", async () => {
    const a = await open();
    assert.equal(await ok(a.url, "astrogrid.community.login", "admin", "admin-password", "default"), "OK");
    const info = await ok(a.url, "astrogrid.community.getUserInformation");
    assert.match(info, /<member><name>community<\/name><value>default<\/value><\/member>/);
    assert.equal(
      await fault(a.url, "astrogrid.community.login", "username", "password", "community"),
      "This session is logged in to another community: call astrogrid.community.logout first, then log in. , " +
        "org.astrogrid.acr.NotApplicableException",
    );
    assert.equal(await ok(a.url, "astrogrid.community.logout"), "OK");
    assert.equal(await ok(a.url, "astrogrid.community.login", "username", "password", "community"), "OK");
    assert.match(
      await ok(a.url, "astrogrid.community.getUserInformation"),
      /<member><name>community<\/name><value>community<\/value><\/member>/,
    );
    // Same community again: a logged-in session may log in as someone else there, as before.
    assert.equal(await ok(a.url, "astrogrid.community.login", "alice", "alice-password", ""), "OK");
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.dispose", a.id), "OK");
  });

  it("shows its sessions in the JSON API, and terminating one there makes its context 403", async () => {
    const a = await open();
    await ok(a.url, "astrogrid.community.login", "alice", "alice-password", "community");
    const admin = await s.t.login("admin", "admin-password");
    const list = await s.t.request("GET", "/api/v1/sessions?protocol=astrogrid", { bearer: admin });
    assert.equal(list.status, 200, list.text);
    const sessions = list.body.sessions as { key: string; userName: string | null; binding: string | null }[];
    assert.ok(
      sessions.some((x) => x.binding === "server"),
      "the default session is listed",
    );
    const alice = sessions.find((x) => x.userName === "alice");
    assert.ok(alice, list.text);
    const ended = await s.t.request("DELETE", `/api/v1/sessions/${alice.key}`, { bearer: admin });
    assert.ok(ended.status < 300, ended.text);
    const gone = await rpc(a.url, "session.state.list");
    assert.equal(gone.status, 403);
    assert.equal(await ok(rpcUrl, "builtin.sessionManager.exists", a.id), "<boolean>0</boolean>");
    // The id is a secret like any other: it works as a bearer on the JSON API.
    const b = await open();
    const me = await s.t.request("GET", "/api/v1/session", { bearer: b.id });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.session.protocol, "astrogrid");
    assert.equal(me.body.session.idleTimeoutMs, 10 * MINUTE);
  });

  it("serves introspection and configuration", async () => {
    const methods = await ok(rpcUrl, "system.listMethods");
    for (const name of [
      "builtin.sessionManager.dispose",
      "astrogrid.community.login",
      "session.state.get",
      "system.methodHelp",
    ]) {
      assert.ok(methods.includes(`<value>${name}</value>`), name);
    }
    assert.equal(await ok(rpcUrl, "system.apihelp.listMethods"), methods);
    assert.match(await ok(rpcUrl, "system.methodHelp", "builtin.sessionManager.exists"), /exists/);
    assert.equal(
      await ok(rpcUrl, "system.methodSignature", "builtin.sessionManager.createNewSession"),
      "<array><data><value><array><data><value>string</value><value>int</value></data></array></value></data></array>",
    );
    assert.equal(await fault(rpcUrl, "system.methodHelp", "no.such.method"), "no.such.method is not available");
    assert.match(await ok(rpcUrl, "builtin.sessionManager.__str__"), /builtin.sessionManager: .*createNewSession/);
    const keys = await ok(rpcUrl, "system.configuration.listKeys");
    assert.match(keys, /<value>sessiond.astrogrid.prefix<\/value>/);
    assert.equal(await ok(rpcUrl, "system.configuration.getKey", "sessiond.astrogrid.prefix"), "/astrogrid");
    assert.equal(await ok(rpcUrl, "system.configuration.getKey", "nosuch"), "NULL");
  });
});

describe("astrogrid: faults and malformed requests", () => {
  let s: Awaited<ReturnType<typeof startAstro>>;
  let rpcUrl: string;
  before(async () => {
    s = await startAstro({ maxRequestBytes: 4096 });
    rpcUrl = `${s.root}xmlrpc`;
  });
  after(() => s.stop());

  it("faults wrong parameter counts and unknown methods", async () => {
    assert.equal(
      await fault(rpcUrl, "builtin.sessionManager.createNewSession"),
      "Incorrect number of parameters:builtin.sessionManager.createNewSession takes 1 parameters",
    );
    assert.equal(
      await fault(rpcUrl, "builtin.sessionManager.exists", "a", "b"),
      "Incorrect number of parameters:builtin.sessionManager.exists takes 1 parameters",
    );
    assert.equal(
      await fault(rpcUrl, "builtin.sessionManager.nothing"),
      "builtin.sessionManager.nothing is not available",
    );
    assert.equal(
      await fault(rpcUrl, "builtin.sessionManager.exists", 5),
      "sessionId must be a string , org.astrogrid.acr.InvalidArgumentException",
    );
  });

  it("answers malformed XML with a fault, never a 500 or a stack", async () => {
    const bodies = [
      "",
      "not xml",
      "<methodCall><methodName>system.listMethods</methodName>",
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><methodCall><methodName>&a;</methodName></methodCall>',
      "<methodCall><methodName>system.listMethods</methodName><params><param><value><nil/></value></param></params></methodCall>",
      "<methodCall><methodName>system.listMethods</methodName><params><param><value><i8>1</i8></value></param></params></methodCall>",
      '<methodCall a="1"><methodName>x.y</methodName></methodCall>',
      "<methodCall><methodName>a&unknown;</methodName></methodCall>",
      "<methodCall><methodName>bad name!</methodName></methodCall>",
      "<methodCall><methodName>x.y</methodName></methodCall><methodCall/>",
      `<methodCall><methodName>x.y</methodName><params><param>${"<value><array><data>".repeat(40)}</data></array></value></param></params></methodCall>`,
      `<methodCall><methodName>x.y</methodName><params><param><value>${"x".repeat(5000)}</value></param></params></methodCall>`,
      "<?xml version='1.0' encoding='ISO-8859-1'?><methodCall><methodName>x.y</methodName></methodCall>",
    ];
    for (const body of bodies) {
      const answer = await post(rpcUrl, body);
      assert.equal(answer.status, 200, `${body.slice(0, 60)}: ${answer.text}`);
      assert.ok(answer.fault, `${body.slice(0, 60)}: ${answer.text}`);
      assert.match(answer.fault.message, / , org.astrogrid.acr.(InvalidArgument|Service)Exception$/);
    }
  });

  it("parses what Python sends, and writes plain XML-RPC", () => {
    const call = decodeMethodCall(
      "<?xml version='1.0'?>\n<methodCall>\n<methodName>a.b.c</methodName>\n<params>\n" +
        "<param><value><int>10</int></value></param><param><value>plain &amp; &#x41;&#66;</value></param>" +
        "<param><value><struct><member><name>__proto__</name><value><boolean>1</boolean></value></member></struct></value></param>" +
        "<param><value><array><data><value><double>1.5</double></value></data></array></value></param>" +
        "<param><value><![CDATA[<raw>]]></value></param>" +
        "</params>\n</methodCall>\n",
    );
    assert.equal(call.methodName, "a.b.c");
    assert.equal(call.params[0], 10);
    assert.equal(call.params[1], "plain & AB");
    const struct = call.params[2] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(struct), null);
    assert.deepEqual(Object.entries(struct), [["__proto__", true]]);
    assert.equal(call.params[4], "<raw>");
    assert.equal(encodeValue("a\u0000<b>"), "<value>a\uFFFD&lt;b&gt;</value>");
    assert.equal(encodeValue(true), "<value><boolean>1</boolean></value>");
    assert.equal(encodeValue(7), "<value><i4>7</i4></value>");
  });

  it("answers 403 outside a live context", async () => {
    for (const path of ["/astrogrid/", "/astrogrid/0123456789abcdef0123456789abcdef/xmlrpc", "/astrogrid/x/xmlrpc"]) {
      const res = await fetch(`${s.t.url}${path}`, { method: "POST", body: methodCall("system.listMethods", []) });
      assert.equal(res.status, 403, path);
      assert.equal(await res.text(), "Astro Runtime - Forbidden\n");
    }
    const get = await fetch(
      `${s.t.url}/astrogrid/0123456789abcdef0123456789abcdef/builtin/sessionManager/exists/plain?sessionId=x`,
    );
    assert.equal(get.status, 403);
    // Inside a live context, an unknown path is forbidden too (there is nothing there).
    assert.equal((await fetch(`${s.root}nothing/here`)).status, 403);
  });
});

describe("astrogrid: the HTTP function-call binding (3.4)", () => {
  let s: Awaited<ReturnType<typeof startAstro>>;
  before(async () => {
    s = await startAstro();
  });
  after(() => s.stop());

  const get = async (path: string) => {
    const res = await fetch(`${s.root}${path}`);
    const text = await res.text();
    assertNoInternals(text);
    return { status: res.status, type: res.headers.get("content-type") ?? "", text };
  };

  it("calls methods with GET and POST forms and answers text/plain", async () => {
    const created = await get("builtin/sessionManager/createNewSession/plain?inactivityTimeout=10");
    assert.equal(created.status, 200, created.text);
    assert.match(created.type, /^text\/plain/);
    assert.match(created.text, /^[0-9a-f]{32}\n$/);
    const id = created.text.trim();
    assert.equal((await get(`builtin/sessionManager/exists/plain?sessionId=${id}`)).text, "true\n");
    assert.equal(
      (await get(`builtin/sessionManager/findHttpSession/plain?sessionId=${id}`)).text,
      `${s.t.url}/astrogrid/${id}/\n`,
    );
    const base = `${s.t.url}/astrogrid/${id}/`;
    const set = await fetch(`${base}session/state/set/plain`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "key=k1&value=v+1",
    });
    assert.equal(await set.text(), "OK\n");
    await fetch(`${base}session/state/set/plain?key=k2&value=v2`);
    assert.equal(await (await fetch(`${base}session/state/list/plain`)).text(), "k1=v 1\tk2=v2\n");
    assert.match(await (await fetch(`${base}system/configuration/listKeys/plain`)).text(), /^sessiond\.[\s\S]*\n$/);
    const dispose = await get(`builtin/sessionManager/dispose/plain?sessionId=${id}`);
    assert.equal(dispose.text, "OK\n");
    assert.equal((await fetch(`${base}session/state/list/plain`)).status, 403);
  });

  it("answers errors with 500 and a short message, no stack", async () => {
    const cases: [string, RegExp][] = [
      [
        "builtin/sessionManager/findHttpSession/plain?sessionId=nosuch",
        /^nosuch , org.astrogrid.acr.InvalidArgumentException\n$/,
      ],
      [
        "builtin/sessionManager/findHttpSession/plain",
        /^Incorrect number of parameters:builtin.sessionManager.findHttpSession takes 1 parameters\n$/,
      ],
      ["no/such/method/plain", /^no.such.method is not available\n$/],
      ["builtin/sessionManager/createNewSession/plain?inactivityTimeout=x", /InvalidArgumentException\n$/],
      ["builtin/sessionManager/exists/json?sessionId=x", /^The result type must be plain or html\n$/],
      ["nosuch/", /is not available/],
    ];
    for (const [path, expected] of cases) {
      const res = await get(path);
      assert.equal(res.status, 500, `${path}: ${res.text}`);
      assert.match(res.type, /^text\/plain/);
      assert.match(res.text, expected, path);
    }
  });

  it("serves simple HTML documentation pages", async () => {
    const root = await get("");
    assert.equal(root.status, 200);
    assert.match(root.type, /^text\/html/);
    assert.match(root.text, /href="builtin\/"/);
    assert.match((await get("builtin/")).text, /href="sessionManager\/"/);
    assert.match((await get("builtin/sessionManager/")).text, /href="createNewSession\/"/);
    assert.match((await get("builtin/sessionManager/createNewSession/")).text, /name="inactivityTimeout"/);
    assert.match((await get("builtin/sessionManager/exists/html?sessionId=x")).text, /<pre>false<\/pre>/);
    assert.match((await get("xmlrpc")).type, /^text\/html/);
  });
});
