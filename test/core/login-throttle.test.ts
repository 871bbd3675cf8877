/**
 * The brute-force throttle as the engine applies it to every password check: waits that grow with a
 * user's and an address's failures, the real user let in from a clean address, no argon2 spent on a
 * throttled attempt, cap denials not counted, each throttling audited once, the opt-in lockout, and
 * the bound on concurrent attempts per address.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ErrorCode, SessionError } from "../../src/core/errors.ts";
import { waitAfter } from "../../src/core/login-throttle.ts";
import { createSession, listAudit, login, loginPerson, whoAmI } from "../../src/core/ops/index.ts";
import type { PasswordHasher } from "../../src/core/password.ts";
import { CHEAP_HASHER, defaultRealm, PASSWORDS, startEngine, type TestEngine } from "../helpers/engine.ts";

const STRANGER = { ipAddress: "198.51.100.7" };
const OWNER = { ipAddress: "203.0.113.9" };

/** A hasher that counts the verifications it runs (argon2 time spent). */
function countingHasher(): PasswordHasher & { verifications: number } {
  const counted = {
    verifications: 0,
    hash: (password: string) => CHEAP_HASHER.hash(password),
    verify(hash: string, password: string) {
      counted.verifications++;
      return CHEAP_HASHER.verify(hash, password);
    },
  };
  return counted;
}

async function codeOf(attempt: Promise<unknown>): Promise<{ code: ErrorCode; details: Record<string, unknown> }> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof SessionError) return { code: error.code, details: error.details ?? {} };
    throw error;
  }
  assert.fail("the attempt succeeded");
}

function wrongLogin(t: TestEngine, userName: string, from = STRANGER) {
  return t.engine.call(login, t.context(undefined, from), { userName, password: "wrong-password" });
}

