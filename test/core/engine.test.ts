import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/core/config.ts";
import { createEngine } from "../../src/core/engine.ts";
import { SessionError } from "../../src/core/errors.ts";
import * as ops from "../../src/core/ops/index.ts";
import type { Store } from "../../src/core/store/index.ts";
import { LOCAL_ADMIN, provision } from "../../src/server/provision.ts";
import { createMemoryStore } from "../../src/store/memory/index.ts";
import { defaultRealm, PASSWORDS, reachableStrings, START, startEngine, type TestEngine } from "../helpers/engine.ts";

const IDLE_MS = 1800 * 1000;

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Asserts that a promise rejects with a SessionError of this code. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<SessionError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SessionError, `expected a SessionError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

async function sessionsOf(store: Store, userName: string) {
  return (await store.listSessions({ realm: "default", userName }, null, 1000)).sessions;
}

/** Lets fire-and-forget work (audit appends) finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function isLive(t: TestEngine, secret: string): Promise<boolean> {
  try {
    await t.call(ops.whoAmI, secret);
    return true;
  } catch (error) {
    if (error instanceof SessionError && error.code === "NOT_AUTHENTICATED") return false;
    throw error;
  }
}

describe("engine: idle and absolute expiry", () => {
  it("ends a session idle for its whole timeout on its next access, with reason expired-idle", async () => {
    const t = await startEngine();
    const { secret, session } = await t.login("alice");
    t.clock.advance(IDLE_MS);
    await rejectsWith(t.call(ops.whoAmI, secret), "NOT_AUTHENTICATED");
    const ended = t.eventsOf("expired-idle", session.key);
    assert.equal(ended.length, 1);
    assert.equal(ended[0]?.userName, "alice");
    assert.equal(await t.store.getSessionByKey(session.key), null, "the expired session is removed from the store");
  });

  it("keeps a session live one millisecond before its idle deadline", async () => {
    const t = await startEngine();
    const { secret } = await t.login("alice");
    t.clock.advance(IDLE_MS - 1);
    const me = await t.call(ops.whoAmI, secret);
    assert.equal(me.user?.name, "alice");
  });

  it("lets the sweeper remove idle sessions with reason expired-idle, and only those", async () => {
    const t = await startEngine();
    const old = await t.login("alice");
    t.clock.advance(10_000);
    const young = await t.login("bob");
    t.clock.advance(IDLE_MS - 10_000);
    assert.equal(await t.engine.sweep(), 1);
    assert.equal(t.eventsOf("expired-idle", old.session.key).length, 1);
    assert.equal(t.eventsOf("expired-idle", young.session.key).length, 0);
    assert.equal(await t.store.getSessionByKey(old.session.key), null);
    assert.notEqual(await t.store.getSessionByKey(young.session.key), null);
    t.clock.advance(10_000);
    assert.equal(await t.engine.sweep(), 1);
    assert.equal(t.eventsOf("expired-idle", young.session.key).length, 1);
  });

  it("resets the idle timer on every authenticated call", async () => {
    const t = await startEngine();
    const { secret, session } = await t.login("alice");
    t.clock.advance(1000 * 1000);
    await t.call(ops.whoAmI, secret);
    t.clock.advance(1000 * 1000); // 2000 s after login, 1000 s after the last call
    assert.equal(await t.engine.sweep(), 0, "the sweeper sees buffered activity");
    const me = await t.call(ops.whoAmI, secret);
    assert.equal(me.session.key, session.key);
    t.clock.advance(IDLE_MS);
    assert.equal(await t.engine.sweep(), 1);
    assert.equal(t.eventsOf("expired-idle", session.key).length, 1);
  });

  it("buffers activity: the store is unchanged until flush, but who-am-i shows exact values", async () => {
    const t = await startEngine();
    const { secret, session } = await t.login("alice");
    assert.equal(session.callCount, 1);
    t.clock.advance(5_000);
    await t.call(ops.whoAmI, secret);
    await t.call(ops.whoAmI, secret);
    t.clock.advance(2_000);
    await t.call(ops.whoAmI, secret);
    const stored = await t.store.getSessionByKey(session.key);
    assert.equal(stored?.lastActiveAt, START, "no store write per request");
    assert.equal(stored?.callCount, 1);
    const me = await t.call(ops.whoAmI, secret);
    assert.equal(me.session.callCount, 5, "1 (login) + 4 calls including this one");
    assert.equal(me.session.lastActiveAt, START + 7_000);
    assert.equal(me.session.deadlineAt, START + 7_000 + IDLE_MS);
    // 7 s of progress is within the session's tolerance: a flush leaves it; stopping writes everything.
    await t.engine.flush();
    assert.equal((await t.store.getSessionByKey(session.key))?.callCount, 1);
    await t.engine.flush(true);
    const flushed = await t.store.getSessionByKey(session.key);
    assert.equal(flushed?.callCount, 5);
    assert.equal(flushed?.lastActiveAt, START + 7_000);
  });

  it("counts one authenticated caller as one call, however many operations run for it", async () => {
    const t = await startEngine();
    const { secret } = await t.login("alice");
    const caller = await t.engine.authenticate(t.context(secret));
    await t.engine.run(ops.whoAmI, caller);
    await t.engine.run(ops.listAttributes, caller);
    const me = await t.call(ops.whoAmI, secret);
    assert.equal(me.session.callCount, 3, "1 (login) + 1 (the authenticated caller) + 1 (this call)");
  });

  it("refreshes a caller to its session's and user's present state without counting a call", async () => {
    const t = await startEngine();
    const carol = await t.login("carol");
    const caller = await t.engine.authenticate(t.context(carol.secret));
    assert.ok(caller.privileges.has("Sessions.TerminateSession"));
    t.clock.advance(1000);
    await t.call(ops.whoAmI, carol.secret);
    // Her group loses its privilege (the directory cache forgets it at once for changes through the engine).
    await t.engine.call(ops.putGroup, LOCAL_ADMIN, { name: "operators", mode: "update", privileges: [] });
    const fresh = await t.engine.refresh(caller);
    assert.equal(fresh.session?.callCount, 3, "login, authenticate, whoAmI: refresh itself is no call");
    assert.equal(fresh.session?.lastActiveAt, t.clock.now());
    assert.equal(fresh.privileges.has("Sessions.TerminateSession"), false);
    await t.call(ops.endSession, carol.secret);
    const ended = await t.engine.refresh(caller);
    assert.equal(ended.session, null);
    assert.equal(ended.user, null);
  });

  it("checks authentication and privilege in run() as in call()", async () => {
    const t = await startEngine();
    const anonymous = await t.engine.authenticate(t.context(undefined));
    await assert.rejects(t.engine.run(ops.whoAmI, anonymous), { code: "NOT_AUTHENTICATED" });
    const { secret } = await t.login("alice");
    const alice = await t.engine.authenticate(t.context(secret));
    await assert.rejects(t.engine.run(ops.updateServiceMessage, alice, { text: "x" }), { code: "NO_PERMISSION" });
  });

  it("ends an active session at the realm's absolute cap with reason expired-absolute", async () => {
    const t = await startEngine({ realms: [defaultRealm({ maxLifetimeSeconds: 3600 })] });
    const { secret, session } = await t.login("alice");
    assert.equal(session.expiresAt, START + 3_600_000);
    for (let i = 0; i < 3; i++) {
      t.clock.advance(1000 * 1000);
      await t.call(ops.whoAmI, secret);
    }
    t.clock.advance(600 * 1000); // exactly the cap, 600 s after the last call
    await rejectsWith(t.call(ops.whoAmI, secret), "NOT_AUTHENTICATED");
    assert.equal(t.eventsOf("expired-absolute", session.key).length, 1);
    assert.equal(t.eventsOf("expired-idle", session.key).length, 0);
  });

  it("lets the sweeper end a session at the absolute cap with reason expired-absolute", async () => {
    const t = await startEngine({ realms: [defaultRealm({ maxLifetimeSeconds: 3600 })] });
    const { secret, session } = await t.login("alice");
    t.clock.advance(3000 * 1000 - IDLE_MS + 1);
    await t.call(ops.whoAmI, secret);
    t.clock.advance(IDLE_MS - 1); // 3000 s: still live by both timers
    assert.equal(await t.engine.sweep(), 0);
    await t.call(ops.whoAmI, secret);
    t.clock.advance(600 * 1000);
    assert.equal(await t.engine.sweep(), 1);
    assert.equal(t.eventsOf("expired-absolute", session.key).length, 1);
  });

  it("still ends an idle session before the absolute cap, with reason expired-idle", async () => {
    const t = await startEngine({ realms: [defaultRealm({ maxLifetimeSeconds: 3600 })] });
    const { session } = await t.login("alice");
    t.clock.advance(IDLE_MS);
    assert.equal(await t.engine.sweep(), 1);
    assert.equal(t.eventsOf("expired-idle", session.key).length, 1);
    assert.equal(t.eventsOf("expired-absolute", session.key).length, 0);
  });

  it("never idles out sessions of a realm whose idle timeout is 0", async () => {
    const t = await startEngine({ realms: [defaultRealm({ idleTimeoutSeconds: 0 })] });
    const { secret, session } = await t.login("alice");
    assert.equal(session.idleTimeoutMs, null);
    t.clock.advance(365 * 24 * 3600 * 1000);
    assert.equal(await t.engine.sweep(), 0);
    assert.equal(await isLive(t, secret), true);
  });

  it("cuts an idle timeout a client chooses to the realm's maxIdleTimeoutSeconds", async () => {
    const t = await startEngine({ realms: [defaultRealm({ maxIdleTimeoutSeconds: 3600 })] });
    const long = await t.login("alice", { idleTimeoutSeconds: 366 * 24 * 3600 });
    assert.equal(long.session.idleTimeoutMs, 3600 * 1000);
    const short = await t.login("alice", { idleTimeoutSeconds: 60 });
    assert.equal(short.session.idleTimeoutMs, 60 * 1000, "shorter choices stand");
    const realmDefault = await t.login("alice");
    assert.equal(realmDefault.session.idleTimeoutMs, 1800 * 1000, "the realm's own timeout is not a choice");
  });

  it("honours a per-session idleTimeoutSeconds", async () => {
    const t = await startEngine();
    const { secret, session } = await t.login("alice", { idleTimeoutSeconds: 60 });
    assert.equal(session.idleTimeoutMs, 60_000);
    t.clock.advance(60_000);
    assert.equal(await isLive(t, secret), false);
    assert.equal(t.eventsOf("expired-idle", session.key).length, 1);
  });
});

describe("engine: bindings", () => {
  it("ends a connection-bound session when its connection closes, with reason connection-closed", async () => {
    const t = await startEngine();
    const connectionId = t.engine.openConnection();
    const other = t.engine.openConnection();
    const bound = await t.call(ops.createSession, undefined, { binding: "connection" }, { connectionId });
    const kept = await t.call(ops.createSession, undefined, { binding: "connection" }, { connectionId: other });
    assert.equal(bound.session.binding, "connection");
    assert.equal(bound.session.idleTimeoutMs, null, "a bound session has no idle timer");
    assert.equal(await isLive(t, bound.secret), true);
    await t.engine.closeConnection(connectionId);
    assert.equal(t.eventsOf("connection-closed", bound.session.key).length, 1);
    assert.equal(await t.store.getSessionByKey(bound.session.key), null);
    assert.equal(await isLive(t, bound.secret), false);
    assert.equal(await isLive(t, kept.secret), true, "another connection's session stays");
  });

  it("lets a connection-bound login outlive any idle timeout while the connection is open", async () => {
    const t = await startEngine();
    const connectionId = t.engine.openConnection();
    const { secret, session } = await t.login("alice", { binding: "connection" }, { connectionId });
    t.clock.advance(30 * 24 * 3600 * 1000);
    assert.equal(await t.engine.sweep(), 0);
    assert.equal(await isLive(t, secret), true);
    await t.engine.closeConnection(connectionId);
    assert.equal(t.eventsOf("connection-closed", session.key).length, 1);
  });

  it("refuses a connection binding without an open connection (INVALID_REQUEST)", async () => {
    const t = await startEngine();
    await rejectsWith(t.call(ops.createSession, undefined, { binding: "connection" }), "INVALID_REQUEST");
    const closed = t.engine.openConnection();
    await t.engine.closeConnection(closed);
    await rejectsWith(
      t.call(ops.createSession, undefined, { binding: "connection" }, { connectionId: closed }),
      "INVALID_REQUEST",
    );
    assert.equal((await t.store.listSessions({}, null, 100)).sessions.length, 0, "no session was left behind");
  });

  it("removes at start() the connection-bound sessions a previous process left behind", async () => {
    const store = createMemoryStore();
    const first = await startEngine({ store });
    const connectionId = first.engine.openConnection();
    const bound = await first.call(ops.createSession, undefined, { binding: "connection" }, { connectionId });
    const timed = await first.call(ops.createSession, undefined, {});
    // Another node sharing the store keeps its sessions.
    const otherNode = await startEngine({ store, nodeId: "other" });
    const otherConnection = otherNode.engine.openConnection();
    const foreign = await otherNode.call(
      ops.createSession,
      undefined,
      { binding: "connection" },
      { connectionId: otherConnection },
    );

    // A new process of node "main" on the same store.
    const second = createEngine({ store, clock: first.clock });
    const reasons: string[] = [];
    second.events.subscribe((e) => {
      if (e.sessionKey === bound.session.key) reasons.push(e.type);
    });
    await second.start();
    try {
      assert.deepEqual(reasons, ["connection-closed"]);
      assert.equal(await store.getSessionByKey(bound.session.key), null);
      assert.notEqual(await store.getSessionByKey(timed.session.key), null, "timed sessions survive a restart");
      assert.notEqual(await store.getSessionByKey(foreign.session.key), null, "other nodes' sessions survive");
    } finally {
      await second.stop();
    }
  });

  it("gives a server-bound session only to a trusted (in-process) caller", async () => {
    const t = await startEngine();
    await rejectsWith(t.call(ops.createSession, undefined, { binding: "server" }), "INVALID_REQUEST");
    const admin = await t.login("admin");
    await rejectsWith(t.call(ops.createSession, admin.secret, { binding: "server" }), "INVALID_REQUEST");
    const created = await t.engine.call(ops.createSession, LOCAL_ADMIN, { binding: "server" });
    assert.equal(created.session.binding, "server");
    assert.equal(created.session.idleTimeoutMs, null);
    assert.equal(created.session.expiresAt, null);
    t.clock.advance(365 * 24 * 3600 * 1000);
    await t.engine.sweep();
    assert.notEqual(await t.store.getSessionByKey(created.session.key), null, "a server-bound session has no timers");
    assert.equal(await isLive(t, created.secret), true);
    await t.engine.stop();
    assert.equal(t.eventsOf("disposed", created.session.key).length, 1, "it ends with the server");
  });
});

describe("engine: sessions per user", () => {
  it("with deny, refuses a login over the cap with LIMIT_EXCEEDED and keeps the existing sessions", async () => {
    const t = await startEngine({ realms: [defaultRealm({ maxSessionsPerUser: 2, maxSessionsPolicy: "deny" })] });
    const a = await t.login("alice");
    const b = await t.login("alice");
    await rejectsWith(t.login("alice"), "LIMIT_EXCEEDED");
    const left = await sessionsOf(t.store, "alice");
    assert.deepEqual(left.map((s) => s.key).sort(), [a.session.key, b.session.key].sort());
    assert.equal(await isLive(t, a.secret), true);
    assert.equal(await isLive(t, b.secret), true);
    // Other users are not affected by alice's cap.
    await t.login("bob");
  });

  it("with deny, a refused login into an anonymous session leaves that session as it was", async () => {
    const t = await startEngine({ realms: [defaultRealm({ maxSessionsPerUser: 1, maxSessionsPolicy: "deny" })] });
    const first = await t.login("alice");
    const anon = await t.call(ops.createSession, undefined, {});
    await t.call(ops.putAttribute, anon.secret, { name: "cart", value: "3 items" });
    await rejectsWith(
      t.engine.call(ops.login, t.context(anon.secret), { userName: "alice", password: PASSWORDS.alice }),
      "LIMIT_EXCEEDED",
    );
    assert.equal(await isLive(t, first.secret), true);
    assert.equal(await isLive(t, anon.secret), true, "the caller's anonymous session survives a refused login");
    const me = await t.call(ops.whoAmI, anon.secret);
    assert.equal(me.user, null, "and stays anonymous");
    assert.deepEqual(await t.call(ops.listAttributes, anon.secret), { cart: "3 items" });
  });

  it("with evict-oldest, ends the oldest session with reason evicted", async () => {
    const t = await startEngine({
      realms: [defaultRealm({ maxSessionsPerUser: 2, maxSessionsPolicy: "evict-oldest" })],
    });
    const a = await t.login("alice");
    t.clock.advance(1000);
    const b = await t.login("alice");
    t.clock.advance(1000);
    const c = await t.login("alice");
    assert.equal(t.eventsOf("evicted", a.session.key).length, 1);
    assert.equal(await isLive(t, a.secret), false);
    assert.equal(await isLive(t, b.secret), true);
    assert.equal(await isLive(t, c.secret), true);
    assert.equal((await sessionsOf(t.store, "alice")).length, 2);
  });

  it("with evict-oldest, two logins at once leave exactly the cap, keeping the newer session", async () => {
    const t = await startEngine({
      realms: [defaultRealm({ maxSessionsPerUser: 1, maxSessionsPolicy: "evict-oldest" })],
    });
    const results = await Promise.allSettled([t.login("alice"), t.login("alice")]);
    const ok = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    assert.equal(ok.length, 2, "evict-oldest never refuses a login");
    const left = await sessionsOf(t.store, "alice");
    assert.equal(left.length, 1, "exactly one session of alice remains");
    const newest = ok.reduce((x, y) => (x.session.number > y.session.number ? x : y));
    assert.equal(left[0]?.key, newest.session.key, "the newer login survives");
    assert.equal(await isLive(t, newest.secret), true);
  });

  it("with deny, two logins at once for a user without sessions let exactly one in", async () => {
    const t = await startEngine({ realms: [defaultRealm({ maxSessionsPerUser: 1, maxSessionsPolicy: "deny" })] });
    const results = await Promise.allSettled([t.login("alice"), t.login("alice")]);
    const ok = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    for (const r of results) {
      if (r.status === "rejected") assert.equal((r.reason as SessionError).code, "LIMIT_EXCEEDED");
    }
    const left = await sessionsOf(t.store, "alice");
    assert.ok(left.length <= 1, "the cap holds");
    assert.equal(left.length, ok.length, "every successful login has its session");
    for (const r of ok) assert.equal(await isLive(t, r.secret), true);
    assert.equal(ok.length, 1, "one of two simultaneous logins under a cap of one succeeds");
  });
});

describe("engine: directory changes end sessions", () => {
  it("ends every session of a user whose password an administrator changes (putUser)", async () => {
    const t = await startEngine();
    const a1 = await t.login("alice");
    const a2 = await t.login("alice");
    const b = await t.login("bob");
    await t.engine.call(ops.putUser, LOCAL_ADMIN, { name: "alice", password: "a-new-password", mode: "upsert" });
    assert.equal(await isLive(t, a1.secret), false);
    assert.equal(await isLive(t, a2.secret), false);
    assert.equal(t.eventsOf("terminated", a1.session.key).length, 1);
    assert.equal(await isLive(t, b.secret), true, "other users keep their sessions");
    await rejectsWith(t.login("alice"), "INVALID_LOGIN");
    await t.login("alice", { password: "a-new-password" });
  });

  it("ends the user's other sessions, not the calling one, when a user changes their own password", async () => {
    const t = await startEngine();
    const mine = await t.login("alice");
    const other = await t.login("alice");
    const result = await t.call(ops.setPassword, mine.secret, { name: "alice", password: "changed-by-alice" });
    assert.equal(result.sessionsEnded, 1);
    assert.equal(await isLive(t, mine.secret), true);
    assert.equal(await isLive(t, other.secret), false);
    assert.equal(t.eventsOf("terminated", other.session.key).length, 1);
    await rejectsWith(t.login("alice"), "INVALID_LOGIN");
  });

  it("refuses to change another user's password without Directory.Manage, changing nothing", async () => {
    const t = await startEngine();
    const alice = await t.login("alice");
    const bob = await t.login("bob");
    await rejectsWith(t.call(ops.setPassword, alice.secret, { name: "bob", password: "hijacked" }), "NO_PERMISSION");
    assert.equal(await isLive(t, bob.secret), true);
    await t.login("bob");
  });

  it("keeps sessions when a restart provisions the same users with the same passwords", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    const before = (await t.store.getUser("default", "alice"))?.passwordHash;
    await provision(t.engine, parseConfig(t.config));
    assert.equal(await isLive(t, a.secret), true);
    assert.equal(t.eventsOf("terminated").length, 0);
    assert.equal((await t.store.getUser("default", "alice"))?.passwordHash, before, "the hash is kept");
  });

  it("ends a deleted user's sessions and refuses their secret afterwards", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    const result = await t.engine.call(ops.deleteUser, LOCAL_ADMIN, { name: "alice" });
    assert.equal(result.sessionsEnded, 1);
    assert.equal(t.eventsOf("terminated", a.session.key).length, 1);
    await rejectsWith(t.call(ops.whoAmI, a.secret), "NOT_AUTHENTICATED");
    await rejectsWith(t.login("alice"), "INVALID_LOGIN");
  });

  it("ends a disabled user's sessions and refuses their logins", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    await t.engine.call(ops.putUser, LOCAL_ADMIN, { name: "alice", disabled: true, mode: "upsert" });
    assert.equal(await isLive(t, a.secret), false);
    assert.equal(t.eventsOf("terminated", a.session.key).length, 1);
    await rejectsWith(t.login("alice"), "INVALID_LOGIN");
  });
});

describe("engine: login events and the audit log", () => {
  it("emits created and login for a login, login-failed (without a session) for a wrong password", async () => {
    const t = await startEngine();
    const { session } = await t.login("alice");
    assert.equal(t.eventsOf("created", session.key).length, 1);
    const logins = t.eventsOf("login", session.key);
    assert.equal(logins.length, 1);
    assert.equal(logins[0]?.userName, "alice");
    assert.equal(logins[0]?.realm, "default");
    assert.equal(logins[0]?.protocol, "api");

    await rejectsWith(t.login("alice", { password: "wrong-password-1" }), "INVALID_LOGIN");
    await rejectsWith(t.login("nobody", { password: "wrong-password-2" }), "INVALID_LOGIN");
    const failed = t.eventsOf("login-failed");
    // A name no user has travels apart, so that nothing records it by mistake (issue 15, part 4).
    assert.deepEqual(
      failed.map((e) => [e.userName, e.unknownUserName, e.realm, e.sessionKey]),
      [
        ["alice", undefined, "default", null],
        [null, "nobody", "default", null],
      ],
    );
    assert.equal((await sessionsOf(t.store, "alice")).length, 1, "a failed login creates no session");
  });

  it("records logins, failed logins and endings in the store's audit log", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    const b = await t.login("bob");
    await rejectsWith(t.login("alice", { password: "not-the-password" }), "INVALID_LOGIN");
    await t.call(ops.endSession, a.secret);
    t.clock.advance(IDLE_MS);
    await t.engine.sweep();
    await settle();
    const audit = await t.store.listAudit(null, 1000);
    const has = (type: string, userName: string, key: string | null) =>
      audit.some((e) => e.type === type && e.userName === userName && (key === null || e.sessionKey === key));
    assert.ok(has("login", "alice", a.session.key), "login of alice");
    assert.ok(has("login", "bob", b.session.key), "login of bob");
    assert.ok(has("login-failed", "alice", null), "failed login of alice");
    assert.ok(has("disposed", "alice", a.session.key), "alice ended her session");
    assert.ok(has("expired-idle", "bob", b.session.key), "bob's session expired");
    assert.ok(
      audit.every((e) => typeof e.at === "number"),
      "every entry has a time",
    );
  });

  it("never puts passwords or session secrets in the audit log", async () => {
    const t = await startEngine();
    const secrets: string[] = [];
    secrets.push((await t.login("alice")).secret);
    secrets.push((await t.login("admin")).secret);
    await rejectsWith(t.login("alice", { password: "typo-password-xyz" }), "INVALID_LOGIN");
    const anon = await t.call(ops.createSession, undefined, {});
    secrets.push(anon.secret);
    const ticket = await t.call(ops.acquireCloneTicket, secrets[0]);
    const clone = await t.engine.call(ops.cloneSession, t.context(), { ticket: ticket.ticket });
    secrets.push(clone.secret as string);
    await t.call(ops.terminateSessions, secrets[1], { sessions: [clone.session.key] });
    await t.call(ops.setPassword, secrets[0], { name: "alice", password: "brand-new-password" });
    await t.call(ops.updateServiceMessage, secrets[1], { text: "maintenance at noon" });
    await settle();
    const audit = JSON.stringify(await t.store.listAudit(null, 1000));
    assert.ok(audit.includes("login-failed"), "the audit log is not empty");
    const forbidden = [
      ...secrets,
      ticket.ticket,
      ...Object.values(PASSWORDS),
      "typo-password-xyz",
      "brand-new-password",
    ];
    for (const text of forbidden) assert.ok(!audit.includes(text), `the audit log holds a secret: ${text}`);
  });

  it("stores only the SHA-256 digest of a bearer secret: never the secret, in events or in the store", async () => {
    const t = await startEngine();
    const login = await t.login("alice");
    const anon = await t.call(ops.createSession, undefined, { secretFormat: "uuid" });
    const agent = await t.call(ops.createSession, undefined, { secretFormat: "agent" });
    const ticket = await t.call(ops.acquireCloneTicket, login.secret);
    await t.call(ops.putAttribute, login.secret, { name: "colour", value: "blue" });
    await t.call(ops.whoAmI, login.secret);
    await t.engine.flush();
    await settle();
    const secrets = [login.secret, anon.secret, agent.secret, ticket.ticket];

    const stored = (await t.store.listSessions({}, null, 1000)).sessions;
    assert.equal(stored.length, 3);
    const byKey = new Map(stored.map((s) => [s.key, s]));
    assert.equal(byKey.get(login.session.key)?.secretDigest, sha256(login.secret));
    assert.equal(byKey.get(anon.session.key)?.secretDigest, sha256(anon.secret));
    assert.equal(byKey.get(agent.session.key)?.secretDigest, sha256(agent.secret));

    const events = JSON.stringify(t.events);
    const records = JSON.stringify(stored);
    const audit = JSON.stringify(await t.store.listAudit(null, 1000));
    const everything = reachableStrings(t.store);
    assert.ok(everything.length > 10, "the store's state was searched");
    for (const secret of secrets) {
      assert.ok(!events.includes(secret), "an event holds a secret");
      assert.ok(!records.includes(secret), "a session record holds a secret");
      assert.ok(!audit.includes(secret), "the audit log holds a secret");
      assert.ok(!everything.some((s) => s.includes(secret)), "the store holds a secret somewhere");
    }
  });
});
