/**
 * Webhook endpoints over the admin API, over real sockets, with a real receiver on loopback: adding
 * one starts deliveries signed with the secret it answered, a rotation re-signs, a removal stops
 * them, and the configuration file's endpoints are shown but not changed. Refusals and bad input
 * change nothing. On a shared PostgreSQL store, an endpoint added on one node is sent to by another.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createManualClock } from "../../../src/core/clock.ts";
import { webhookIdOf, webhookSettingName } from "../../../src/core/webhook-endpoints.ts";
import { createMemoryStore } from "../../../src/store/memory/index.ts";
import { API_PASSWORDS, assertApiError, startApiApp } from "../../helpers/api.ts";
import { testPostgres } from "../../helpers/postgres.ts";
import { startApp, type TestApp } from "../../helpers/start-app.ts";
import {
  type Delivery,
  startWebhookReceiver,
  verifyStandardWebhook,
  type WebhookReceiver,
} from "../../helpers/webhook-receiver.ts";

const CONFIGURED_SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const pg = await testPostgres();

describe("webhooks over the admin API", () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let configured: WebhookReceiver;
  let admin: string;
  let alice: string;
  const as = (bearer: string, method: string, path: string, body?: unknown) =>
    t.request(method, path, body === undefined ? { bearer } : { bearer, body });
  /** The deliveries of logins of `userName` so far. */
  const loginsOf = (userName: string) =>
    receiver.deliveries.filter((d) => d.json.type === "session.login" && d.json.data.userName === userName);

  before(async () => {
    receiver = await startWebhookReceiver();
    configured = await startWebhookReceiver();
    t = await startApiApp({
      webhooks: [{ url: configured.url, secret: CONFIGURED_SECRET, events: ["session.ended"] }],
    });
    admin = await t.login("admin", API_PASSWORDS.admin);
    alice = await t.login("alice", API_PASSWORDS.alice);
  });
  after(async () => {
    await t.stop();
    await receiver.close();
    await configured.close();
  });

  it("adds an endpoint that is sent to at once, signed with the secret answered once", async () => {
    const added = await as(admin, "POST", "/api/v1/webhooks", { url: receiver.url, events: ["session.login"] });
    assert.equal(added.status, 201, added.text);
    assert.match(added.body.id, /^wh_[0-9a-f]{24}$/);
    assert.equal(added.body.url, receiver.url);
    assert.deepEqual(added.body.events, ["session.login"]);
    assert.equal(added.body.source, "api");
    assert.equal(added.body.createdBy, "admin@default");
    const secret: string = added.body.secret;
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);

    await t.login("bob", API_PASSWORDS.bob);
    const delivery = await receiver.waitFor((d) => d.json.data.userName === "bob");
    assert.equal(delivery.json.type, "session.login");
    assert.ok(verifyStandardWebhook(secret, delivery), "signed with the secret the API answered");

    const listed = await as(admin, "GET", "/api/v1/webhooks");
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      listed.body.webhooks.map((w: { url: string; source: string }) => [w.url, w.source]),
      [
        [configured.url, "config"],
        [receiver.url, "api"],
      ],
    );
    assert.doesNotMatch(listed.text, /whsec_|secret/, "no secret is ever listed");
    const one = await as(admin, "GET", `/api/v1/webhooks/${added.body.id}`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.url, receiver.url);
    assert.equal(one.body.secret, undefined);
  });

  it("rotates the secret, changes the events, and removes the endpoint", async () => {
    const [webhook] = (await as(admin, "GET", "/api/v1/webhooks")).body.webhooks.filter(
      (w: { source: string }) => w.source === "api",
    );
    // A secret in plain text, not in the whsec_ form, so that the audit check below cannot lean on it.
    const oldSecret = `plain-secret-${randomBytes(12).toString("hex")}`;
    const given = await as(admin, "PATCH", `/api/v1/webhooks/${webhook.id}`, { secret: oldSecret });
    assert.equal(given.status, 200, given.text);
    assert.equal(given.body.secret, undefined, "a secret the caller gave is not echoed");
    const rotated = await as(admin, "PATCH", `/api/v1/webhooks/${webhook.id}`, { rotateSecret: true });
    assert.equal(rotated.status, 200, rotated.text);
    const newSecret: string = rotated.body.secret;
    assert.match(newSecret, /^whsec_/);
    assert.notEqual(newSecret, oldSecret);

    const before = loginsOf("alice").length;
    await t.login("alice", API_PASSWORDS.alice);
    const delivery = await receiver.waitFor(
      (d) => loginsOf("alice").length > before && d.json.data.userName === "alice",
    );
    assert.ok(verifyStandardWebhook(newSecret, delivery), "signed with the rotated secret");
    assert.ok(!verifyStandardWebhook(oldSecret, delivery), "not with the one before");

    const changed = await as(admin, "PATCH", `/api/v1/webhooks/${webhook.id}`, {
      events: ["session.logout"],
    });
    assert.equal(changed.status, 200, changed.text);
    assert.deepEqual(changed.body.events, ["session.logout"]);
    const quiet = await t.login("alice", API_PASSWORDS.alice);
    assert.equal((await as(quiet, "POST", "/api/v1/session/logout")).status, 200);
    const logout = await receiver.waitFor((d) => d.json.type === "session.logout");
    assert.equal(logout.json.data.userName, "alice");
    assert.equal(loginsOf("alice").length, before + 1, "no login is sent once the endpoint takes only logouts");

    const removed = await as(admin, "DELETE", `/api/v1/webhooks/${webhook.id}`);
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(removed.body, { removed: true });
    assertApiError(await as(admin, "GET", `/api/v1/webhooks/${webhook.id}`), 404, "NOT_FOUND");
    assertApiError(await as(admin, "DELETE", `/api/v1/webhooks/${webhook.id}`), 404, "NOT_FOUND");
    const sent = receiver.deliveries.length;
    const last = await t.login("alice", API_PASSWORDS.alice);
    assert.equal((await as(last, "POST", "/api/v1/session/logout")).status, 200);
    await t.app.webhooks.drain();
    assert.equal(receiver.deliveries.length, sent, "nothing is sent to a removed endpoint");

    const audit = await as(admin, "GET", "/api/v1/audit?limit=1000");
    const kinds = audit.body.entries
      .filter((e: { kind: string }) => e.kind.startsWith("webhook-"))
      .map((e: { kind: string; actor: string }) => [e.kind, e.actor]);
    assert.deepEqual(kinds, [
      ["webhook-added", "admin@default"],
      ["webhook-updated", "admin@default"],
      ["webhook-updated", "admin@default"],
      ["webhook-updated", "admin@default"],
      ["webhook-removed", "admin@default"],
    ]);
    assert.doesNotMatch(audit.text, /whsec_/, "no secret reaches the audit log");
    assert.ok(!audit.text.includes(oldSecret) && !audit.text.includes(newSecret), "neither secret, in any form");
    assert.ok(
      !audit.text.includes(new URL(receiver.url).pathname),
      "the URL's path (a token, at times) is not audited",
    );
    assert.ok(audit.text.includes(new URL(receiver.url).origin), "its origin is");
  });

  it("refuses callers without Webhooks.Manage, and anonymous ones, on every route", async () => {
    const id = `wh_${"0".repeat(24)}`;
    const routes: [string, string, unknown?][] = [
      ["GET", "/api/v1/webhooks"],
      ["POST", "/api/v1/webhooks", { url: receiver.url, events: ["session.login"] }],
      ["GET", `/api/v1/webhooks/${id}`],
      ["PATCH", `/api/v1/webhooks/${id}`, { rotateSecret: true }],
      ["DELETE", `/api/v1/webhooks/${id}`],
    ];
    for (const [method, path, body] of routes) {
      const refused = await as(alice, method, path, body);
      assertApiError(refused, 403, "NO_PERMISSION");
      assert.match(refused.body.error.message, /Webhooks\.Manage/);
      const anonymous = await t.request(method, path, body === undefined ? {} : { body });
      assertApiError(anonymous, 401, "NOT_AUTHENTICATED");
    }
    const listed = await as(admin, "GET", "/api/v1/webhooks");
    assert.equal(listed.body.webhooks.length, 1, "nothing was added");
  });

  it("answers bad input with a clear error and changes nothing", async () => {
    const listedBefore = (await as(admin, "GET", "/api/v1/webhooks")).text;
    const bad: [unknown, RegExp][] = [
      [{ url: "ftp://127.0.0.1/x", events: ["session.login"] }, /url/],
      [{ url: "http://user:pw@127.0.0.1/x", events: ["session.login"] }, /url/],
      [{ url: "not a url", events: ["session.login"] }, /url/],
      [{ url: receiver.url, events: [] }, /events/],
      [{ url: receiver.url, events: ["session.exploded"] }, /events/],
      [{ url: receiver.url, events: ["session.login", "session.login"] }, /events/],
      [{ url: receiver.url, events: ["session.login"], secret: "short" }, /secret/],
      [{ url: receiver.url, events: ["session.login"], secret: "whsec_c2hvcnQ=" }, /secret/],
      [{ url: receiver.url, events: ["session.login"], owner: "me" }, /additional properties/],
      [{ events: ["session.login"] }, /url/],
    ];
    for (const [body, field] of bad) {
      const refused = await as(admin, "POST", "/api/v1/webhooks", body);
      assertApiError(refused, 400, "INVALID_ARGUMENT");
      assert.match(refused.body.error.message, field, refused.text);
    }
    const duplicate = await as(admin, "POST", "/api/v1/webhooks", { url: configured.url, events: ["session.login"] });
    assertApiError(duplicate, 409, "ALREADY_EXISTS");
    assertApiError(await as(admin, "GET", "/api/v1/webhooks/not-an-id"), 400, "INVALID_ARGUMENT");

    const configuredId = (await as(admin, "GET", "/api/v1/webhooks")).body.webhooks[0].id;
    for (const [method, body] of [
      ["PATCH", { events: ["session.login"] }],
      ["DELETE", undefined],
    ] as const) {
      const refused = await as(admin, method, `/api/v1/webhooks/${configuredId}`, body);
      assertApiError(refused, 409, "INVALID_REQUEST");
      assert.match(refused.body.error.message, /configuration file/);
    }
    assertApiError(
      await as(admin, "PATCH", `/api/v1/webhooks/${configuredId}`, { rotateSecret: true, secret: "x".repeat(20) }),
      400,
      "INVALID_ARGUMENT",
    );
    assert.equal((await as(admin, "GET", "/api/v1/webhooks")).text, listedBefore, "nothing changed");

    const added = await as(admin, "POST", "/api/v1/webhooks", { url: receiver.url, events: ["session.login"] });
    assert.equal(added.status, 201, added.text);
    const again = await as(admin, "POST", "/api/v1/webhooks", { url: receiver.url, events: ["session.ended"] });
    assertApiError(again, 409, "ALREADY_EXISTS");
    assert.equal((await as(admin, "DELETE", `/api/v1/webhooks/${added.body.id}`)).status, 200);
  });
});

