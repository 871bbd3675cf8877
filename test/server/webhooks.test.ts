/**
 * Webhooks end to end, over real sockets: a sessiond app on loopback sends to a real HTTP receiver on
 * loopback. Time is the app's manual clock: a retry is due when the test moves the clock, and
 * `app.webhooks.drain()` runs the deliveries that are due, so no assertion depends on timing.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it, type TestContext } from "node:test";
import { WEBHOOK_EVENTS } from "../../src/core/webhook-settings.ts";
import { startApp, type TestApp } from "../helpers/start-app.ts";
import {
  type Delivery,
  startWebhookReceiver,
  verifyStandardWebhook,
  type WebhookReceiver,
} from "../helpers/webhook-receiver.ts";

const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const RETRY_MS = 60_000;

async function serverWithWebhooks(
  t: TestContext,
  events: readonly string[],
  delivery: Record<string, number> = {},
): Promise<{ server: TestApp; receiver: WebhookReceiver }> {
  const receiver = await startWebhookReceiver();
  const server = await startApp({
    webhooks: [{ url: receiver.url, secret: SECRET, events }],
    webhookDelivery: { firstRetryMs: RETRY_MS, maxRetryMs: RETRY_MS * 8, ...delivery },
  });
  t.after(async () => {
    await server.stop();
    await receiver.close();
  });
  return { server, receiver };
}

async function login(server: TestApp, userName: string, password: string) {
  return server.request("POST", "/api/v1/login", { body: { userName, password } });
}

const ofSession = (key: string) => (delivery: Delivery) => delivery.json.data.sessionKey === key;

describe("webhooks", () => {
  it("signs every delivery the Standard Webhooks way, and sends no secret, digest or attribute value", async (t) => {
    const { server, receiver } = await serverWithWebhooks(t, WEBHOOK_EVENTS);
    const loggedIn = await login(server, "admin", "admin-password");
    assert.equal(loggedIn.status, 201);
    const secret: string = loggedIn.body.secret;
    const key: string = loggedIn.body.session.key;
    const put = await server.request("PUT", "/api/v1/session/attributes/cart", {
      bearer: secret,
      body: { value: "attribute-value-never-sent" },
    });
    assert.equal(put.status, 204);
    assert.equal((await login(server, "typed-password-as-name", "whatever")).status, 401);
    assert.equal((await login(server, "admin", "wrong-password")).status, 401);
    assert.equal((await server.request("POST", "/api/v1/session/logout", { bearer: secret })).status, 200);
    assert.equal((await server.request("DELETE", "/api/v1/session", { bearer: secret })).status, 204);

    const ended = await receiver.waitFor((d) => d.json.type === "session.ended" && d.json.data.sessionKey === key);
    assert.equal(ended.json.data.userName, null, "logged out before it ended");
    await server.app.webhooks.drain();

    const login1 = await receiver.waitFor((d) => d.json.type === "session.login");
    assert.deepEqual(
      { ...login1.json.data, ipAddress: null },
      {
        reason: "login",
        sessionKey: key,
        sessionNumber: loggedIn.body.session.number,
        realm: "default",
        userName: "admin",
        protocol: "api",
        ipAddress: null,
        actor: null,
        detail: null,
      },
    );
    const created = await receiver.waitFor((d) => d.json.type === "user.changed");
    assert.equal(created.json.data.change, "user-created", "the bootstrap admin, made at start-up");
    const failed = receiver.deliveries.filter((d) => d.json.type === "login.failed");
    assert.equal(failed.length, 2);
    assert.deepEqual(failed.map((d) => d.json.data.userName).sort(), ["admin", null]);
    assert.ok(receiver.deliveries.some((d) => d.json.type === "session.logout"));

    for (const delivery of receiver.deliveries) {
      assert.ok(verifyStandardWebhook(SECRET, delivery), `${delivery.json.type} verifies`);
      assert.match(delivery.id, /^msg_[0-9a-f-]{36}$/);
      assert.match(delivery.timestamp, /^\d+$/);
      assert.equal(Number(delivery.timestamp), Math.floor(server.clock.now() / 1000));
      assert.ok(!verifyStandardWebhook(SECRET, { ...delivery, body: `${delivery.body} ` }), "a changed body fails");
      assert.ok(!verifyStandardWebhook(`whsec_${randomBytes(32).toString("base64")}`, delivery), "another key fails");
      for (const never of [
        secret,
        "admin-password",
        "typed-password-as-name",
        "attribute-value-never-sent",
        "$argon2",
      ]) {
        assert.ok(!delivery.body.includes(never), `${delivery.json.type} does not contain ${never}`);
      }
    }
    const ids = receiver.deliveries.map((d) => d.id);
    assert.equal(new Set(ids).size, ids.length, "each event once, each with its own id");
    assert.deepEqual(server.app.webhooks.stats(), {
      backlog: 0,
      delivered: receiver.deliveries.length,
      failed: 0,
      abandoned: 0,
      refused: 0,
    });
  });

  it("sends user changes made over the admin API in order, never with the password or its hash", async (t) => {
    const { server, receiver } = await serverWithWebhooks(t, ["user.changed", "session.ended"]);
    const admin: string = (await login(server, "admin", "admin-password")).body.secret;
    const users = "/api/v1/realms/default/users";
    const created = await server.request("POST", users, {
      bearer: admin,
      body: { name: "dora", password: "dora-first-password" },
    });
    assert.equal(created.status, 201, created.text);
    const doraSession: string = (await login(server, "dora", "dora-first-password")).body.session.key;
    const reset = await server.request("PUT", `${users}/dora/password`, {
      bearer: admin,
      body: { password: "dora-second-password" },
    });
    assert.equal(reset.status, 200, reset.text);
    assert.equal((await server.request("POST", `${users}/dora/disable`, { bearer: admin })).status, 200);
    assert.equal((await server.request("DELETE", `${users}/dora`, { bearer: admin })).status, 200);

    await receiver.waitFor((d) => d.json.data.change === "user-deleted");
    await server.app.webhooks.drain();
    const changes = receiver.deliveries.filter(
      (d) => d.json.type === "user.changed" && d.json.data.userName === "dora",
    );
    assert.deepEqual(
      changes.map((d) => [d.json.data.change, d.json.data.actor]),
      [
        ["user-created", "admin@default"],
        ["password-changed", "admin@default"],
        ["user-disabled", "admin@default"],
        ["user-deleted", "admin@default"],
      ],
    );
    const ended = await receiver.waitFor(
      (d) => d.json.type === "session.ended" && d.json.data.sessionKey === doraSession,
    );
    assert.equal(ended.json.data.reason, "terminated", "the password reset ended her session");
    for (const delivery of receiver.deliveries) {
      assert.ok(verifyStandardWebhook(SECRET, delivery));
      for (const never of ["dora-first-password", "dora-second-password", "$argon2"]) {
        assert.ok(!delivery.body.includes(never), `${delivery.json.type} does not contain ${never}`);
      }
    }
  });

  it("retries after a 500, later, with the same id and body", async (t) => {
    const { server, receiver } = await serverWithWebhooks(t, ["session.login"]);
    let answered = 0;
    receiver.answerWith(() => (answered++ === 0 ? 500 : 200));
    assert.equal((await login(server, "admin", "admin-password")).status, 201);

    const first = await receiver.waitFor(() => true);
    assert.equal(first.answer, 500);
    await server.app.webhooks.drain();
    assert.equal(receiver.deliveries.length, 1, "not again before the retry is due");
    assert.deepEqual(server.app.webhooks.stats(), { backlog: 1, delivered: 0, failed: 1, abandoned: 0, refused: 0 });

    server.clock.advance(RETRY_MS);
    await server.app.webhooks.drain();
    const second = await receiver.waitFor((d) => d.answer === 200);
    assert.equal(second.id, first.id);
    assert.equal(second.body, first.body);
    assert.ok(verifyStandardWebhook(SECRET, second));
    assert.deepEqual(server.app.webhooks.stats(), { backlog: 0, delivered: 1, failed: 1, abandoned: 0, refused: 0 });
  });

  it("delivers a session's events in order: a later one waits while an earlier one is retried", async (t) => {
    const { server, receiver } = await serverWithWebhooks(t, ["session.login", "session.logout", "session.ended"]);
    const first = await login(server, "admin", "admin-password");
    const firstKey: string = first.body.session.key;
    // The first session's login fails once; everything else is taken.
    receiver.answerWith((d) => (d.json.type === "session.login" && d.json.data.sessionKey === firstKey ? 500 : 200));
    await receiver.waitFor((d) => d.answer === 500);
    receiver.answerWith(() => 200);

    assert.equal((await server.request("POST", "/api/v1/session/logout", { bearer: first.body.secret })).status, 200);
    assert.equal((await server.request("DELETE", "/api/v1/session", { bearer: first.body.secret })).status, 204);
    const other = await login(server, "admin", "admin-password");
    const otherKey: string = other.body.session.key;
    await receiver.waitFor((d) => d.json.data.sessionKey === otherKey && d.answer === 200);
    await server.app.webhooks.drain();
    assert.deepEqual(
      receiver.deliveries.filter(ofSession(firstKey)).map((d) => [d.json.type, d.answer]),
      [["session.login", 500]],
      "another session's events go on; this one's wait behind its failed login",
    );

    server.clock.advance(RETRY_MS);
    await server.app.webhooks.drain();
    await receiver.waitFor((d) => d.json.type === "session.ended" && d.json.data.sessionKey === firstKey);
    assert.deepEqual(
      receiver.deliveries.filter(ofSession(firstKey)).map((d) => [d.json.type, d.answer]),
      [
        ["session.login", 500],
        ["session.login", 200],
        ["session.logout", 200],
        ["session.ended", 200],
      ],
    );
  });

  it("abandons an entry after its last attempt, and counts it", async (t) => {
    const { server, receiver } = await serverWithWebhooks(t, ["session.login"], { maxAttempts: 2 });
    receiver.answerWith(() => 503);
    assert.equal((await login(server, "admin", "admin-password")).status, 201);
    await receiver.waitFor(() => true);
    server.clock.advance(RETRY_MS);
    await server.app.webhooks.drain();
    server.clock.advance(RETRY_MS * 8);
    await server.app.webhooks.drain();
    assert.equal(receiver.deliveries.length, 2);
    assert.deepEqual(server.app.webhooks.stats(), { backlog: 0, delivered: 0, failed: 2, abandoned: 1, refused: 0 });
    assert.ok(server.logs.some((line) => line.includes("A webhook delivery was abandoned")));
  });

  it("refuses events past the backlog limit, and says so in its stats and its log", async (t) => {
    const { server, receiver } = await serverWithWebhooks(t, ["session.login"], { maxBacklog: 2 });
    receiver.answerWith(() => 500);
    for (let n = 0; n < 3; n++) assert.equal((await login(server, "admin", "admin-password")).status, 201);
    await server.app.webhooks.drain();
    const stats = server.app.webhooks.stats();
    assert.equal(stats.refused, 1);
    assert.equal(stats.backlog, 2);
    assert.ok(server.logs.some((line) => line.includes("The webhook outbox is full")));
  });
});
