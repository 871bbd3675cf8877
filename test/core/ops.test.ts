import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { SessionError } from "../../src/core/errors.ts";
import * as ops from "../../src/core/ops/index.ts";
import { sessionView } from "../../src/core/views.ts";
import { createLocalTicketFiles } from "../../src/server/local-tickets.ts";
import { LOCAL_ADMIN } from "../../src/server/provision.ts";
import { defaultRealm, PASSWORDS, startEngine, type TestEngine } from "../helpers/engine.ts";
import { session } from "../store/contract/fixtures.ts";

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

async function isLive(t: TestEngine, secret: string): Promise<boolean> {
  try {
    await t.call(ops.whoAmI, secret);
    return true;
  } catch (error) {
    if (error instanceof SessionError && error.code === "NOT_AUTHENTICATED") return false;
    throw error;
  }
}

const UNKNOWN_KEY = "00000000-0000-4000-8000-000000000000";

describe("terminate sessions, in order (vSphere TerminateSession)", () => {
  it("ends every listed session, in order, as terminated by the caller", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const a = await t.login("alice");
    const b = await t.login("bob");
    const result = await t.call(ops.terminateSessions, admin.secret, {
      sessions: [a.session.key, b.session.key],
      mode: "in-order",
    });
    assert.deepEqual(
      result.results.map((r) => [r.key, r.outcome]),
      [
        [a.session.key, "terminated"],
        [b.session.key, "terminated"],
      ],
    );
    assert.equal(await isLive(t, a.secret), false);
    assert.equal(await isLive(t, b.secret), false);
    const ended = t.eventsOf("terminated", a.session.key);
    assert.equal(ended.length, 1);
    assert.equal(ended[0]?.actor, "admin@default");
  });

  it("stops at an unknown session with NOT_FOUND; the sessions before it stay terminated, those after stay live", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const a = await t.login("alice");
    const b = await t.login("bob");
    await rejectsWith(
      t.call(ops.terminateSessions, admin.secret, {
        sessions: [a.session.key, UNKNOWN_KEY, b.session.key],
        mode: "in-order",
      }),
      "NOT_FOUND",
    );
    assert.equal(await isLive(t, a.secret), false);
    assert.equal(await isLive(t, b.secret), true);
  });

  it("refuses the caller's own session with INVALID_ARGUMENT, keeping earlier terminations", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const a = await t.login("alice");
    const b = await t.login("bob");
    await rejectsWith(
      t.call(ops.terminateSessions, admin.secret, {
        sessions: [a.session.key, admin.session.key, b.session.key],
        mode: "in-order",
      }),
      "INVALID_ARGUMENT",
    );
    assert.equal(await isLive(t, a.secret), false);
    assert.equal(await isLive(t, admin.secret), true);
    assert.equal(await isLive(t, b.secret), true);
  });

  it("needs Sessions.TerminateSession, even for the caller's own user's sessions", async () => {
    const t = await startEngine();
    const a1 = await t.login("alice");
    const a2 = await t.login("alice");
    const b = await t.login("bob");
    await rejectsWith(
      t.call(ops.terminateSessions, a1.secret, { sessions: [b.session.key], mode: "in-order" }),
      "NO_PERMISSION",
    );
    await rejectsWith(
      t.call(ops.terminateSessions, a1.secret, { sessions: [a2.session.key], mode: "in-order" }),
      "NO_PERMISSION",
    );
    assert.equal(await isLive(t, b.secret), true);
    assert.equal(await isLive(t, a2.secret), true);
  });

  it("accepts the privilege when it comes from a group", async () => {
    const t = await startEngine();
    const carol = await t.login("carol");
    const b = await t.login("bob");
    await t.call(ops.terminateSessions, carol.secret, { sessions: [b.session.key], mode: "in-order" });
    assert.equal(await isLive(t, b.secret), false);
  });
});

describe("terminate sessions, batch", () => {
  it("answers a result per item, by key or number, in order", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const a = await t.login("alice");
    const b = await t.login("bob");
    const result = await t.call(ops.terminateSessions, admin.secret, {
      sessions: [a.session.key, UNKNOWN_KEY, b.session.number, 999_999],
    });
    assert.deepEqual(
      result.results.map((r) => r.outcome),
      ["terminated", "not-found", "terminated", "not-found"],
    );
    assert.equal(result.results[2]?.key, b.session.key);
    assert.equal(await isLive(t, a.secret), false);
    assert.equal(await isLive(t, b.secret), false);
  });

  it("lets a plain user end their own user's sessions but not others' (no-permission)", async () => {
    const t = await startEngine();
    const a1 = await t.login("alice");
    const a2 = await t.login("alice");
    const b = await t.login("bob");
    const result = await t.call(ops.terminateSessions, a1.secret, { sessions: [a2.session.key, b.session.key] });
    assert.deepEqual(
      result.results.map((r) => r.outcome),
      ["terminated", "no-permission"],
    );
    assert.equal(result.results[1]?.key, null, "nothing is revealed of a session one may not end");
    assert.equal(await isLive(t, a2.secret), false);
    assert.equal(await isLive(t, b.secret), true);
    assert.equal(t.eventsOf("terminated", b.session.key).length, 0);
  });

  it("lets a caller end its own session in a batch (reason disposed)", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    const result = await t.call(ops.terminateSessions, a.secret, { sessions: [a.session.key] });
    assert.equal(result.results[0]?.outcome, "terminated");
    assert.equal(await isLive(t, a.secret), false);
    assert.equal(t.eventsOf("disposed", a.session.key).length, 1);
  });

  it("refuses bad input with INVALID_ARGUMENT and ends nothing", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const b = await t.login("bob");
    for (const input of [
      {},
      { sessions: [] },
      { sessions: "x" },
      { sessions: [b.session.key, { key: "x" }] },
      { sessions: [b.session.key], mode: "sometimes" },
      { sessions: [b.session.key], extra: 1 },
    ]) {
      await rejectsWith(t.call(ops.terminateSessions, admin.secret, input), "INVALID_ARGUMENT");
    }
    assert.equal(await isLive(t, b.secret), true);
  });
});