describe("a webhook change racing its removal", () => {
  it("answers 404 and leaves the endpoint removed, rather than bring it back", async (t) => {
    // The store holds the change's first read of the endpoint until the removal is through: the
    // order two nodes (or two requests) may take.
    const memory = createMemoryStore();
    let hold: { reached: () => void; released: Promise<void> } | undefined;
    const store = new Proxy(memory, {
      get(target, property, receiver) {
        if (property !== "getSetting") return Reflect.get(target, property, receiver);
        return async (name: string) => {
          const value = await target.getSetting(name);
          const held = hold;
          if (held && name.startsWith("webhook:")) {
            // Read, then held: the caller goes on with what it read before the removal.
            hold = undefined;
            held.reached();
            await held.released;
          }
          return value;
        };
      },
    });
    const receiver = await startWebhookReceiver();
    const app = await startApiApp({}, { store });
    t.after(async () => {
      await app.stop();
      await receiver.close();
    });
    const admin = await app.login("admin", API_PASSWORDS.admin);
    const added = await app.request("POST", "/api/v1/webhooks", {
      bearer: admin,
      body: { url: receiver.url, events: ["session.login"] },
    });
    assert.equal(added.status, 201, added.text);
    const path = `/api/v1/webhooks/${added.body.id}`;

    let release = () => {};
    const reached = new Promise<void>((resolve) => {
      hold = { reached: resolve, released: new Promise<void>((done) => (release = done)) };
    });
    const change = app.request("PATCH", path, { bearer: admin, body: { rotateSecret: true } });
    await reached;
    assert.equal((await app.request("DELETE", path, { bearer: admin })).status, 200);
    release();
    assertApiError(await change, 404, "NOT_FOUND");
    assertApiError(await app.request("GET", path, { bearer: admin }), 404, "NOT_FOUND");
    assert.equal(await memory.getSetting(webhookSettingName(added.body.id)), null);
  });
});

