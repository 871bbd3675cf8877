/**
 * What a stranger can make the server hold, over real sockets: each limit on anonymous sessions is
 * exceeded, the excess is refused with `LIMIT_EXCEEDED` in the door's own error form, a client beside
 * it (another address, or a logged-in user) is served, and the server recovers by itself as time passes.
 * Clients at other addresses are 127.0.0.2 and 127.0.0.3.
 *
 * @see issue 15, part 3
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertApiError } from "../helpers/api.ts";
import { requestFrom } from "../helpers/from-address.ts";
import { startApp, type TestApp } from "../helpers/start-app.ts";

const ADMIN = "admin-password";
const MINUTE = 60_000;

async function createAnonymous(t: TestApp, body: Record<string, unknown> = {}) {
  return t.request("POST", "/api/v1/sessions", { body });
}

async function created(t: TestApp, body: Record<string, unknown> = {}): Promise<{ secret: string; session: any }> {
  const res = await createAnonymous(t, body);
  assert.equal(res.status, 201, res.text);
  return res.body;
}

/** Lets the engine sweep now (its timer runs on real time; the test's clock is manual). */
async function sweep(t: TestApp): Promise<void> {
  await t.app.engine.sweep();
}

describe("anonymous sessions: creations per minute per address (per node)", () => {
  it("refuses the excess on every door, serves other addresses and logins, and refills as time passes", async (ctx) => {
    const t = await startApp({ sessions: { anonymousCreationsPerMinute: 3 }, httpkom: {} });
    ctx.after(() => t.stop());
    for (let i = 0; i < 3; i++) await created(t);
    const refused = await createAnonymous(t);
    assertApiError(refused, 429, "LIMIT_EXCEEDED");
    assert.match(refused.body.error.message, /created 3 sessions in the last minute.*try again in \d+ s/);
    // The same limit on another door, in that door's error form.
    const kom = await t.request("POST", "/httpkom/default/sessions/", {
      body: { client: { name: "jskom", version: "1" } },
    });
    assert.equal(kom.status, 400, kom.text);
    assert.equal(kom.body.error_type, "httpkom");
    assert.match(kom.body.error_msg, /in the last minute/);

    const beside = await requestFrom(t.url, "127.0.0.2", "POST", "/api/v1/sessions", { body: {} });
    assert.equal(beside.status, 201, beside.text);
    assert.ok(await t.login("admin", ADMIN), "a login is not an anonymous creation");

    t.clock.advance(MINUTE / 3);
    await created(t);
    assertApiError(await createAnonymous(t), 429, "LIMIT_EXCEEDED");
    t.clock.advance(MINUTE);
    for (let i = 0; i < 3; i++) await created(t);
  });
});

describe("anonymous sessions: live sessions per address", () => {
  it("refuses a session over the count, serves other addresses, and counts again as sessions end", async (ctx) => {
    const t = await startApp({ sessions: { anonymousSessionsPerAddress: 2 } });
    ctx.after(() => t.stop());
    const first = await created(t);
    await created(t);
    const refused = await createAnonymous(t);
    assertApiError(refused, 429, "LIMIT_EXCEEDED");
    assert.match(refused.body.error.message, /holds 2 sessions that are not logged in/);

    assert.equal((await requestFrom(t.url, "127.0.0.2", "POST", "/api/v1/sessions", { body: {} })).status, 201);
    // A logged-in session from the same address is no stranger's and does not count.
    await t.login("admin", ADMIN);

    assert.equal((await t.request("DELETE", "/api/v1/session", { bearer: first.secret })).status, 204);
    await created(t);
    assertApiError(await createAnonymous(t), 429, "LIMIT_EXCEEDED");
    // Left alone, anonymous sessions expire (30 minutes at most) and the address may create again.
    t.clock.advance(30 * MINUTE + 1);
    await sweep(t);
    await created(t);
    await created(t);
  });
});