describe("set locale", () => {
  it("accepts a listed language and sets locale and message locale, announcing locale-changed", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    assert.equal(a.session.locale, "en", "new sessions take the realm's default locale");
    const view = await t.call(ops.setLocale, a.secret, { locale: "de" });
    assert.equal(view.locale, "de");
    assert.equal(view.messageLocale, "de");
    const me = await t.call(ops.whoAmI, a.secret);
    assert.equal(me.session.locale, "de");
    assert.equal(t.eventsOf("locale-changed", a.session.key).length, 1);
  });

  it("accepts ll_CC when its language ll is listed", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    assert.equal((await t.call(ops.setLocale, a.secret, { locale: "en_US" })).locale, "en_US");
    assert.equal((await t.call(ops.setLocale, a.secret, { locale: "sv_FI" })).locale, "sv_FI");
    const b = await t.login("bob", { locale: "de_AT" });
    assert.equal(b.session.locale, "de_AT");
  });

  it("refuses unlisted and malformed locales with INVALID_LOCALE, changing nothing", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    await t.call(ops.setLocale, a.secret, { locale: "sv" });
    for (const locale of ["fr", "fr_FR", "EN", "en-US", "english", "e", "en_us", "en_USA", "de_"]) {
      await rejectsWith(t.call(ops.setLocale, a.secret, { locale }), "INVALID_LOCALE");
    }
    const me = await t.call(ops.whoAmI, a.secret);
    assert.equal(me.session.locale, "sv");
    assert.equal(me.session.messageLocale, "sv");
    assert.equal(t.eventsOf("locale-changed").length, 1);
    await rejectsWith(t.login("bob", { locale: "fr" }), "INVALID_LOCALE");
    assert.equal(t.eventsOf("login").filter((e) => e.userName === "bob").length, 0);
  });
});

describe("service message", () => {
  it("needs Sessions.GlobalMessage to update; a refused update changes nothing", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    await rejectsWith(t.call(ops.updateServiceMessage, a.secret, { text: "hacked" }), "NO_PERMISSION");
    const message = await t.call(ops.getServiceMessage, a.secret);
    assert.equal(message.text, "");
    assert.equal(t.eventsOf("message-updated").length, 0);
  });

  it("is announced with message-updated and shown, localized, in later login results", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const updated = await t.call(ops.updateServiceMessage, admin.secret, {
      text: "Maintenance at noon",
      byLocale: { de: "Wartung um zwölf", sv_SE: "Underhåll vid tolv" },
    });
    assert.equal(updated.updatedBy, "admin@default");
    const events = t.eventsOf("message-updated");
    assert.equal(events.length, 1);
    assert.equal(events[0]?.actor, "admin@default");

    assert.equal((await t.login("alice")).serviceMessage, "Maintenance at noon");
    assert.equal((await t.login("alice", { locale: "de" })).serviceMessage, "Wartung um zwölf");
    assert.equal((await t.login("alice", { locale: "de_CH" })).serviceMessage, "Wartung um zwölf");
    assert.equal((await t.login("alice", { locale: "sv_SE" })).serviceMessage, "Underhåll vid tolv");
    assert.equal((await t.login("alice", { locale: "sv" })).serviceMessage, "Maintenance at noon");
  });

  it("is read in the session's message locale, and an empty text clears it", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    await t.call(ops.updateServiceMessage, admin.secret, { text: "Hello", byLocale: { de: "Hallo" } });
    const a = await t.login("alice");
    assert.equal((await t.call(ops.getServiceMessage, a.secret)).localized, "Hello");
    await t.call(ops.setLocale, a.secret, { locale: "de" });
    const read = await t.call(ops.getServiceMessage, a.secret);
    assert.equal(read.localized, "Hallo");
    assert.equal(read.text, "Hello");
    await t.call(ops.updateServiceMessage, admin.secret, { text: "" });
    assert.equal((await t.login("bob")).serviceMessage, "");
    assert.equal(t.eventsOf("message-updated").length, 2);
  });

  it("refuses malformed updates with INVALID_ARGUMENT, keeping the old message", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    await t.call(ops.updateServiceMessage, admin.secret, { text: "Kept" });
    for (const input of [
      {},
      { text: 5 },
      { text: "x".repeat(4097) },
      { text: "ok", byLocale: { german: "x" } },
      { text: "ok", byLocale: { de: 5 } },
      { text: "ok", byLocale: [] },
      { text: "ok", extra: true },
    ]) {
      await rejectsWith(t.call(ops.updateServiceMessage, admin.secret, input), "INVALID_ARGUMENT");
    }
    assert.equal((await t.call(ops.getServiceMessage, admin.secret)).text, "Kept");
    assert.equal(t.eventsOf("message-updated").length, 1);
  });
});