describe("webhook endpoints another node added", () => {
  it("are read again before an entry for an unknown endpoint is given up", async (t) => {
    const receiver = await startWebhookReceiver();
    const configured = await startWebhookReceiver();
    // An endpoint in the file keeps this node's sender polling, as on a node that has one.
    const app = await startApp({
      webhooks: [{ url: configured.url, secret: CONFIGURED_SECRET, events: ["session.ended"] }],
    });
    t.after(async () => {
      await app.stop();
      await receiver.close();
      await configured.close();
    });
    // What another node does when it adds an endpoint and at once writes an event for it, before its
    // hint has reached this node.
    const secret = `whsec_${randomBytes(32).toString("base64")}`;
    const id = webhookIdOf(receiver.url);
    const store = app.app.engine.store;
    await store.putSettingIfAbsent(webhookSettingName(id), {
      id,
      url: receiver.url,
      secret,
      events: ["session.login"],
      createdAt: app.clock.now(),
      createdBy: "admin@default",
      updatedAt: app.clock.now(),
    });
    await store.enqueueOutbox([
      {
        id: "msg_from_another_node",
        endpoint: receiver.url,
        orderKey: null,
        eventType: "session.login",
        payload: JSON.stringify({ type: "session.login", timestamp: new Date().toISOString(), data: {} }),
        createdAt: app.clock.now(),
      },
    ]);
    await app.app.webhooks.drain();
    assert.equal(receiver.deliveries.length, 1, "sent, not abandoned");
    assert.ok(verifyStandardWebhook(secret, receiver.deliveries[0] as Delivery));
    assert.equal(app.app.webhooks.stats().abandoned, 0);
  });

  it("a node with no endpoint gives up entries left of removed ones once it starts", async (t) => {
    const store = createMemoryStore();
    await store.enqueueOutbox([
      {
        id: "msg_left_behind",
        endpoint: "http://127.0.0.1:9/removed",
        orderKey: null,
        eventType: "session.login",
        payload: "{}",
        createdAt: Date.UTC(2026, 10, 22, 12),
      },
    ]);
    const app = await startApp({}, { store });
    t.after(() => app.stop());
    await app.app.webhooks.drain();
    assert.equal(app.app.webhooks.stats().abandoned, 1);
    assert.equal(await store.countOutbox(), 0);
  });
});