describe("login throttle", () => {
  it("lets the first failures through, then makes each attempt wait longer, without verifying it", async () => {
    const hasher = countingHasher();
    const t = await startEngine({ hasher, throttle: { userFreeFailures: 3, firstDelayMs: 1000 } });
    for (let i = 0; i < 3; i++) assert.equal((await codeOf(wrongLogin(t, "alice"))).code, "INVALID_LOGIN");
    const verifiedBefore = hasher.verifications;
    const held = await codeOf(wrongLogin(t, "alice"));
    assert.equal(held.code, "LOGIN_THROTTLED");
    assert.equal(held.details.retryAfterSeconds, 1);
    assert.equal(hasher.verifications, verifiedBefore, "a throttled attempt spends no argon2 time");
    // Even the right password waits from the address that failed: it is the attacker's, as far as we know.
    const rightButHeld = t.engine.call(login, t.context(undefined, STRANGER), {
      userName: "alice",
      password: PASSWORDS.alice,
    });
    assert.equal((await codeOf(rightButHeld)).code, "LOGIN_THROTTLED");

    t.clock.advance(1000);
    assert.equal((await codeOf(wrongLogin(t, "alice"))).code, "INVALID_LOGIN", "tried again once the wait is over");
    const doubled = await codeOf(wrongLogin(t, "alice"));
    assert.equal(doubled.code, "LOGIN_THROTTLED");
    assert.equal(doubled.details.retryAfterSeconds, 2, "each further failure doubles the wait");
  });

  it("lets the real user in from an address with no failures while another address hammers", async () => {
    const t = await startEngine({ throttle: { userFreeFailures: 2, firstDelayMs: 60_000 } });
    for (let i = 0; i < 4; i++) await codeOf(wrongLogin(t, "alice"));
    assert.equal((await codeOf(wrongLogin(t, "alice"))).code, "LOGIN_THROTTLED");
    const owner = await t.login("alice", {}, OWNER);
    assert.equal(owner.user.name, "alice");
    // A login forgets the user's failures, not the attacker address's.
    assert.equal((await codeOf(wrongLogin(t, "alice"))).code, "INVALID_LOGIN");
  });

  it("holds back an address that fails for many users, for every user", async () => {
    const t = await startEngine({ throttle: { addressFreeFailures: 4, userFreeFailures: 100 } });
    for (const name of ["alice", "bob", "carol", "nobody"]) await codeOf(wrongLogin(t, name));
    const held = await codeOf(wrongLogin(t, "vera"));
    assert.equal(held.code, "LOGIN_THROTTLED");
    // Another address is not held back.
    assert.equal((await t.login("bob", {}, OWNER)).user.name, "bob");
  });

  it("does not count a login the session cap refuses as a failure", async () => {
    const t = await startEngine({
      realms: [defaultRealm({ maxSessionsPerUser: 1, maxSessionsPolicy: "deny" })],
      throttle: { userFreeFailures: 2, addressFreeFailures: 2 },
    });
    await t.login("alice", {}, STRANGER);
    for (let i = 0; i < 5; i++) {
      const refused = t.engine.call(login, t.context(undefined, STRANGER), {
        userName: "alice",
        password: PASSWORDS.alice,
      });
      assert.equal((await codeOf(refused)).code, "LIMIT_EXCEEDED");
    }
    assert.deepEqual(await t.store.getLoginFailures([`address:${STRANGER.ipAddress}`]), []);
  });

  it("throttles logins by person number, known or not, like logins by name", async () => {
    const t = await startEngine({ throttle: { userFreeFailures: 1, addressFreeFailures: 100, firstDelayMs: 5000 } });
    const made = await t.engine.call(createSession, t.context(undefined, STRANGER), {});
    const byNumber = (userNumber: number) =>
      t.engine.call(loginPerson, t.context(made.secret, STRANGER), {
        realm: "default",
        userNumber,
        password: "wrong-password",
      });
    assert.equal((await codeOf(byNumber(999))).code, "INVALID_LOGIN");
    assert.equal((await codeOf(byNumber(999))).code, "LOGIN_THROTTLED");
    assert.equal((await codeOf(byNumber(2))).code, "INVALID_LOGIN");
    assert.equal((await codeOf(byNumber(2))).code, "LOGIN_THROTTLED");
  });

  it("audits each throttling once per wait, naming known users and digesting unknown names", async () => {
    const t = await startEngine({ throttle: { userFreeFailures: 1, firstDelayMs: 60_000 } });
    await codeOf(wrongLogin(t, "alice"));
    for (let i = 0; i < 5; i++) await codeOf(wrongLogin(t, "alice"));
    await codeOf(wrongLogin(t, "my-Password-123", OWNER));
    await codeOf(wrongLogin(t, "my-Password-123", OWNER));
    // The announcement looks the user up before it is emitted.
    await new Promise((resolve) => setImmediate(resolve));
    const throttled = t.eventsOf("login-throttled");
    assert.equal(throttled.length, 2, "one per key and wait, not one per refused attempt");
    assert.equal(throttled[0]?.userName, "alice");
    assert.equal(throttled[0]?.ipAddress, STRANGER.ipAddress);
    assert.match(throttled[0]?.detail ?? "", /retry after 60 s/);

    const admin = await t.login("admin", {}, { ipAddress: "192.0.2.1" });
    const page = await t.call(listAudit, admin.secret, { kind: "login-throttled" });
    assert.equal(page.entries.length, 2);
    const names = page.entries.map((entry) => entry.userName);
    assert.ok(names.includes("alice"));
    assert.ok(!JSON.stringify(page).includes("my-Password-123"), "an unknown typed name is stored only as a digest");
  });

  it("disables a user after the realm's lockout count, ends their sessions and audits it", async () => {
    const t = await startEngine({
      realms: [defaultRealm({ lockoutAfterFailures: 3 })],
      throttle: { userFreeFailures: 100, addressFreeFailures: 100 },
    });
    const live = await t.login("bob", {}, OWNER);
    for (let i = 0; i < 3; i++) await codeOf(wrongLogin(t, "bob"));
    const locked = t.eventsOf("user-locked-out");
    assert.equal(locked.length, 1);
    assert.equal(locked[0]?.userName, "bob");
    assert.equal((await codeOf(t.call(whoAmI, live.secret))).code, "NOT_AUTHENTICATED", "their sessions ended");
    const right = t.engine.call(login, t.context(undefined, OWNER), { userName: "bob", password: PASSWORDS.bob });
    assert.equal((await codeOf(right)).code, "INVALID_LOGIN", "a locked-out user cannot log in");
    assert.equal((await t.store.getUser("default", "bob"))?.disabled, true);
  });

  it("locks no one out in a realm that does not opt in", async () => {
    const t = await startEngine({ throttle: { userFreeFailures: 100, addressFreeFailures: 100 } });
    for (let i = 0; i < 30; i++) await codeOf(wrongLogin(t, "bob"));
    assert.equal((await t.store.getUser("default", "bob"))?.disabled, false);
    assert.equal(t.eventsOf("user-locked-out").length, 0);
  });

  it("lets an address run only a few password checks at once", async () => {
    const started: (() => void)[] = [];
    const slowHasher: PasswordHasher = {
      hash: (password) => CHEAP_HASHER.hash(password),
      verify: (hash, password) =>
        new Promise((resolve) => started.push(() => resolve(CHEAP_HASHER.verify(hash, password)))),
    };
    const t = await startEngine({ hasher: slowHasher, throttle: { concurrentPerAddress: 2 } });
    const first = [codeOf(wrongLogin(t, "alice")), codeOf(wrongLogin(t, "bob"))];
    while (started.length < 2) await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await codeOf(wrongLogin(t, "carol"))).code, "LOGIN_THROTTLED");
    const elsewhere = t.engine.call(login, t.context(undefined, OWNER), { userName: "vera", password: PASSWORDS.vera });
    while (started.length < 3) await new Promise((resolve) => setImmediate(resolve));
    for (const release of started) release();
    assert.equal((await elsewhere).user.name, "vera");
    for (const attempt of first) assert.equal((await attempt).code, "INVALID_LOGIN");
    const again = codeOf(wrongLogin(t, "carol"));
    while (started.length < 4) await new Promise((resolve) => setImmediate(resolve));
    started[3]?.();
    assert.equal((await again).code, "INVALID_LOGIN", "a freed place is taken again");
  });

  it("does not throttle the server's own trusted calls", async () => {
    const t = await startEngine({ throttle: { userFreeFailures: 1, addressFreeFailures: 1 } });
    for (let i = 0; i < 3; i++) {
      const attempt = t.engine.call(login, t.context(undefined, { trusted: true }), {
        userName: "admin",
        password: "wrong-password",
      });
      assert.equal((await codeOf(attempt)).code, "INVALID_LOGIN");
    }
  });
});

describe("throttle waits", () => {
  const settings = {
    userFreeFailures: 5,
    addressFreeFailures: 20,
    firstDelayMs: 1000,
    maxDelayMs: 8000,
    forgetAfterSeconds: 3600,
    concurrentPerAddress: 4,
  };
  const at = 1_000_000_000;
  const count = (failures: number, lastFailureAt = at) => ({ key: "k", failures, lastFailureAt });

  it("doubles from the first delay to the maximum, counted from the last failure", () => {
    assert.equal(waitAfter(count(4), 5, settings, at), 0);
    assert.equal(waitAfter(count(5), 5, settings, at), 1000);
    assert.equal(waitAfter(count(6), 5, settings, at), 2000);
    assert.equal(waitAfter(count(8), 5, settings, at), 8000);
    assert.equal(waitAfter(count(60), 5, settings, at), 8000, "never past the maximum");
    assert.equal(waitAfter(count(6), 5, settings, at + 1500), 500);
  });

  it("forgets failures older than the forget time", () => {
    assert.equal(waitAfter(count(60, at - 3600_001), 5, settings, at), 0);
  });
});
