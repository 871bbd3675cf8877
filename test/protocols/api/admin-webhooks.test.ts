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
import { API_PASSWORDS, assertApiError, startApiApp } from "../../helpers/api.ts";
import { testPostgres } from "../../helpers/postgres.ts";
import { startApp, type TestApp } from "../../helpers/start-app.ts";
import { startWebhookReceiver, verifyStandardWebhook, type WebhookReceiver } from "../../helpers/webhook-receiver.ts";

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
    const oldSecret = `whsec_${randomBytes(32).toString("base64")}`;
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
    let delivered = false;
    while (!delivered) {
      await b.login("admin", "admin-password");
      await b.app.webhooks.drain();
      delivered = receiver.deliveries.length > 0;
      if (!delivered) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const [first] = receiver.deliveries;
    assert.ok(first && verifyStandardWebhook(added.body.secret, first));
    assert.equal(first.json.type, "session.login");
  });
});