describe("webhooks over the admin API on a shared PostgreSQL store", { skip: pg.skip }, () => {
  it("an endpoint added on one node is sent to by the other at once", async (t) => {
    const url = await pg.freshUrl();
    const receiver = await startWebhookReceiver();
    const nodes: TestApp[] = [];
    t.after(async () => {
      for (const node of nodes) await node.stop();
      await receiver.close();
    });
    for (const nodeId of ["node-a", "node-b"]) {
      // The nodes' clocks must agree with the database's: a manual clock that starts now.
      const clock = createManualClock(Date.now());
      nodes.push(await startApp({ nodeId, store: { driver: "postgres", url, poolSize: 2 } }, { clock }));
    }
    const [a, b] = nodes as [TestApp, TestApp];
    const admin = await a.login("admin", "admin-password");
    const added = await a.request("POST", "/api/v1/webhooks", {
      bearer: admin,
      body: { url: receiver.url, events: ["session.login"] },
    });
    assert.equal(added.status, 201, added.text);
    // Node B reads the endpoints again when node A's hint arrives: log in there until it sends.
    // At the latest after the 30 s reload; a hint takes milliseconds.
    let delivered = false;
    for (let attempt = 0; attempt < 700 && !delivered; attempt++) {
      await b.login("admin", "admin-password");
      await b.app.webhooks.drain();
      delivered = receiver.deliveries.length > 0;
      if (!delivered) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(delivered, "node B sent to the endpoint node A added");
    const [first] = receiver.deliveries;
    assert.ok(first && verifyStandardWebhook(added.body.secret, first));
    assert.equal(first.json.type, "session.login");
  });
});
