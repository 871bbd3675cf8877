/**
 * `GET /api/v1/audit` over a real socket (issue 14): it needs `Audit.Read` (not `System.Read`, nor
 * `Directory.Manage`), pages by id and filters by realm, user name and kind, and it holds logins,
 * failed logins, endings with their reason, terminations with who did them, impersonations, directory
 * changes and service-message changes, never a password or a ticket.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuditEntryView } from "../../../src/core/views.ts";
import { API_PASSWORDS, assertApiError, startApiApp } from "../../helpers/api.ts";
import type { TestApp } from "../../helpers/start-app.ts";

describe("admin API: audit log", () => {
  let t: TestApp;
  let admin: string;
  before(async () => {
    t = await startApiApp({
      realms: [
        {
          name: "default",
          defaultLocale: "en",
          supportedLocales: ["en"],
          users: [
            {
              name: "admin",
              password: API_PASSWORDS.admin,
              privileges: [
                "Directory.Manage",
                "Audit.Read",
                "Sessions.TerminateSession",
                "Sessions.ImpersonateUser",
                "Sessions.GlobalMessage",
              ],
            },
            { name: "alice", password: API_PASSWORDS.alice },
            { name: "bob", password: API_PASSWORDS.bob },
            { name: "reader", password: "reader-password", privileges: ["System.Read"] },
            { name: "manager", password: "manager-password", privileges: ["Directory.Manage"] },
            { name: "auditor", password: "auditor-password", privileges: ["Audit.Read"] },
          ],
        },
        { name: "lab", users: [{ name: "alice", password: "lab-alice-password" }] },
      ],
    });
    admin = await t.login("admin", API_PASSWORDS.admin);
  });
  after(() => t.stop());

  /** Every entry that matches the query, read a page of `limit` at a time. */
  async function readAll(query: Record<string, string>, limit = 3, bearer = admin): Promise<AuditEntryView[]> {
    const entries: AuditEntryView[] = [];
    let afterId: number | null = null;
    for (;;) {
      const params = new URLSearchParams({ ...query, limit: String(limit) });
      if (afterId !== null) params.set("after", String(afterId));
      const page = await t.request("GET", `/api/v1/audit?${params}`, { bearer });
      assert.equal(page.status, 200, page.text);
      assert.ok(page.body.entries.length <= limit);
      entries.push(...page.body.entries);
      if (page.body.nextAfter === null) return entries;
      assert.equal(page.body.nextAfter, page.body.entries.at(-1).id);
      afterId = page.body.nextAfter;
    }
  }

  it("needs Audit.Read: System.Read and Directory.Manage are not enough", async () => {
    for (const [name, password] of [
      ["alice", API_PASSWORDS.alice],
      ["reader", "reader-password"],
      ["manager", "manager-password"],
    ] as const) {
      const secret = await t.login(name, password);
      const refused = await t.request("GET", "/api/v1/audit", { bearer: secret });
      assertApiError(refused, 403, "NO_PERMISSION");
      assert.match(refused.body.error.message, /Audit\.Read/);
    }
    const auditor = await t.login("auditor", "auditor-password");
    assert.equal((await t.request("GET", "/api/v1/audit", { bearer: auditor })).status, 200);
    assertApiError(await t.request("GET", "/api/v1/audit"), 401, "NOT_AUTHENTICATED");
  });

  it("holds logins, failed logins, endings with their reason, terminations with who, impersonations, directory and message changes", async () => {
    const alice = await t.login("alice", API_PASSWORDS.alice);
    const failed = await t.request("POST", "/api/v1/login", { body: { userName: "alice", password: "wrong" } });
    assert.equal(failed.status, 401);
    const unknown = await t.request("POST", "/api/v1/login", { body: { userName: "mallory-typo", password: "x" } });
    assert.equal(unknown.status, 401);

    const aliceSession = (await t.request("GET", "/api/v1/session", { bearer: alice })).body.session.key as string;
    assert.equal((await t.request("DELETE", `/api/v1/sessions/${aliceSession}`, { bearer: admin })).status, 204);

    const bob = await t.login("bob", API_PASSWORDS.bob);
    assert.equal((await t.request("DELETE", "/api/v1/session", { bearer: bob })).status, 204);

    const idle = await t.request("POST", "/api/v1/login", {
      body: { userName: "bob", password: API_PASSWORDS.bob, idleTimeoutSeconds: 60 },
    });
    t.clock.advance(61_000);
    assert.equal((await t.request("GET", "/api/v1/session", { bearer: idle.body.secret })).status, 401);

    const impersonated = await t.request("POST", "/api/v1/impersonate", { bearer: admin, body: { userName: "bob" } });
    assert.equal(impersonated.status, 201, impersonated.text);

    await t.request("POST", "/api/v1/realms/default/users", {
      bearer: admin,
      body: { name: "carol", password: "carol-secret-1" },
    });
    await t.request("PUT", "/api/v1/realms/default/users/carol/password", {
      bearer: admin,
      body: { password: "carol-secret-2" },
    });
    await t.request("POST", "/api/v1/realms/default/users/carol/disable", { bearer: admin });
    await t.request("POST", "/api/v1/realms/default/users/carol/enable", { bearer: admin });
    const ticket = await t.request("POST", "/api/v1/realms/default/users/carol/login-ticket", {
      bearer: admin,
      body: {},
    });
    await t.request("PATCH", "/api/v1/realms/default", { bearer: admin, body: { idleTimeoutSeconds: 900 } });
    await t.request("POST", "/api/v1/realms/default/groups", { bearer: admin, body: { name: "ops" } });
    await t.request("PUT", "/api/v1/service-message", { bearer: admin, body: { text: "Maintenance at noon" } });

    const entries = await readAll({}, 7);
    const ids = entries.map((e) => e.id);
    assert.deepEqual(
      ids,
      [...ids].sort((x, y) => x - y),
      "oldest first",
    );
    assert.equal(new Set(ids).size, ids.length, "no entry twice across pages");
    const find = (kind: string, match: (e: AuditEntryView) => boolean = () => true) => {
      const found = entries.find((e) => e.kind === kind && match(e));
      assert.ok(
        found,
        `an entry ${kind}: ${JSON.stringify(entries.map((e) => [e.kind, e.userName, e.actor, e.detail]))}`,
      );
      return found;
    };

    const login = find("login", (e) => e.userName === "alice" && e.sessionKey === aliceSession);
    assert.deepEqual(
      [login.realm, login.protocol, login.ipAddress, login.actor],
      ["default", "api", "127.0.0.1", null],
    );
    find("login-failed", (e) => e.userName === "alice");
    const stranger = find("login-failed", (e) => e.userName !== "alice" && e.userName !== null);
    assert.doesNotMatch(stranger.userName ?? "", /mallory/, "an unknown name is only a digest");
    const terminated = find("terminated", (e) => e.sessionKey === aliceSession);
    assert.equal(terminated.actor, "admin@default", "who terminated it");
    find("disposed", (e) => e.userName === "bob");
    find("expired-idle", (e) => e.userName === "bob" && e.sessionKey === idle.body.session.key);
    const impersonation = find("login", (e) => e.userName === "bob" && e.actor === "admin@default");
    assert.equal(impersonation.detail, "impersonated");
    assert.equal(impersonation.sessionKey, impersonated.body.session.key);
    const created = find("user-created", (e) => e.userName === "carol");
    assert.equal(created.actor, "admin@default");
    assert.equal(created.protocol, "api");
    assert.match(created.detail ?? "", /password set/);
    find("password-changed", (e) => e.userName === "carol");
    find("user-disabled", (e) => e.userName === "carol");
    find("user-enabled", (e) => e.userName === "carol");
    find("login-ticket-issued", (e) => e.userName === "carol");
    assert.match(find("realm-updated", (e) => e.realm === "default").detail ?? "", /idleTimeoutSeconds=900/);
    assert.match(find("group-created").detail ?? "", /group ops/);
    const message = find("message-updated");
    assert.equal(message.actor, "admin@default");
    assert.equal(message.detail, "Maintenance at noon");

    const everything = JSON.stringify(entries);
    for (const secret of [
      "carol-secret-1",
      "carol-secret-2",
      "argon2",
      ticket.body.ticket,
      API_PASSWORDS.alice,
      "wrong",
    ]) {
      assert.ok(!everything.includes(secret), `the audit log holds no ${secret}`);
    }
  });

  it("filters by realm, user name and kind, in every combination, and pages each", async () => {
    await t.login("alice@lab", "lab-alice-password");
    await t.login("alice", API_PASSWORDS.alice);
    await t.request("POST", "/api/v1/login", { body: { userName: "alice@lab", password: "nope" } });
    const all = await readAll({}, 1000);
    const shapes: Record<string, string>[] = [
      { realm: "lab" },
      { userName: "alice" },
      { kind: "login" },
      { realm: "lab", userName: "alice" },
      { realm: "default", kind: "login" },
      { userName: "alice", kind: "login-failed" },
      { realm: "lab", userName: "alice", kind: "login" },
    ];
    for (const filter of shapes) {
      const expected = all.filter(
        (e) =>
          (filter.realm === undefined || e.realm === filter.realm) &&
          (filter.userName === undefined || e.userName === filter.userName) &&
          (filter.kind === undefined || e.kind === filter.kind),
      );
      assert.ok(expected.length > 0, `the log has entries for ${JSON.stringify(filter)}`);
      assert.deepEqual(await readAll(filter, 2), expected, JSON.stringify(filter));
    }
    const lab = await readAll({ realm: "lab", userName: "alice" });
    assert.deepEqual(
      lab.map((e) => e.kind),
      ["user-created", "login", "login-failed"],
      "provisioning from the configuration is a directory change too",
    );
    const empty = await t.request("GET", "/api/v1/audit?realm=nowhere", { bearer: admin });
    assert.deepEqual(empty.body, { entries: [], nextAfter: null });
  });

  // @see issue 14: a session's detail reads its trail by its key, not by scanning its user's log.
  it("filters by session key: one session's trail, alone or with other filters, paged", async () => {
    const secret = await t.login("bob", API_PASSWORDS.bob);
    const me = await t.request("GET", "/api/v1/session", { bearer: secret });
    const key = me.body.session.key as string;
    await t.login("bob", API_PASSWORDS.bob);
    assert.equal((await t.request("DELETE", "/api/v1/session", { bearer: secret })).status, 204);
    const all = await readAll({}, 1000);
    const expected = all.filter((e) => e.sessionKey === key);
    assert.deepEqual(
      expected.map((e) => e.kind),
      ["login", "disposed"],
      "the session's own entries, not its user's other session",
    );
    assert.deepEqual(await readAll({ sessionKey: key }, 1), expected);
    assert.deepEqual(await readAll({ sessionKey: key, kind: "disposed" }), expected.slice(1));
    assert.deepEqual(await readAll({ sessionKey: key, userName: "alice" }), []);
    const none = await t.request("GET", "/api/v1/audit?sessionKey=no-such-session", { bearer: admin });
    assert.deepEqual(none.body, { entries: [], nextAfter: null });
    const doc = (await t.request("GET", "/api/v1/openapi.json")).body;
    const parameters = doc.paths["/api/v1/audit"].get.parameters as { name: string }[];
    assert.ok(
      parameters.some((parameter) => parameter.name === "sessionKey"),
      "sessionKey is documented",
    );
  });

  it("refuses bad filters and pages with a clear error", async () => {
    for (const query of [
      "kind=made-up",
      "limit=0",
      "limit=1001",
      "after=-1",
      "after=x",
      "colour=red",
      `realm=${"r".repeat(100)}`,
      `sessionKey=${"k".repeat(65)}`,
      "sessionKey=",
    ]) {
      const res = await t.request("GET", `/api/v1/audit?${query}`, { bearer: admin });
      assertApiError(res, 400, "INVALID_ARGUMENT");
    }
  });
});