describe("local ticket", () => {
  const dataDirs: string[] = [];
  after(() => {
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  async function withTickets() {
    const dataDir = mkdtempSync(join(tmpdir(), "sessiond-ops-"));
    dataDirs.push(dataDir);
    const t = await startEngine({ ports: createLocalTicketFiles({ dataDir, ttlMs: 60_000 }) });
    const acquire = async (userName: string) => {
      const result = await t.call(ops.acquireLocalTicket, undefined, { userName });
      const ticket = readFileSync(result.passwordFilePath, "utf8").trim();
      return { ...result, ticket };
    };
    return { t, dataDir, acquire };
  }

  it("is offered only to loopback callers (INVALID_REQUEST otherwise), writing nothing", async () => {
    const { t, dataDir } = await withTickets();
    await rejectsWith(
      t.call(ops.acquireLocalTicket, undefined, { userName: "alice" }, { isLoopback: false, ipAddress: "192.0.2.7" }),
      "INVALID_REQUEST",
    );
    assert.throws(() => statSync(join(dataDir, "tickets", "alice")), { code: "ENOENT" });
  });

  it("writes the ticket to a 0600 file in a 0700 directory under the data directory", async () => {
    const { dataDir, acquire } = await withTickets();
    const result = await acquire("alice");
    assert.equal(result.userName, "alice");
    assert.ok(!relative(dataDir, result.passwordFilePath).startsWith(".."), "the file is under the data directory");
    assert.equal(statSync(result.passwordFilePath).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(result.passwordFilePath)).mode & 0o777, 0o700);
    assert.match(result.ticket, /^\S{32,}$/);
  });

  it("does not return the ticket itself in the operation's result", async () => {
    const { t, acquire } = await withTickets();
    const first = await acquire("alice");
    const raw = await t.call(ops.acquireLocalTicket, undefined, { userName: "alice" });
    const ticket = readFileSync(raw.passwordFilePath, "utf8").trim();
    assert.notEqual(ticket, first.ticket, "every ticket is new");
    assert.ok(!JSON.stringify(raw).includes(ticket));
  });

  it("works exactly once as the password of its user", async () => {
    const { t, acquire } = await withTickets();
    const { ticket, passwordFilePath } = await acquire("alice");
    const login = await t.login("alice", { password: ticket });
    assert.equal(login.user.name, "alice");
    await rejectsWith(t.login("alice", { password: ticket }), "INVALID_LOGIN");
    assert.throws(() => statSync(passwordFilePath), { code: "ENOENT" }, "the used ticket's file is removed");
  });

  it("is not a password for another user", async () => {
    const { t, acquire } = await withTickets();
    const { ticket } = await acquire("alice");
    await rejectsWith(t.login("bob", { password: ticket }), "INVALID_LOGIN");
  });

  it("expires after its time to live", async () => {
    const { t, acquire } = await withTickets();
    const early = await acquire("alice");
    t.clock.advance(60_000 - 1);
    await t.login("alice", { password: early.ticket });
    const late = await acquire("alice");
    t.clock.advance(60_000);
    await rejectsWith(t.login("alice", { password: late.ticket }), "INVALID_LOGIN");
  });
});

describe("clone ticket", () => {
  it("turns into a new session of the same user, once", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    const { ticket, expiresAt } = await t.call(ops.acquireCloneTicket, a.secret);
    assert.equal(expiresAt, t.clock.now() + 60_000);
    const clone = await t.engine.call(ops.cloneSession, t.context(), { ticket });
    assert.equal(clone.user.name, "alice");
    assert.notEqual(clone.session.key, a.session.key);
    assert.ok(clone.secret && clone.secret !== a.secret);
    assert.equal((await t.call(ops.whoAmI, clone.secret)).user?.name, "alice");
    await rejectsWith(t.engine.call(ops.cloneSession, t.context(), { ticket }), "INVALID_LOGIN");
  });

  it("is not a session: it is absent from lists and does not authenticate", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const a = await t.login("alice");
    const before = await t.call(ops.listSessions, admin.secret, {});
    const { ticket } = await t.call(ops.acquireCloneTicket, a.secret);
    const listed = await t.call(ops.listSessions, admin.secret, {});
    assert.deepEqual(
      listed.sessions.map((s) => s.key),
      before.sessions.map((s) => s.key),
    );
    await rejectsWith(t.call(ops.whoAmI, ticket), "NOT_AUTHENTICATED");
  });

  it("is invalid once the session it was taken from has ended", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    const { ticket } = await t.call(ops.acquireCloneTicket, a.secret);
    await t.call(ops.endSession, a.secret);
    await rejectsWith(t.engine.call(ops.cloneSession, t.context(), { ticket }), "INVALID_LOGIN");
  });

  it("expires after its time to live", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    const { ticket } = await t.call(ops.acquireCloneTicket, a.secret);
    t.clock.advance(60_000);
    await rejectsWith(t.engine.call(ops.cloneSession, t.context(), { ticket }), "INVALID_LOGIN");
  });

  it("keeps the record of who impersonated in a clone of an impersonated session", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const asBob = await t.call(ops.impersonate, admin.secret, { userName: "bob" });
    const { ticket } = await t.call(ops.acquireCloneTicket, asBob.secret as string);
    const clone = await t.engine.call(ops.cloneSession, t.context(), { ticket });
    assert.equal(clone.user.name, "bob");
    assert.equal(clone.session.impersonatedBy, "admin@default");
  });

  it("needs a logged-in session", async () => {
    const t = await startEngine();
    const anon = await t.call(ops.createSession, undefined, {});
    await rejectsWith(t.call(ops.acquireCloneTicket, anon.secret), "NOT_AUTHENTICATED");
    await rejectsWith(t.call(ops.acquireCloneTicket, undefined), "NOT_AUTHENTICATED");
  });
});