describe("anonymous sessions: idle timeouts", () => {
  it("cuts a stranger's idle timeout to 30 minutes, and a logged-in client's choice to the realm's default cap of a day", async (ctx) => {
    const t = await startApp();
    ctx.after(() => t.stop());
    const year = 366 * 24 * 3600;
    const stranger = await created(t, { idleTimeoutSeconds: year });
    assert.equal(stranger.session.idleTimeoutMs, 30 * MINUTE);
    const login = await t.request("POST", "/api/v1/login", {
      body: { userName: "admin", password: ADMIN, idleTimeoutSeconds: year },
    });
    assert.equal(login.status, 201, login.text);
    assert.equal(login.body.session.idleTimeoutMs, 24 * 60 * MINUTE, "the default realm caps choices at a day");

    t.clock.advance(30 * MINUTE + 1);
    assertApiError(await t.request("GET", "/api/v1/session", { bearer: stranger.secret }), 401, "NOT_AUTHENTICATED");
    assert.equal((await t.request("GET", "/api/v1/session", { bearer: login.body.secret })).status, 200);
  });
});

describe("anonymous sessions: attributes", () => {
  it("holds a stranger to 16 attributes and 16 KiB, and a logged-in user to the ordinary limits", async (ctx) => {
    const t = await startApp();
    ctx.after(() => t.stop());
    const put = (secret: string, name: string, value: string) =>
      t.request("PUT", `/api/v1/session/attributes/${name}`, { bearer: secret, body: { value } });
    const stranger = await created(t);
    for (let i = 0; i < 16; i++) assert.equal((await put(stranger.secret, `a${i}`, "x")).status, 204);
    const over = await put(stranger.secret, "a16", "x");
    assertApiError(over, 429, "LIMIT_EXCEEDED");
    assert.match(over.body.error.message, /not logged in may hold at most 16 attributes and 16384 bytes/);
    assert.equal((await t.request("DELETE", "/api/v1/session/attributes/a0", { bearer: stranger.secret })).status, 204);
    assert.equal((await put(stranger.secret, "a16", "x")).status, 204, "room again once one is gone");

    const another = await created(t);
    assertApiError(await put(another.secret, "big", "x".repeat(16 * 1024)), 429, "LIMIT_EXCEEDED");
    assert.equal((await put(another.secret, "big", "x".repeat(16_000))).status, 204);

    const user = await t.login("admin", ADMIN);
    for (let i = 0; i < 17; i++) assert.equal((await put(user, `a${i}`, "x")).status, 204);
    assert.equal((await put(user, "big", "x".repeat(60_000))).status, 204);
  });
});

describe("the database cap", () => {
  for (const driver of ["memory", "sqlite"] as const) {
    it(`${driver}: past it new anonymous sessions are refused, logins go on, and it recovers as sessions end`, async (ctx) => {
      // The memory store's estimate starts near nothing; an empty SQLite file holds its schema (~100 kB).
      const cap = driver === "memory" ? 150_000 : 400_000;
      const t = await startApp({
        store: { driver },
        sessions: { maxDatabaseBytes: cap, maxAttributeTotalBytes: 1024 * 1024 },
      });
      ctx.after(() => t.stop());
      const health = await t.request("GET", "/healthz");
      assert.equal(health.status, 200);
      assert.equal(health.body.maxDatabaseBytes, cap);
      assert.ok(Number.isSafeInteger(health.body.databaseBytes) && health.body.databaseBytes < cap, health.text);
      if (driver === "sqlite") assert.ok(health.body.databaseBytes > 0, "an SQLite file holds its schema");
      await created(t);

      // A logged-in user fills the store with the state it may hold.
      const user = await t.login("admin", ADMIN);
      for (let i = 0; i < 6; i++) {
        const value = "x".repeat(60_000);
        const res = await t.request("PUT", `/api/v1/session/attributes/v${i}`, { bearer: user, body: { value } });
        assert.equal(res.status, 204, res.text);
      }
      t.clock.advance(1001);
      const full = await t.request("GET", "/healthz");
      assert.ok(full.body.databaseBytes >= cap, full.text);
      const refused = await createAnonymous(t);
      assertApiError(refused, 429, "LIMIT_EXCEEDED");
      assert.match(refused.body.error.message, /store is full/);
      assert.ok(await t.login("admin", ADMIN), "logins are not refused by the cap");

      // The user's sessions idle out; the space they held is free again.
      t.clock.advance(31 * MINUTE);
      await sweep(t);
      await created(t);
    });
  }
});
