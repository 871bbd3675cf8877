/**
 * An anonymous session belongs to no one yet: it may log in to any realm and moves into it, from then
 * on following that realm's idle timeout, lifetime cap, session cap and locales, except an idle
 * timeout its client chose, which the new realm's cap still cuts, and a locale it supports. A logged-in
 * session keeps its realm.
 *
 * The calls come through AstroGrid, whose community login is issue 10's case: a door that keeps the
 * session's id, so the same secret is used before and after (the JSON API would rotate it).
 *
 * @see issue 10, part 2
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionError } from "../../src/core/errors.ts";
import * as ops from "../../src/core/ops/index.ts";
import { defaultRealm, startEngine } from "../helpers/engine.ts";

const MINUTE = 60_000;

const community = {
  name: "community",
  idleTimeoutSeconds: 600,
  maxIdleTimeoutSeconds: 1200,
  maxLifetimeSeconds: 3600,
  maxSessionsPerUser: 1,
  defaultLocale: "fr",
  supportedLocales: ["fr", "en"],
  users: [{ name: "username", password: "password-of-username", fullName: "User Name" }],
};

const realms = [defaultRealm(), community];

const isRefusal = (reason: string) => (error: unknown) =>
  error instanceof SessionError && error.code === "INVALID_REQUEST" && error.details.reason === reason;

describe("an anonymous session logging in to another realm", () => {
  it("moves into that realm and takes its idle timeout, lifetime cap and locale", async () => {
    const t = await startEngine({ realms, protocol: "astrogrid" });
    const made = await t.call(ops.createSession, undefined, {});
    t.clock.advance(MINUTE);
    const result = await t.call(ops.login, made.secret, {
      userName: "username@community",
      password: "password-of-username",
    });
    assert.equal(result.secret, undefined, "it logged in the caller's own session");
    const me = await t.call(ops.whoAmI, made.secret, {});
    assert.equal(me.session.key, made.session.key);
    assert.equal(me.session.realm, "community");
    assert.equal(me.session.userName, "username");
    assert.equal(me.session.idleTimeoutMs, 600_000);
    assert.equal(me.session.expiresAt, made.session.createdAt + 3600_000, "the cap counts from its creation");
    assert.equal(me.session.locale, "en", "a locale the new realm supports is kept");
    const stored = await t.store.getSessionByKey(made.session.key);
    assert.equal(stored?.realm, "community");
    assert.equal(await t.store.countSessions({ realm: "community", userName: "username" }), 1);
    assert.equal(t.eventsOf("login", made.session.key)[0]?.realm, "community");
  });

  it("keeps a locale the new realm supports and drops one it does not", async () => {
    const t = await startEngine({ realms, protocol: "astrogrid" });
    const keeps = await t.call(ops.createSession, undefined, {});
    await t.call(ops.setLocale, keeps.secret, { locale: "en" });
    await t.call(ops.login, keeps.secret, { userName: "username@community", password: "password-of-username" });
    assert.equal((await t.call(ops.whoAmI, keeps.secret, {})).session.locale, "en");
    const drops = await t.call(ops.createSession, undefined, {});
    await t.call(ops.setLocale, drops.secret, { locale: "sv" });
    await t.call(ops.endSession, keeps.secret, {});
    await t.call(ops.login, drops.secret, { userName: "username@community", password: "password-of-username" });
    assert.equal((await t.call(ops.whoAmI, drops.secret, {})).session.locale, "fr");
  });

  it("keeps an idle timeout its client chose, cut to the new realm's cap", async () => {
    const t = await startEngine({ realms, protocol: "astrogrid" });
    // Within the cap on anonymous sessions' idle timeouts (1800 s), above the new realm's cap.
    const long = await t.call(ops.createSession, undefined, { idleTimeoutSeconds: 1500 });
    assert.equal(long.session.idleTimeoutMs, 1500_000, "the default realm has no cap");
    await t.call(ops.login, long.secret, { userName: "username@community", password: "password-of-username" });
    assert.equal((await t.call(ops.whoAmI, long.secret, {})).session.idleTimeoutMs, 1200_000);
    await t.call(ops.endSession, long.secret, {});
    const short = await t.call(ops.createSession, undefined, { idleTimeoutSeconds: 90 });
    await t.call(ops.login, short.secret, { userName: "username@community", password: "password-of-username" });
    assert.equal((await t.call(ops.whoAmI, short.secret, {})).session.idleTimeoutMs, 90_000);
  });

  it("expires by the new realm's timer, not the old one's", async () => {
    const t = await startEngine({ realms, protocol: "astrogrid" });
    const made = await t.call(ops.createSession, undefined, {});
    await t.call(ops.login, made.secret, { userName: "username@community", password: "password-of-username" });
    t.clock.advance(600_000);
    assert.equal(await t.engine.sweep(), 1);
    assert.equal(t.eventsOf("expired-idle", made.session.key).length, 1);
  });

  it("is held to the new realm's session cap", async () => {
    const t = await startEngine({ realms, protocol: "astrogrid" });
    await t.login("username@community", { password: "password-of-username" });
    const made = await t.call(ops.createSession, undefined, {});
    await assert.rejects(
      t.call(ops.login, made.secret, { userName: "username@community", password: "password-of-username" }),
      (error: unknown) => error instanceof SessionError && error.code === "LIMIT_EXCEEDED",
    );
    const still = await t.store.getSessionByKey(made.session.key);
    assert.equal(still?.realm, "default", "a refused login moves nothing");
    assert.equal(still?.userName, null);
  });

  it("takes the session's own realm when the login names none", async () => {
    const t = await startEngine({ realms, protocol: "astrogrid" });
    const made = await t.call(ops.createSession, undefined, { realm: "community" });
    await t.call(ops.login, made.secret, { userName: "username", password: "password-of-username" });
    assert.equal((await t.call(ops.whoAmI, made.secret, {})).session.userName, "username");
  });
});

describe("a logged-in session", () => {
  it("keeps its realm: logging in as a user of another realm is refused, and nothing changes", async () => {
    const t = await startEngine({ realms, protocol: "astrogrid" });
    const { secret, session } = await t.login("alice");
    await assert.rejects(
      t.call(ops.login, secret, {
        userName: "username@community",
        password: "password-of-username",
        replaceUser: true,
      }),
      isRefusal("logged-in-elsewhere"),
    );
    const me = await t.call(ops.whoAmI, secret, {});
    assert.equal(me.session.realm, "default");
    assert.equal(me.session.userName, "alice");
    assert.equal(me.session.key, session.key);
  });

  it("moves after it logs out, since it is anonymous again", async () => {
    const t = await startEngine({ realms, protocol: "astrogrid" });
    const { secret } = await t.login("alice");
    await t.call(ops.logout, secret, {});
    await t.call(ops.login, secret, { userName: "username@community", password: "password-of-username" });
    assert.equal((await t.call(ops.whoAmI, secret, {})).session.realm, "community");
  });
});