describe("service ticket", () => {
  const SCOPE = "http GET /sdk/thing";

  it("runs one request, under its own scope, in the session it was taken from", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    const { ticket, expiresAt } = await t.call(ops.acquireServiceTicket, a.secret, { scope: SCOPE });
    assert.equal(expiresAt, t.clock.now() + 60_000);
    // Under another scope it matches nothing, and stays usable where it belongs.
    const elsewhere = t.context(undefined, { serviceTicket: { ticket, scopes: ["http GET /sdk/other"] } });
    await rejectsWith(t.engine.call(ops.whoAmI, elsewhere), "NOT_AUTHENTICATED");
    const here = t.context(undefined, { serviceTicket: { ticket, scopes: ["http * /sdk/thing", SCOPE] } });
    const me = await t.engine.call(ops.whoAmI, here);
    assert.equal(me.session.key, a.session.key);
    await rejectsWith(t.engine.call(ops.whoAmI, here), "NOT_AUTHENTICATED");
  });

  it("may only read: it never changes its session or turns into credentials, and is spent trying", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const refused: [string, Parameters<typeof t.engine.call>[0], unknown][] = [
      ["clone ticket", ops.acquireCloneTicket, {}],
      ["another service ticket", ops.acquireServiceTicket, { scope: SCOPE }],
      ["impersonation", ops.impersonate, { userName: "bob" }],
      ["the end of the session", ops.endSession, {}],
      ["a login", ops.login, { userName: "alice", password: PASSWORDS.alice }],
      ["a new session", ops.createSession, {}],
      ["an attribute", ops.putAttribute, { name: "a", value: "b" }],
      ["the service message", ops.updateServiceMessage, { text: "x" }],
    ];
    for (const [what, op, input] of refused) {
      const { ticket } = await t.call(ops.acquireServiceTicket, admin.secret, { scope: SCOPE });
      const presented = t.context(undefined, { serviceTicket: { ticket, scopes: [SCOPE] } });
      const error = await rejectsWith(t.engine.call(op, presented, input), "INVALID_REQUEST");
      assert.equal(error.details.reason, "service-ticket", what);
    }
    assert.equal((await t.call(ops.whoAmI, admin.secret)).user?.name, "admin", "the session is untouched");
    assert.deepEqual(await t.call(ops.listAttributes, admin.secret), {});
    assert.equal(t.eventsOf("login").length, 1, "no session was made from a ticket");
  });

  it("is not a session, not a secret, and void once its session ended or expired", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    const { ticket } = await t.call(ops.acquireServiceTicket, a.secret, { scope: SCOPE });
    await rejectsWith(t.call(ops.whoAmI, ticket), "NOT_AUTHENTICATED");
    await t.call(ops.endSession, a.secret);
    const presented = t.context(undefined, { serviceTicket: { ticket, scopes: [SCOPE] } });
    await rejectsWith(t.engine.call(ops.whoAmI, presented), "NOT_AUTHENTICATED");
    const b = await t.login("bob");
    const late = await t.call(ops.acquireServiceTicket, b.secret, { scope: SCOPE });
    t.clock.advance(60_000);
    const expired = t.context(undefined, { serviceTicket: { ticket: late.ticket, scopes: [SCOPE] } });
    await rejectsWith(t.engine.call(ops.whoAmI, expired), "NOT_AUTHENTICATED");
  });

  it("is void when its session was logged out and in as someone else", async () => {
    const t = await startEngine();
    const anon = await t.call(ops.createSession, undefined, {});
    const asAlice = await t.call(ops.login, anon.secret, { userName: "alice", password: PASSWORDS.alice });
    const secret = asAlice.secret ?? assert.fail("the JSON API rotates the secret at login");
    const { ticket } = await t.call(ops.acquireServiceTicket, secret, { scope: SCOPE });
    await t.call(ops.logout, secret);
    await t.call(ops.login, secret, { userName: "bob", password: PASSWORDS.bob });
    const presented = t.context(undefined, { serviceTicket: { ticket, scopes: [SCOPE] } });
    await rejectsWith(t.engine.call(ops.whoAmI, presented), "NOT_AUTHENTICATED");
  });

  it("needs a logged-in session", async () => {
    const t = await startEngine();
    const anon = await t.call(ops.createSession, undefined, {});
    await rejectsWith(t.call(ops.acquireServiceTicket, anon.secret, { scope: SCOPE }), "NOT_AUTHENTICATED");
    const a = await t.login("alice");
    await rejectsWith(t.call(ops.acquireServiceTicket, a.secret, {}), "INVALID_ARGUMENT");
  });
});

describe("describe realm", () => {
  it("answers the locales of the caller's realm, or of the default realm without a session", async () => {
    const t = await startEngine({
      realms: [
        defaultRealm(),
        {
          name: "other",
          defaultLocale: "sv",
          supportedLocales: ["sv", "en"],
          users: [{ name: "olga", password: "olga-secret-pw" }],
        },
      ],
    });
    assert.deepEqual(await t.call(ops.describeRealm, undefined), {
      id: "00000000-0000-0000-0000-000000000000",
      name: "default",
      defaultLocale: "en",
      supportedLocales: ["en", "de", "sv"],
    });
    const o = await t.login("olga@other", { password: "olga-secret-pw" });
    const other = await t.call(ops.describeRealm, o.secret);
    assert.equal(other.name, "other");
    assert.equal(other.defaultLocale, "sv");
    assert.deepEqual(other.supportedLocales, ["sv", "en"]);
  });
});

describe("impersonate", () => {
  it("needs Sessions.ImpersonateUser", async () => {
    const t = await startEngine();
    const a = await t.login("alice");
    await rejectsWith(t.call(ops.impersonate, a.secret, { userName: "bob" }), "NO_PERMISSION");
    assert.equal((await t.call(ops.whoAmI, a.secret)).user?.name, "alice");
    assert.equal((await t.store.listSessions({ userName: "bob" }, null, 10)).sessions.length, 0);
  });

  it("creates a new session of the user that records who impersonated", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const result = await t.call(ops.impersonate, admin.secret, { userName: "bob" });
    assert.ok(result.secret);
    assert.equal(result.user.name, "bob");
    assert.equal(result.session.impersonatedBy, "admin@default");
    const me = await t.call(ops.whoAmI, result.secret);
    assert.equal(me.user?.name, "bob");
    assert.equal(me.session.impersonatedBy, "admin@default");
    assert.equal((await t.call(ops.whoAmI, admin.secret)).user?.name, "admin", "the caller stays who it was");
    const login = t.eventsOf("login", result.session.key);
    assert.equal(login[0]?.actor, "admin@default");
  });

  it("with inPlace, turns the caller's own session into the user's", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const result = await t.call(ops.impersonate, admin.secret, { userName: "bob", inPlace: true });
    assert.equal(result.session.key, admin.session.key);
    assert.equal(result.secretRotated, true, "the user changed, so the JSON API's secret did too");
    await rejectsWith(t.call(ops.whoAmI, admin.secret), "NOT_AUTHENTICATED");
    const me = await t.call(ops.whoAmI, result.secret);
    assert.equal(me.user?.name, "bob");
    assert.equal(me.session.impersonatedBy, "admin@default");
    assert.ok(!me.privileges.includes("Sessions.ImpersonateUser"), "the session now has bob's privileges");
  });

  it("refuses unknown users with INVALID_LOGIN", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    await rejectsWith(t.call(ops.impersonate, admin.secret, { userName: "nobody" }), "INVALID_LOGIN");
  });
});

