/**
 * Golden request/answer pairs for every method of the vSphere front door, replayed in each of the three
 * client dialects (pyVmomi, rbvmomi, govmomi: envelopes, SOAPAction, chunked bodies, cookie forms).
 * Each fixture in `test/fixtures/vsphere/` holds the request's method element and the answer. Every
 * dialect must get the very same answer, and request and answer must equal the fixture once the values that differ per run are replaced by placeholders: session
 * keys by `{{uuid1}}`, `{{uuid2}}`… and secrets by `{{secret1}}`… in order of first appearance, so a
 * fixture still shows that the key in `currentSession` is the one `Login` answered.
 *
 * Times do not vary: the server's clock is the tests' manual clock. After a deliberate change of the
 * wire form, `UPDATE_GOLDEN=1 npm test -- vsphere/golden` rewrites the fixtures; review the diff.
 */

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { startApp, type TestApp } from "../../helpers/start-app.ts";
import {
  DIALECTS,
  type Dialect,
  envelope,
  method,
  PC,
  post,
  retrieveProperties,
  retrievePropertiesEx,
  SI,
  SM,
  type SoapAnswer,
  soapClient,
  VSPHERE_REALMS,
  xsiType,
} from "../../helpers/vsphere.ts";

const FIXTURES = fileURLToPath(new URL("../../fixtures/vsphere/", import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const USER_AGENT = "golden-client/1.0";

/** Replaces what differs per run with numbered placeholders, the same value with the same number. */
function normalizer(dataDir: string) {
  const seen = new Map<string, string>();
  const counts = { uuid: 0, secret: 0 };
  const placeholder = (kind: "uuid" | "secret", value: string) => {
    let name = seen.get(value);
    if (!name) {
      counts[kind] += 1;
      name = `{{${kind}${counts[kind]}}}`;
      seen.set(value, name);
    }
    return name;
  };
  return (text: string) =>
    text
      .replaceAll(dataDir, "{{dataDir}}")
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (v) => placeholder("uuid", v))
      .replace(/\b[0-9a-f]{40}\b/g, (v) => placeholder("secret", v))
      .replace(/\/[0-9a-f]{32}\.ticket/g, "/{{file}}.ticket");
}

/**
 * A fixture: the request (its first line, then the method element, which is the same in every
 * dialect but for how `xsi:type` is written: shown as pyVmomi writes it), then the answer's status,
 * content type, cookie and body.
 */
function render(request: string, answer: SoapAnswer): string {
  const lines = [`HTTP ${answer.status}`, `content-type: ${answer.headers["content-type"] ?? ""}`];
  if (answer.setCookie !== undefined) lines.push(`set-cookie: ${answer.setCookie}`);
  return `${request}\n\n${lines.join("\n")}\n\n${answer.body}\n`;
}

/** Compares with the fixture (or writes it, with UPDATE_GOLDEN=1). */
function matches(name: string, actual: string): void {
  const file = `${FIXTURES}${name}.http`;
  if (UPDATE) {
    mkdirSync(FIXTURES, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `missing fixture ${name}.http (run with UPDATE_GOLDEN=1 to write it)`);
  assert.equal(actual, readFileSync(file, "utf8"), `answer differs from fixture ${name}.http`);
}

/** The same conversation in one dialect against a fresh server; each answer checked against its fixture. */
async function conversation(dialect: Dialect): Promise<void> {
  const t = await startApp({ realms: VSPHERE_REALMS });
  try {
    const normalize = normalizer(t.dataDir);
    const client = () => soapClient(t.url, dialect, { userAgent: USER_AGENT });
    const root = client();
    const user = client();
    const anonymous = client();
    /** `body` is the method element, or a function of the dialect when the dialects write it differently. */
    const step = async (name: string, who: ReturnType<typeof client>, body: string | ((d: Dialect) => string)) => {
      const sent = typeof body === "string" ? body : body(dialect);
      const shown = typeof body === "string" ? body : body("pyvmomi");
      const answer = await who.call(sent);
      matches(name, normalize(render(`POST /sdk\n${shown}`, answer)));
      return answer;
    };
    const keyOf = (answer: SoapAnswer) => /<key>([^<]+)<\/key>/.exec(answer.body)?.[1] ?? "";

    await step("RetrieveServiceContent", anonymous, method("RetrieveServiceContent", SI));
    await step("currentSession-anonymous", anonymous, retrievePropertiesEx(SM, ["currentSession"]));
    await step(
      "TerminateSession-not-authenticated",
      anonymous,
      method("TerminateSession", SM, "<sessionId>x</sessionId>"),
    );
    await step("Login-invalid", anonymous, method("Login", SM, "<userName>user</userName><password>wrong</password>"));
    await step(
      "Login-invalid-locale",
      anonymous,
      method("Login", SM, "<userName>user</userName><password>pass</password><locale>xx_YY</locale>"),
    );
    const rootLogin = await step(
      "Login",
      root,
      method("Login", SM, "<userName>root</userName><password>mypass</password>"),
    );
    const userLogin = await step(
      "Login-locale",
      user,
      method("Login", SM, "<userName>user</userName><password>pass</password><locale>en_US</locale>"),
    );
    await step("currentSession", root, retrievePropertiesEx(SM, ["currentSession"]));
    await step("content", root, retrievePropertiesEx(SI, ["content"]));
    await step("sessionList", root, retrievePropertiesEx(SM, ["sessionList"]));
    await step("sessionList-no-permission", user, retrievePropertiesEx(SM, ["sessionList"]));
    await step("RetrieveProperties-locales", root, (d) =>
      retrieveProperties(d, SM, ["defaultLocale", "supportedLocaleList", "message", "messageLocaleList"]),
    );
    await step("RetrievePropertiesEx-invalid-property", root, retrievePropertiesEx(SM, ["nonsense"]));
    await step(
      "UpdateServiceMessage-no-permission",
      user,
      method("UpdateServiceMessage", SM, "<message>Hello</message>"),
    );
    await step(
      "UpdateServiceMessage",
      root,
      method("UpdateServiceMessage", SM, "<message>Back at noon &amp; later</message>"),
    );
    await step("message", user, retrievePropertiesEx(SM, ["message"]));
    await step("SetLocale", user, method("SetLocale", SM, "<locale>de</locale>"));
    await step("SetLocale-invalid", user, method("SetLocale", SM, "<locale>fr</locale>"));
    await step(
      "SessionIsActive-true",
      root,
      method("SessionIsActive", SM, `<sessionID>${keyOf(userLogin)}</sessionID><userName>user</userName>`),
    );
    await step(
      "SessionIsActive-false",
      root,
      method("SessionIsActive", SM, `<sessionID>${keyOf(userLogin)}</sessionID><userName>root</userName>`),
    );
    const ticket = await step("AcquireCloneTicket", user, method("AcquireCloneTicket", SM));
    const cloneTicket = /<returnval>([^<]+)</.exec(ticket.body)?.[1] ?? "";
    const cloned = client();
    const clone = await step(
      "CloneSession",
      cloned,
      method("CloneSession", SM, `<cloneTicket>${cloneTicket}</cloneTicket>`),
    );
    await step("CloneSession-used", client(), method("CloneSession", SM, `<cloneTicket>${cloneTicket}</cloneTicket>`));
    await step("AcquireGenericServiceTicket", user, (d) =>
      method(
        "AcquireGenericServiceTicket",
        SM,
        `<spec${xsiType(d, "SessionManagerHttpServiceRequestSpec")}><method>httpGet</method><url>https://localhost/sdk/vim25/8.0.3.0/SessionManager/SessionManager/currentSession</url></spec>`,
      ),
    );
    await step("AcquireLocalTicket", anonymous, method("AcquireLocalTicket", SM, "<userName>user</userName>"));
    await step(
      "TerminateSession-own",
      root,
      method("TerminateSession", SM, `<sessionId>${keyOf(rootLogin)}</sessionId>`),
    );
    await step(
      "TerminateSession-unknown",
      root,
      method("TerminateSession", SM, "<sessionId>00000000-0000-4000-8000-000000000000</sessionId>"),
    );
    await step("TerminateSession", root, method("TerminateSession", SM, `<sessionId>${keyOf(clone)}</sessionId>`));
    await step("currentSession-terminated", cloned, retrievePropertiesEx(SM, ["currentSession"]));
    await step("ImpersonateUser-no-permission", user, method("ImpersonateUser", SM, "<userName>root</userName>"));
    await step("LoginByToken", anonymous, method("LoginByToken", SM));
    await step("MethodNotFound", root, method("RebootHost_Task", SM));
    await step("MethodNotFound-anonymous", anonymous, method("RebootHost_Task", SM));
    await step("ManagedObjectNotFound", root, method("Destroy_Task", ["VirtualMachine", "vm-42"]));
    await step("CurrentTime", root, method("CurrentTime", SI));
    const filterSpec = `<spec><propSet><type>SessionManager</type><pathSet>message</pathSet></propSet><objectSet><obj type="SessionManager">SessionManager</obj></objectSet></spec><partialUpdates>false</partialUpdates>`;
    await step("CreateFilter", root, method("CreateFilter", PC, filterSpec));
    await step(
      "WaitForUpdatesEx-initial",
      root,
      method("WaitForUpdatesEx", PC, "<version></version><options><maxWaitSeconds>0</maxWaitSeconds></options>"),
    );
    await step(
      "WaitForUpdatesEx-no-change",
      root,
      method("WaitForUpdatesEx", PC, "<version>1</version><options><maxWaitSeconds>0</maxWaitSeconds></options>"),
    );
    await step("WaitForUpdatesEx-stale-version", root, method("WaitForUpdatesEx", PC, "<version>7</version>"));
    await step(
      "DestroyPropertyFilter",
      root,
      method("DestroyPropertyFilter", ["PropertyFilter", "session[1]filter-1"]),
    );
    await step("ImpersonateUser", root, method("ImpersonateUser", SM, "<userName>user</userName>"));
    await step("Logout", user, method("Logout", SM));
    await step("currentSession-after-logout", user, retrievePropertiesEx(SM, ["currentSession"]));
  } finally {
    await t.stop();
  }
}

describe("vsphere: golden answers for every method, in every client dialect", () => {
  for (const dialect of DIALECTS) {
    it(`${dialect}: every answer equals its fixture`, async () => {
      await conversation(dialect);
    });
  }
});

describe("vsphere: golden answers outside a method call", () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ realms: VSPHERE_REALMS });
  });
  after(() => t.stop());

  it("serves vimServiceVersions.xml for pyVmomi's and govmomi's version probe", async () => {
    const answer = await post(
      new URL("/sdk/vimServiceVersions.xml", t.url),
      {},
      Buffer.alloc(0),
      false,
      undefined,
      "GET",
    );
    matches("vimServiceVersions", render("GET /sdk/vimServiceVersions.xml", answer));
  });

  it("answers an envelope that does not parse with a client fault", async () => {
    const client = soapClient(t.url, "pyvmomi");
    const raw = envelope("pyvmomi", "<Login xmlns='urn:vim25'>").slice(0, -20);
    const answer = await client.call("", { rawEnvelope: raw });
    matches("malformed", render(`POST /sdk (the whole body)\n${raw}`, answer));
  });
});
