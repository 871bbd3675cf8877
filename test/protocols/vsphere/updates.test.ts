/**
 * Waiting for updates when other things happen at the same time: a second wait of the same session,
 * the session ending while a wait reads, a filter made for a session that is ending, a watcher of
 * `sessionList`, a session that would expire during the wait. Store reads are held at a gate where a
 * race needs exact timing, so nothing here depends on luck; each test has a timeout so that a wait
 * that hangs fails instead of stopping the suite.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as ops from "../../../src/core/ops/index.ts";
import type { Store } from "../../../src/core/store/index.ts";
import { createMemoryStore } from "../../../src/store/memory/index.ts";
import { startApp, type TestApp } from "../../helpers/start-app.ts";
import {
  cookieSecret,
  faultType,
  method,
  PC,
  SI,
  SM,
  type SoapClient,
  soapClient,
  VSPHERE_REALMS,
} from "../../helpers/vsphere.ts";

const field = (body: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];

function filterOn(property: string): string {
  return method(
    "CreateFilter",
    PC,
    `<spec><propSet><type>SessionManager</type><pathSet>${property}</pathSet></propSet><objectSet><obj type="SessionManager">SessionManager</obj></objectSet></spec><partialUpdates>false</partialUpdates>`,
  );
}

const wait = (version: string, seconds: number) =>
  method(
    "WaitForUpdatesEx",
    PC,
    `<version>${version}</version><options><maxWaitSeconds>${seconds}</maxWaitSeconds></options>`,
  );

/** A memory store whose reads of one kind can be held until the test lets them go. */
function gatedStore(): { store: Store; hold(method: "getSetting" | "getSessionByKey"): () => void } {
  const store = createMemoryStore();
  const gates = new Map<string, Promise<void>>();
  for (const name of ["getSetting", "getSessionByKey"] as const) {
    const original = store[name].bind(store) as (arg: string) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[name] = async (arg: string) => {
      await gates.get(name);
      return original(arg);
    };
  }
  return {
    store,
    hold(name) {
      let release: () => void = () => {};
      gates.set(
        name,
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      );
      return () => {
        gates.delete(name);
        release();
      };
    },
  };
}

async function login(t: TestApp, userName: string, password: string): Promise<{ client: SoapClient; key: string }> {
  const client = soapClient(t.url, "pyvmomi");
  const answer = await client.call(
    method("Login", SM, `<userName>${userName}</userName><password>${password}</password>`),
  );
  assert.equal(answer.status, 200, answer.body);
  assert.ok(cookieSecret(client.cookieLine));
  return { client, key: field(answer.body, "key") ?? "" };
}

describe("vsphere: waiting for updates, with other things going on", { timeout: 30_000 }, () => {
  let t: TestApp;
  let gate: ReturnType<typeof gatedStore>;
  before(async () => {
    gate = gatedStore();
    t = await startApp({ realms: VSPHERE_REALMS, vsphere: { maxWaitSeconds: 60 } }, { store: gate.store });
  });
  after(() => t.stop());

  it("ends an older wait of the same session with RequestCanceled; the newer one gets the update", async () => {
    const watcher = await login(t, "user", "pass");
    const admin = await login(t, "root", "mypass");
    await watcher.client.call(filterOn("message"));
    const version = field((await watcher.client.call(wait("", 0))).body, "version") ?? "";
    const older = watcher.client.call(wait(version, 60));
    await watcher.client.call(method("CurrentTime", SI));
    const newer = watcher.client.call(wait(version, 60));
    assert.equal(faultType((await older).body), "RequestCanceled");
    await admin.client.call(method("UpdateServiceMessage", SM, "<message>one</message>"));
    assert.match((await newer).body, /<val xsi:type="xsd:string">one<\/val>/);
  });

  it("ends a wait with NotAuthenticated when its session ends while the wait is reading", async () => {
    const watcher = await login(t, "user", "pass");
    const admin = await login(t, "root", "mypass");
    await watcher.client.call(filterOn("message"));
    const version = field((await watcher.client.call(wait("", 0))).body, "version") ?? "";
    // The wait reads the message (getSetting) before it waits: hold that read, end the session, let go.
    const release = gate.hold("getSetting");
    const waiting = watcher.client.call(wait(version, 60));
    await new Promise((resolve) => setImmediate(resolve));
    const ended = await admin.client.call(method("TerminateSession", SM, `<sessionId>${watcher.key}</sessionId>`));
    assert.equal(ended.status, 200, ended.body);
    release();
    assert.equal(faultType((await waiting).body), "NotAuthenticated");
  });

  it("makes no filter for a session that ends while CreateFilter checks it", async () => {
    const watcher = await login(t, "user", "pass");
    const secret = cookieSecret(watcher.client.cookieLine) ?? "";
    // CreateFilter looks the session up again (getSessionByKey) once it has made room for its filters:
    // hold that, end the session meanwhile (by its secret, a lookup by digest), then let go.
    const release = gate.hold("getSessionByKey");
    const creating = watcher.client.call(filterOn("message"));
    await new Promise((resolve) => setImmediate(resolve));
    await t.app.engine.call(ops.endSession, { protocol: "vsphere", secret });
    release();
    assert.equal(faultType((await creating).body), "NotAuthenticated");
  });

  it("does not tell a sessionList watcher of calls alone: lastActiveTime and callCount are no news", async () => {
    const admin = await login(t, "root", "mypass");
    await admin.client.call(filterOn("sessionList"));
    const initial = await admin.client.call(wait("", 0));
    const version = field(initial.body, "version") ?? "";
    assert.match(initial.body, /<kind>enter<\/kind>/);
    await admin.client.call(method("CurrentTime", SI));
    const again = await admin.client.call(wait(version, 0));
    assert.equal(again.status, 200);
    assert.doesNotMatch(again.body, /<returnval>/, "nothing changed but call counts");
    // A new login is news.
    const waiting = admin.client.call(wait(version, 60));
    await login(t, "user", "pass");
    assert.match((await waiting).body, /<kind>modify<\/kind>/);
  });
});

describe("vsphere: a wait never outlasts its session", { timeout: 30_000 }, () => {
  it("answers no change before the session's deadline, so the next wait keeps it alive", async () => {
    const realms = [{ ...VSPHERE_REALMS[0], idleTimeoutSeconds: 7200, maxLifetimeSeconds: 3600 }];
    const t = await startApp({ realms, vsphere: { maxWaitSeconds: 600 } });
    try {
      const { client } = await login(t, "user", "pass");
      await client.call(filterOn("message"));
      const version = field((await client.call(wait("", 0))).body, "version") ?? "";
      // One second and a half before the session's absolute end: the wait asks for ten minutes.
      t.clock.advance(3600 * 1000 - 1500);
      const started = Date.now();
      const answer = await client.call(wait(version, 600));
      assert.equal(answer.status, 200, answer.body);

      assert.doesNotMatch(answer.body, /<returnval>/);
      assert.ok(Date.now() - started < 10_000, "it answered before the session's end, not after ten minutes");
    } finally {
      await t.stop();
    }
  });
});