describe("login identity and realms named by GUID (the Agent's SIDs and realms)", () => {
  const realms = [
    defaultRealm({
      users: [
        { name: "root", number: 0, password: "mypass", groups: ["root", "wheel", "gone"], privileges: ["System.Read"] },
        { name: "admin", number: 1, password: PASSWORDS.admin, privileges: ["Sessions.ImpersonateUser"] },
      ],
      groups: [
        { name: "wheel", number: 10, privileges: ["Sessions.TerminateSession"] },
        { name: "root", number: 0 },
      ],
    }),
    {
      name: "ldap",
      id: "458d583f-0000-4000-8000-00000000abcd",
      users: [{ name: "ann", number: 511, password: "ann-pw" }],
    },
  ];

  it("answers who logged in as numbers: realm GUID, user and group numbers, every privilege", async () => {
    const t = await startEngine({ realms });
    const plain = await t.call(ops.login, undefined, { userName: "root", password: "mypass" });
    assert.equal(plain.identity, undefined, "only when asked for: it costs a read per group");
    const result = await t.call(ops.login, undefined, { userName: "root", password: "mypass", identity: true });
    assert.deepEqual(result.identity, {
      realmId: "00000000-0000-0000-0000-000000000000",
      userNumber: 0,
      // In the user's order; a group that does not exist is left out.
      groups: [
        { name: "root", number: 0 },
        { name: "wheel", number: 10 },
      ],
      privileges: ["Sessions.TerminateSession", "System.Anonymous", "System.Read", "System.View"],
    });
  });

  it("logs in to a realm named by its GUID, in any letter case; an unknown GUID is NOT_FOUND", async () => {
    const t = await startEngine({ realms });
    const result = await t.call(ops.login, undefined, {
      userName: "ann",
      password: "ann-pw",
      realmId: "458D583F-0000-4000-8000-00000000ABCD",
      identity: true,
    });
    assert.equal(result.session.realm, "ldap");
    assert.equal(result.identity?.userNumber, 511);
    await rejectsWith(
      t.call(ops.login, undefined, {
        userName: "ann",
        password: "ann-pw",
        realmId: "11111111-1111-1111-1111-111111111111",
      }),
      "NOT_FOUND",
    );
    await rejectsWith(
      t.call(ops.login, undefined, { userName: "ann", password: "ann-pw", realmId: "not-a-guid" }),
      "INVALID_ARGUMENT",
    );
    await rejectsWith(
      t.call(ops.login, undefined, {
        userName: "ann",
        password: "ann-pw",
        realm: "default",
        realmId: "458d583f-0000-4000-8000-00000000abcd",
      }),
      "INVALID_ARGUMENT",
    );
  });

  it("impersonates a user named by number in a realm named by GUID", async () => {
    const t = await startEngine({ realms });
    const admin = await t.login("admin");
    const as = await t.call(ops.impersonate, admin.secret, {
      userNumber: 511,
      realmId: "458d583f-0000-4000-8000-00000000abcd",
    });
    assert.equal(as.session.userName, "ann");
    assert.equal(as.session.impersonatedBy, "admin@default");
    const root = await t.call(ops.impersonate, admin.secret, { userNumber: 0 });
    assert.equal(root.session.userName, "root");
    await rejectsWith(t.call(ops.impersonate, admin.secret, { userNumber: 99 }), "INVALID_LOGIN");
    await rejectsWith(t.call(ops.impersonate, admin.secret, { userNumber: 0, userName: "root" }), "INVALID_ARGUMENT");
    await rejectsWith(t.call(ops.impersonate, admin.secret, {}), "INVALID_ARGUMENT");
  });

  it("lists every realm's name and GUID to anyone", async () => {
    const t = await startEngine({ realms });
    assert.deepEqual(await t.call(ops.listPublicRealms, undefined), [
      { id: "00000000-0000-0000-0000-000000000000", name: "default" },
      { id: "458d583f-0000-4000-8000-00000000abcd", name: "ldap" },
    ]);
  });
});

describe("session attributes", () => {
  const limits = {
    maxAttributes: 3,
    maxAttributeNameLength: 8,
    maxAttributeValueBytes: 10,
    maxAttributeTotalBytes: 25,
  };

  it("are isolated between sessions, even of the same user", async () => {
    const t = await startEngine();
    const one = await t.login("alice");
    const two = await t.login("alice");
    await t.call(ops.putAttribute, one.secret, { name: "colour", value: "red" });
    await t.call(ops.putAttribute, one.secret, { name: "only1", value: "x" });
    await t.call(ops.putAttribute, two.secret, { name: "colour", value: "blue" });
    assert.equal((await t.call(ops.getAttribute, one.secret, { name: "colour" })).value, "red");
    assert.equal((await t.call(ops.getAttribute, two.secret, { name: "colour" })).value, "blue");
    assert.equal((await t.call(ops.getAttribute, two.secret, { name: "only1" })).value, null);
    assert.deepEqual(await t.call(ops.listAttributes, two.secret), { colour: "blue" });
    assert.deepEqual(await t.call(ops.listAttributes, one.secret), { colour: "red", only1: "x" });
  });

  it("work in anonymous sessions and can be deleted", async () => {
    const t = await startEngine();
    const anon = await t.call(ops.createSession, undefined, {});
    await t.call(ops.putAttribute, anon.secret, { name: "k", value: "v" });
    assert.deepEqual(await t.call(ops.deleteAttribute, anon.secret, { name: "k" }), { deleted: true });
    assert.deepEqual(await t.call(ops.deleteAttribute, anon.secret, { name: "k" }), { deleted: false });
    assert.deepEqual(await t.call(ops.listAttributes, anon.secret), {});
  });

  it("refuse more than maxAttributes with LIMIT_EXCEEDED, changing nothing; replacing still works", async () => {
    const t = await startEngine({ limits });
    const s = await t.login("alice");
    for (const name of ["a", "b", "c"]) await t.call(ops.putAttribute, s.secret, { name, value: "1" });
    await rejectsWith(t.call(ops.putAttribute, s.secret, { name: "d", value: "1" }), "LIMIT_EXCEEDED");
    assert.deepEqual(await t.call(ops.listAttributes, s.secret), { a: "1", b: "1", c: "1" });
    await t.call(ops.putAttribute, s.secret, { name: "a", value: "2" });
    assert.equal((await t.call(ops.getAttribute, s.secret, { name: "a" })).value, "2");
  });

  it("refuse a value over maxAttributeValueBytes (counted in UTF-8 bytes), keeping the old value", async () => {
    const t = await startEngine({ limits });
    const s = await t.login("alice");
    await t.call(ops.putAttribute, s.secret, { name: "a", value: "old" });
    await t.call(ops.putAttribute, s.secret, { name: "b", value: "0123456789" });
    await rejectsWith(t.call(ops.putAttribute, s.secret, { name: "a", value: "01234567890" }), "LIMIT_EXCEEDED");
    // Six characters, twelve bytes.
    await rejectsWith(t.call(ops.putAttribute, s.secret, { name: "a", value: "éééééé" }), "LIMIT_EXCEEDED");
    assert.deepEqual(await t.call(ops.listAttributes, s.secret), { a: "old", b: "0123456789" });
  });

  it("refuse a write that takes the session over maxAttributeTotalBytes, changing nothing", async () => {
    const t = await startEngine({ limits });
    const s = await t.login("alice");
    await t.call(ops.putAttribute, s.secret, { name: "a", value: "0123456789" }); // 11 bytes
    await t.call(ops.putAttribute, s.secret, { name: "b", value: "0123456789" }); // 22 bytes
    await rejectsWith(t.call(ops.putAttribute, s.secret, { name: "c", value: "0123" }), "LIMIT_EXCEEDED");
    // Replacing a value counts only the new size.
    await t.call(ops.putAttribute, s.secret, { name: "b", value: "9876543210" });
    assert.deepEqual(await t.call(ops.listAttributes, s.secret), { a: "0123456789", b: "9876543210" });
    await t.call(ops.putAttribute, s.secret, { name: "c", value: "01" }); // 25 bytes: at the limit
    assert.equal((await t.call(ops.getAttribute, s.secret, { name: "c" })).value, "01");
  });

  it("refuse a name longer than maxAttributeNameLength with INVALID_ARGUMENT, for reads too", async () => {
    const t = await startEngine({ limits });
    const s = await t.login("alice");
    await rejectsWith(t.call(ops.putAttribute, s.secret, { name: "ninechars", value: "x" }), "INVALID_ARGUMENT");
    await rejectsWith(t.call(ops.getAttribute, s.secret, { name: "ninechars" }), "INVALID_ARGUMENT");
    assert.deepEqual(await t.call(ops.listAttributes, s.secret), {});
  });

  it("refuse malformed names and values with INVALID_ARGUMENT", async () => {
    const t = await startEngine();
    const s = await t.login("alice");
    for (const input of [
      { name: "", value: "x" },
      { name: "a\nb", value: "x" },
      { name: "a", value: 5 },
      { value: "x" },
    ]) {
      await rejectsWith(t.call(ops.putAttribute, s.secret, input), "INVALID_ARGUMENT");
    }
    assert.deepEqual(await t.call(ops.listAttributes, s.secret), {});
  });

  it("are written several at once, all or none (Agent sessionm/put)", async () => {
    const t = await startEngine({ limits });
    const s = await t.login("alice");
    const written = await t.call(ops.putAttributes, s.secret, {
      entries: [
        { name: "a", value: "1" },
        { name: "b", value: "2" },
      ],
    });
    assert.deepEqual(written, { written: 2 });
    // Two more would make four, over maxAttributes 3: neither is written.
    await rejectsWith(
      t.call(ops.putAttributes, s.secret, {
        entries: [
          { name: "c", value: "3" },
          { name: "d", value: "4" },
        ],
      }),
      "LIMIT_EXCEEDED",
    );
    // One bad value refuses the whole batch too.
    await rejectsWith(
      t.call(ops.putAttributes, s.secret, {
        entries: [
          { name: "a", value: "changed" },
          { name: "b", value: "01234567890" },
        ],
      }),
      "LIMIT_EXCEEDED",
    );
    assert.deepEqual(await t.call(ops.listAttributes, s.secret), { a: "1", b: "2" });
    for (const input of [{}, { entries: [] }, { entries: [{ name: "a" }] }, { entries: [{ name: "", value: "x" }] }]) {
      const error = await rejectsWith(t.call(ops.putAttributes, s.secret, input), "INVALID_ARGUMENT");
      assert.match(error.message, /^entries/);
    }
  });

  it("are deleted with their session", async () => {
    const t = await startEngine();
    const s = await t.login("alice");
    await t.call(ops.putAttribute, s.secret, { name: "k", value: "v" });
    assert.deepEqual(await t.store.listAttributes(s.session.key), { k: "v" });
    await t.call(ops.endSession, s.secret);
    assert.deepEqual(await t.store.listAttributes(s.session.key), {});
    assert.equal(await t.store.getAttribute(s.session.key, "k"), null);
  });
});

describe("list sessions", () => {
  async function populated() {
    const t = await startEngine({
      realms: [
        defaultRealm(),
        { name: "other", supportedLocales: ["en"], users: [{ name: "olga", password: "olga-secret-pw" }] },
      ],
    });
    const admin = await t.login("admin");
    const a1 = await t.login("alice");
    const a2 = await t.login("alice", {}, { protocol: "httpkom" });
    const b = await t.login("bob");
    const o = await t.login("olga@other", { password: "olga-secret-pw" });
    const anon = await t.call(ops.createSession, undefined, {}, { protocol: "astrogrid" });
    return { t, admin, a1, a2, b, o, anon };
  }

  it("shows an administrator every live session, filtered by realm, user and protocol", async () => {
    const { t, admin, a1, a2, b, o, anon } = await populated();
    const keysOf = async (input: Record<string, unknown>) =>
      (await t.call(ops.listSessions, admin.secret, input)).sessions.map((s) => s.key).sort();
    assert.deepEqual(await keysOf({}), [admin, a1, a2, b, o, anon].map((s) => s.session.key).sort());
    assert.deepEqual(await keysOf({ realm: "other" }), [o.session.key]);
    assert.deepEqual(await keysOf({ userName: "alice" }), [a1.session.key, a2.session.key].sort());
    assert.deepEqual(await keysOf({ protocol: "httpkom" }), [a2.session.key]);
    assert.deepEqual(await keysOf({ protocol: "astrogrid" }), [anon.session.key]);
    assert.deepEqual(await keysOf({ realm: "default", userName: "alice", protocol: "api" }), [a1.session.key]);
    assert.deepEqual(await keysOf({ realm: "nowhere" }), []);
  });

  it("pages with a cursor: every session once, in number order", async () => {
    const { t, admin } = await populated();
    const seen: number[] = [];
    let after: number | null | undefined;
    let pages = 0;
    do {
      const page: { sessions: { number: number }[]; nextAfter: number | null } = await t.call(
        ops.listSessions,
        admin.secret,
        after === undefined || after === null ? { limit: 2 } : { limit: 2, after },
      );
      assert.ok(page.sessions.length <= 2);
      seen.push(...page.sessions.map((s) => s.number));
      after = page.nextAfter;
      pages += 1;
    } while (after !== null && pages < 10);
    assert.equal(seen.length, 6);
    assert.deepEqual(
      seen,
      [...seen].sort((x, y) => x - y),
    );
    assert.equal(new Set(seen).size, 6);
    assert.ok(pages >= 3);
  });

  it("with all, shows everyone's sessions or refuses with NO_PERMISSION (vSphere sessionList)", async () => {
    const { t, admin, a1 } = await populated();
    const error = await rejectsWith(t.call(ops.listSessions, a1.secret, { all: true }), "NO_PERMISSION");
    assert.equal(error.details.privilegeId, "Sessions.TerminateSession");
    const carol = await t.login("carol");
    const everyone = await t.call(ops.listSessions, carol.secret, { all: true });
    assert.equal(everyone.sessions.length, (await t.call(ops.listSessions, admin.secret, {})).sessions.length);
  });

  it("shows a plain user only their own user's sessions", async () => {
    const { t, a1, a2 } = await populated();
    const own = (await t.call(ops.listSessions, a1.secret, {})).sessions;
    assert.deepEqual(own.map((s) => s.key).sort(), [a1.session.key, a2.session.key].sort());
    assert.deepEqual((await t.call(ops.listSessions, a1.secret, { userName: "bob" })).sessions, []);
    assert.deepEqual((await t.call(ops.listSessions, a1.secret, { realm: "other" })).sessions, []);
  });

  it("leaves out sessions that have expired", async () => {
    const { t, admin } = await populated();
    t.clock.advance(1800 * 1000 - 1);
    await t.call(ops.whoAmI, admin.secret);
    t.clock.advance(1);
    const listed = (await t.call(ops.listSessions, admin.secret, {})).sessions;
    assert.deepEqual(
      listed.map((s) => s.key),
      [admin.session.key],
    );
  });

  it("never shows a secret or digest", async () => {
    const { t, admin, a1 } = await populated();
    const text = JSON.stringify(await t.call(ops.listSessions, admin.secret, {}));
    assert.ok(!text.includes(a1.secret));
    assert.ok(!text.includes("secretDigest"));
    assert.ok(!text.includes((await t.store.getSessionByKey(a1.session.key))?.secretDigest as string));
  });

  it("needs a logged-in session", async () => {
    const { t, anon } = await populated();
    await rejectsWith(t.call(ops.listSessions, anon.secret, {}), "NOT_AUTHENTICATED");
    await rejectsWith(t.call(ops.listSessions, undefined, {}), "NOT_AUTHENTICATED");
  });
});

describe("privileges", () => {
  it("include those granted through groups", async () => {
    const t = await startEngine();
    const carol = await t.login("carol");
    const me = await t.call(ops.whoAmI, carol.secret);
    assert.ok(me.privileges.includes("Sessions.TerminateSession"));
    assert.ok(!me.privileges.includes("Sessions.GlobalMessage"));
    const b = await t.login("bob");
    const listed = await t.call(ops.listSessions, carol.secret, { userName: "bob" });
    assert.deepEqual(
      listed.sessions.map((s) => s.key),
      [b.session.key],
    );
  });

  it("hold System.View only while logged in; System.Anonymous always", async () => {
    const t = await startEngine();
    const anon = await t.call(ops.createSession, undefined, {});
    assert.deepEqual((await t.call(ops.whoAmI, anon.secret)).privileges, ["System.Anonymous"]);
    const logged = await t.engine.call(ops.login, t.context(anon.secret), {
      userName: "alice",
      password: PASSWORDS.alice,
    });
    assert.equal(logged.session.key, anon.session.key, "logged in into the caller's own session");
    const secret = logged.secret ?? assert.fail("the JSON API rotates the secret at login");
    assert.deepEqual((await t.call(ops.whoAmI, secret)).privileges, ["System.Anonymous", "System.View"]);
    await t.call(ops.logout, secret);
    assert.deepEqual((await t.call(ops.whoAmI, secret)).privileges, ["System.Anonymous"]);
  });

  it("let a validator see only whether a session is active and whose it is", async () => {
    const t = await startEngine();
    const vera = await t.login("vera");
    const b = await t.login("bob");
    const seen = await t.call(ops.inspectSession, vera.secret, { key: b.session.key });
    assert.deepEqual(seen, { active: true, userName: "bob" });
    const alice = await t.login("alice");
    await rejectsWith(t.call(ops.inspectSession, alice.secret, { key: b.session.key }), "NOT_FOUND");
    assert.equal(await t.call(ops.sessionIsActive, vera.secret, { key: b.session.key, userName: "bob" }), true);
    assert.equal(await t.call(ops.sessionIsActive, vera.secret, { key: b.session.key, userName: "alice" }), false);
  });

  it("let a trusted in-process caller do anything without a session", async () => {
    const t = await startEngine();
    const b = await t.login("bob");
    await t.engine.call(ops.terminateSessions, LOCAL_ADMIN, { sessions: [b.session.key], mode: "in-order" });
    assert.equal(await isLive(t, b.secret), false);
    assert.equal(t.eventsOf("terminated", b.session.key)[0]?.actor, "(local administrator)");
  });
});

describe("sessions named by their secret (AstroGrid exists/dispose/find)", () => {
  it("creates a logged-in session only for trusted callers", async () => {
    const t = await startEngine();
    await rejectsWith(t.call(ops.createSession, undefined, { userName: "alice" }), "INVALID_REQUEST");
    const made = await t.engine.call(ops.createSession, LOCAL_ADMIN, {
      userName: "alice",
      binding: "server",
      secretFormat: "hex32",
    });
    assert.match(made.secret, /^[0-9a-f]{32}$/);
    assert.equal(made.session.userName, "alice");
    assert.equal(made.session.binding, "server");
    await rejectsWith(t.engine.call(ops.createSession, LOCAL_ADMIN, { userName: "nobody" }), "NOT_FOUND");
  });

  it("probes without touching, and disposes anything but server-bound sessions", async () => {
    const t = await startEngine();
    const caller = await t.call(ops.createSession, undefined, {});
    const other = await t.call(ops.createSession, undefined, { idleTimeoutSeconds: 60 });
    const server = await t.engine.call(ops.createSession, LOCAL_ADMIN, { binding: "server" });
    const before = (await t.store.getSessionByKey(other.session.key))?.lastActiveAt;
    t.clock.advance(10_000);
    assert.deepEqual(await t.call(ops.probeSecret, caller.secret, { secret: other.secret }), {
      live: true,
      serverBound: false,
    });
    await t.engine.flush();
    assert.equal((await t.store.getSessionByKey(other.session.key))?.lastActiveAt, before);
    assert.deepEqual(await t.call(ops.probeSecret, caller.secret, { secret: "nosuch" }), {
      live: false,
      serverBound: false,
    });
    assert.deepEqual(await t.call(ops.disposeBySecret, caller.secret, { secret: server.secret }), { ended: false });
    assert.equal((await t.call(ops.probeSecret, caller.secret, { secret: server.secret })).live, true);
    assert.deepEqual(await t.call(ops.disposeBySecret, caller.secret, { secret: other.secret }), { ended: true });
    assert.deepEqual(await t.call(ops.disposeBySecret, caller.secret, { secret: other.secret }), { ended: false });
    await rejectsWith(t.call(ops.probeSecret, undefined, { secret: other.secret }), "NOT_AUTHENTICATED");
  });
});

describe("ending a user's sessions", () => {
  it("ends every session of a disabled user, the one that disabled it included", async () => {
    const t = await startEngine();
    const admin = await t.login("admin");
    const other = await t.login("admin");
    const result = await t.call(ops.setUserDisabled, admin.secret, { name: "admin", disabled: true });
    assert.equal(result.sessionsEnded, 2);
    await rejectsWith(t.call(ops.whoAmI, admin.secret), "NOT_AUTHENTICATED");
    await rejectsWith(t.call(ops.whoAmI, other.secret), "NOT_AUTHENTICATED");
  });

  it("keeps the caller's own session when it changes its own password", async () => {
    const t = await startEngine();
    const alice = await t.login("alice");
    const elsewhere = await t.login("alice");
    const result = await t.call(ops.setPassword, alice.secret, { name: "alice", password: "a-new-password-1" });
    assert.equal(result.sessionsEnded, 1);
    assert.equal((await t.call(ops.whoAmI, alice.secret)).user?.name, "alice");
    await rejectsWith(t.call(ops.whoAmI, elsewhere.secret), "NOT_AUTHENTICATED");
  });
});

describe("session view", () => {
  it("names the node of a bound session and none for an unbound one", () => {
    assert.equal(sessionView(session(1, { binding: { kind: "server", node: "node-2" } })).node, "node-2");
    assert.equal(
      sessionView(session(2, { binding: { kind: "connection", node: "node-3", connection: "c1" } })).node,
      "node-3",
    );
    assert.equal(sessionView(session(3, { binding: null })).node, null);
  });
});
