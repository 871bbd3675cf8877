/**
 * The admin API's directory routes over a real socket (issue 14): realms, users and groups listed a
 * page at a time, read, created, changed and deleted; users disabled (their sessions end at once),
 * passwords reset and one-time login tickets issued. Each route refuses a plain user, and bad input
 * gets a clear error and changes nothing.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { API_PASSWORDS, assertApiError, startApiApp } from "../../helpers/api.ts";
import type { TestApp } from "../../helpers/start-app.ts";

describe("admin API: directory", () => {
  let t: TestApp;
  let admin: string;
  let alice: string;
  before(async () => {
    t = await startApiApp();
    admin = await t.login("admin", API_PASSWORDS.admin);
    alice = await t.login("alice", API_PASSWORDS.alice);
  });
  after(() => t.stop());

  const as = (bearer: string, method: string, path: string, body?: unknown) =>
    t.request(method, path, body === undefined ? { bearer } : { bearer, body });

  it("every admin route refuses a plain user with 403 NO_PERMISSION, and an anonymous caller with 401", async () => {
    const routes: [string, string, unknown?][] = [
      ["GET", "/api/v1/realms"],
      ["POST", "/api/v1/realms", { name: "sneaky" }],
      ["GET", "/api/v1/realms/default"],
      ["PATCH", "/api/v1/realms/default", { idleTimeoutSeconds: 5 }],
      ["DELETE", "/api/v1/realms/default"],
      ["GET", "/api/v1/realms/default/users"],
      ["POST", "/api/v1/realms/default/users", { name: "sneaky", password: "x" }],
      ["GET", "/api/v1/realms/default/users/bob"],
      ["PATCH", "/api/v1/realms/default/users/alice", { privileges: ["Directory.Manage"] }],
      ["DELETE", "/api/v1/realms/default/users/bob"],
      ["POST", "/api/v1/realms/default/users/bob/disable"],
      ["POST", "/api/v1/realms/default/users/bob/enable"],
      ["PUT", "/api/v1/realms/default/users/bob/password", { password: "new" }],
      ["POST", "/api/v1/realms/default/users/bob/login-ticket", {}],
      ["GET", "/api/v1/realms/default/groups"],
      ["POST", "/api/v1/realms/default/groups", { name: "sneaky" }],
      ["GET", "/api/v1/realms/default/groups/ops"],
      ["PATCH", "/api/v1/realms/default/groups/ops", { privileges: [] }],
      ["DELETE", "/api/v1/realms/default/groups/ops"],
      ["GET", "/api/v1/audit"],
    ];
    for (const [method, path, body] of routes) {
      const refused = await as(alice, method, path, body);
      assertApiError(refused, 403, "NO_PERMISSION");
      const privilege = path.endsWith("/audit") ? "Audit.Read" : "Directory.Manage";
      assert.match(refused.body.error.message, new RegExp(privilege.replace(".", "\\.")), `${method} ${path}`);
      const anonymous = await t.request(method, path, body === undefined ? {} : { body });
      assertApiError(anonymous, 401, "NOT_AUTHENTICATED");
    }
    // Nothing the refused calls asked for happened.
    assert.equal((await as(admin, "GET", "/api/v1/realms/sneaky")).status, 404);
    assert.equal((await as(admin, "GET", "/api/v1/realms/default/users/sneaky")).status, 404);
    const bob = await as(admin, "GET", "/api/v1/realms/default/users/bob");
    assert.equal(bob.body.disabled, false);
    assert.equal((await as(admin, "GET", "/api/v1/realms/default")).body.idleTimeoutSeconds, 1800);
    assert.equal((await t.request("GET", "/api/v1/session", { bearer: alice })).status, 200);
  });

  it("a user may reset their own password without Directory.Manage, but no one else's", async () => {
    const carol = await as(admin, "POST", "/api/v1/realms/default/users", { name: "carol", password: "carol-1" });
    assert.equal(carol.status, 201, carol.text);
    const own = await t.login("carol", "carol-1");
    const changed = await as(own, "PUT", "/api/v1/realms/default/users/carol/password", { password: "carol-2" });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.sessionsEnded, 0, "the caller's own session stays");
    await t.login("carol", "carol-2");
    assertApiError(
      await as(own, "PUT", "/api/v1/realms/default/users/bob/password", { password: "x" }),
      403,
      "NO_PERMISSION",
    );
  });

  describe("realms", () => {
    it("are created, read, listed a page at a time, changed and deleted", async () => {
      const created = await as(admin, "POST", "/api/v1/realms", {
        name: "lab",
        defaultLocale: "de",
        supportedLocales: ["de", "en"],
        idleTimeoutSeconds: 600,
        maxSessionsPerUser: 3,
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.name, "lab");
      assert.match(created.body.id, /^[0-9a-f-]{36}$/);
      assert.equal(created.body.idleTimeoutSeconds, 600);
      assert.equal(created.body.maxSessionsPerUser, 3);
      assert.equal(created.body.maxLifetimeSeconds, null);
      assert.equal(created.body.isDefault, false);

      const read = await as(admin, "GET", "/api/v1/realms/lab");
      assert.equal(read.status, 200);
      assert.deepEqual(read.body, created.body);

      await as(admin, "POST", "/api/v1/realms", { name: "zoo" });
      const first = await as(admin, "GET", "/api/v1/realms?limit=1");
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(
        first.body.realms.map((r: { name: string }) => r.name),
        ["default"],
      );
      assert.equal(first.body.realms[0].isDefault, true);
      assert.equal(first.body.nextAfter, "default");
      const rest = await as(admin, "GET", `/api/v1/realms?after=${first.body.nextAfter}&limit=10`);
      assert.deepEqual(
        rest.body.realms.map((r: { name: string }) => r.name),
        ["lab", "zoo"],
      );
      assert.equal(rest.body.nextAfter, null);

      const changed = await as(admin, "PATCH", "/api/v1/realms/lab", {
        maxLifetimeSeconds: 7200,
        maxSessionsPerUser: null,
      });
      assert.equal(changed.status, 200, changed.text);
      assert.equal(changed.body.maxLifetimeSeconds, 7200);
      assert.equal(changed.body.maxSessionsPerUser, null);
      assert.equal(changed.body.idleTimeoutSeconds, 600, "settings not given keep their value");

      const deleted = await as(admin, "DELETE", "/api/v1/realms/zoo");
      assert.equal(deleted.status, 200, deleted.text);
      assert.deepEqual(deleted.body, { sessionsEnded: 0 });
      assertApiError(await as(admin, "GET", "/api/v1/realms/zoo"), 404, "NOT_FOUND");
    });

    it("deleting a realm ends its sessions; the default realm cannot be deleted", async () => {
      await as(admin, "POST", "/api/v1/realms", { name: "doomed" });
      await as(admin, "POST", "/api/v1/realms/doomed/users", { name: "dora", password: "dora-1" });
      const dora = await t.login("dora@doomed", "dora-1");
      const deleted = await as(admin, "DELETE", "/api/v1/realms/doomed");
      assert.equal(deleted.body.sessionsEnded, 1);
      assertApiError(await t.request("GET", "/api/v1/session", { bearer: dora }), 401, "NOT_AUTHENTICATED");
      assertApiError(await as(admin, "DELETE", "/api/v1/realms/default"), 409, "INVALID_REQUEST");
    });

    it("bad input gets a clear error and changes nothing", async () => {
      const cases: [string, string, unknown, number, string][] = [
        ["POST", "/api/v1/realms", { name: "Bad Name!" }, 400, "INVALID_ARGUMENT"],
        ["POST", "/api/v1/realms", { name: "badlimit", idleTimeoutSeconds: -1 }, 400, "INVALID_ARGUMENT"],
        ["POST", "/api/v1/realms", { name: "badextra", colour: "red" }, 400, "INVALID_ARGUMENT"],
        [
          "POST",
          "/api/v1/realms",
          { name: "badlocale", defaultLocale: "fr", supportedLocales: ["en"] },
          400,
          "INVALID_LOCALE",
        ],
        ["POST", "/api/v1/realms", { name: "default" }, 409, "ALREADY_EXISTS"],
        ["PATCH", "/api/v1/realms/nowhere", { idleTimeoutSeconds: 5 }, 404, "NOT_FOUND"],
        ["PATCH", "/api/v1/realms/default", { maxSessionsPolicy: "sometimes" }, 400, "INVALID_ARGUMENT"],
        ["PATCH", "/api/v1/realms/default", { name: "renamed" }, 400, "INVALID_ARGUMENT"],
        ["GET", "/api/v1/realms?limit=0", undefined, 400, "INVALID_ARGUMENT"],
        ["GET", "/api/v1/realms?limit=abc", undefined, 400, "INVALID_ARGUMENT"],
      ];
      const before = await as(admin, "GET", "/api/v1/realms?limit=1000");
      for (const [method, path, body, status, code] of cases) {
        const res = await as(admin, method, path, body);
        assertApiError(res, status, code as never);
      }
      const afterwards = await as(admin, "GET", "/api/v1/realms?limit=1000");
      assert.deepEqual(afterwards.body, before.body);
      const invalid = await as(admin, "POST", "/api/v1/realms", { name: "badlimit", idleTimeoutSeconds: -1 });
      assert.match(invalid.body.error.message, /idleTimeoutSeconds/);
    });
  });

  describe("users", () => {
    it("are created, read, listed a page at a time, changed and deleted; no hash reaches the wire", async () => {
      const created = await as(admin, "POST", "/api/v1/realms/default/users", {
        name: "dave",
        fullName: "Dave Example",
        password: "dave-1",
        number: 500,
        privileges: ["Sessions.TerminateSession"],
      });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(
        { ...created.body, createdAt: 0 },
        {
          realm: "default",
          number: 500,
          name: "dave",
          fullName: "Dave Example",
          groups: [],
          privileges: ["Sessions.TerminateSession"],
          disabled: false,
          createdAt: 0,
        },
      );
      assert.doesNotMatch(created.text, /argon2|passwordHash/);
      await t.login("dave", "dave-1");

      const read = await as(admin, "GET", "/api/v1/realms/default/users/dave");
      assert.deepEqual(read.body, created.body);

      const names: string[] = [];
      let after: number | null = null;
      do {
        const query: string = after === null ? "limit=2" : `limit=2&after=${after}`;
        const page = await as(admin, "GET", `/api/v1/realms/default/users?${query}`);
        assert.equal(page.status, 200, page.text);
        assert.ok(page.body.users.length <= 2);
        names.push(...page.body.users.map((u: { name: string }) => u.name));
        after = page.body.nextAfter;
      } while (after !== null);
      for (const name of ["admin", "alice", "bob", "dave"]) assert.ok(names.includes(name), `${name} is listed`);
      assert.equal(new Set(names).size, names.length, "no user is listed twice");

      const changed = await as(admin, "PATCH", "/api/v1/realms/default/users/dave", { fullName: "Dave Changed" });
      assert.equal(changed.status, 200, changed.text);
      assert.equal(changed.body.fullName, "Dave Changed");
      assert.deepEqual(changed.body.privileges, ["Sessions.TerminateSession"], "fields not given keep their value");
      await t.login("dave", "dave-1");

      const session = await t.login("dave", "dave-1");
      const deleted = await as(admin, "DELETE", "/api/v1/realms/default/users/dave");
      assert.equal(deleted.status, 200, deleted.text);
      assert.equal(deleted.body.sessionsEnded, 3, "every session of dave ended");
      assertApiError(await t.request("GET", "/api/v1/session", { bearer: session }), 401, "NOT_AUTHENTICATED");
      assertApiError(await as(admin, "GET", "/api/v1/realms/default/users/dave"), 404, "NOT_FOUND");
    });

    it("disabling a user ends its sessions at once (its next who-am-i is refused); enabling lets it log in again", async () => {
      await as(admin, "POST", "/api/v1/realms/default/users", { name: "erin", password: "erin-1" });
      const first = await t.login("erin", "erin-1");
      const second = await t.login("erin", "erin-1");
      const disabled = await as(admin, "POST", "/api/v1/realms/default/users/erin/disable");
      assert.equal(disabled.status, 200, disabled.text);
      assert.equal(disabled.body.user.disabled, true);
      assert.equal(disabled.body.sessionsEnded, 2);
      for (const secret of [first, second]) {
        assertApiError(await t.request("GET", "/api/v1/session", { bearer: secret }), 401, "NOT_AUTHENTICATED");
      }
      const refused = await t.request("POST", "/api/v1/login", { body: { userName: "erin", password: "erin-1" } });
      assert.equal(refused.status, 401, refused.text);

      const enabled = await as(admin, "POST", "/api/v1/realms/default/users/erin/enable");
      assert.equal(enabled.status, 200, enabled.text);
      assert.deepEqual(
        { disabled: enabled.body.user.disabled, ended: enabled.body.sessionsEnded },
        { disabled: false, ended: 0 },
      );
      await t.login("erin", "erin-1");

      const patched = await as(admin, "PATCH", "/api/v1/realms/default/users/erin", { disabled: true });
      assert.equal(patched.body.disabled, true);
      assert.equal(
        (await t.request("POST", "/api/v1/login", { body: { userName: "erin", password: "erin-1" } })).status,
        401,
      );
    });

    it("a password reset ends the user's sessions, and the new password works", async () => {
      await as(admin, "POST", "/api/v1/realms/default/users", { name: "fred", password: "fred-1" });
      const session = await t.login("fred", "fred-1");
      const reset = await as(admin, "PUT", "/api/v1/realms/default/users/fred/password", { password: "fred-2" });
      assert.equal(reset.status, 200, reset.text);
      assert.deepEqual(reset.body, { sessionsEnded: 1 });
      assertApiError(await t.request("GET", "/api/v1/session", { bearer: session }), 401, "NOT_AUTHENTICATED");
      const old = await t.request("POST", "/api/v1/login", { body: { userName: "fred", password: "fred-1" } });
      assertApiError(old, 401, "INVALID_LOGIN");
      await t.login("fred", "fred-2");
    });

    it("a one-time login ticket logs the user in once, and only once", async () => {
      await as(admin, "POST", "/api/v1/realms/default/users", { name: "gina", password: "gina-1" });
      const issued = await as(admin, "POST", "/api/v1/realms/default/users/gina/login-ticket", { ttlSeconds: 120 });
      assert.equal(issued.status, 201, issued.text);
      assert.equal(issued.body.userName, "gina");
      assert.equal(issued.body.realm, "default");
      assert.equal(issued.body.expiresAt, t.clock.now() + 120_000);
      const { ticket } = issued.body as { ticket: string };
      const login = await t.request("POST", "/api/v1/login", { body: { userName: "gina", password: ticket } });
      assert.equal(login.status, 201, login.text);
      assert.equal(login.body.user.name, "gina");
      const again = await t.request("POST", "/api/v1/login", { body: { userName: "gina", password: ticket } });
      assertApiError(again, 401, "INVALID_LOGIN");
      const bodiless = await as(admin, "POST", "/api/v1/realms/default/users/gina/login-ticket");
      assert.equal(bodiless.status, 201, bodiless.text);
      assert.notEqual(bodiless.body.ticket, ticket);
      // A ticket is for one user: it is no one else's password.
      const other = await t.request("POST", "/api/v1/login", {
        body: { userName: "bob", password: bodiless.body.ticket },
      });
      assertApiError(other, 401, "INVALID_LOGIN");
    });

    it("bad input gets a clear error and changes nothing", async () => {
      const cases: [string, string, unknown, number, string][] = [
        ["POST", "/api/v1/realms/default/users", { name: "has space", password: "x" }, 400, "INVALID_ARGUMENT"],
        ["POST", "/api/v1/realms/default/users", { name: "harry", password: "" }, 400, "INVALID_ARGUMENT"],
        ["POST", "/api/v1/realms/default/users", { name: "harry", privileges: ["God.Mode"] }, 400, "INVALID_ARGUMENT"],
        ["POST", "/api/v1/realms/default/users", { name: "harry", number: -3 }, 400, "INVALID_ARGUMENT"],
        ["POST", "/api/v1/realms/default/users", { name: "harry", passwordHash: "plain" }, 400, "INVALID_ARGUMENT"],
        ["POST", "/api/v1/realms/default/users", { name: "alice", password: "x" }, 409, "ALREADY_EXISTS"],
        ["POST", "/api/v1/realms/nowhere/users", { name: "harry", password: "x" }, 404, "NOT_FOUND"],
        ["PATCH", "/api/v1/realms/default/users/nobody", { fullName: "X" }, 404, "NOT_FOUND"],
        ["PATCH", "/api/v1/realms/default/users/bob", { password: "sneaky" }, 400, "INVALID_ARGUMENT"],
        ["PATCH", "/api/v1/realms/default/users/bob", { disabled: "yes" }, 400, "INVALID_ARGUMENT"],
        ["PUT", "/api/v1/realms/default/users/bob/password", {}, 400, "INVALID_ARGUMENT"],
        ["PUT", "/api/v1/realms/default/users/nobody/password", { password: "x" }, 404, "NOT_FOUND"],
        ["POST", "/api/v1/realms/default/users/bob/login-ticket", { ttlSeconds: 999999 }, 400, "INVALID_ARGUMENT"],
        ["POST", "/api/v1/realms/default/users/nobody/disable", undefined, 404, "NOT_FOUND"],
        ["DELETE", "/api/v1/realms/default/users/nobody", undefined, 404, "NOT_FOUND"],
        ["GET", "/api/v1/realms/default/users?after=-1", undefined, 400, "INVALID_ARGUMENT"],
      ];
      const before = await as(admin, "GET", "/api/v1/realms/default/users?limit=1000");
      for (const [method, path, body, status, code] of cases) {
        assertApiError(await as(admin, method, path, body), status, code as never);
      }
      assert.deepEqual((await as(admin, "GET", "/api/v1/realms/default/users?limit=1000")).body, before.body);
      const taken = before.body.users.find((u: { name: string }) => u.name === "alice").number;
      const clash = await as(admin, "POST", "/api/v1/realms/default/users", { name: "harry", number: taken });
      assertApiError(clash, 409, "ALREADY_EXISTS");
      assert.deepEqual((await as(admin, "GET", "/api/v1/realms/default/users?limit=1000")).body, before.body);
      await t.login("bob", API_PASSWORDS.bob);
    });
  });

  describe("groups", () => {
    it("are created, read, listed, changed and deleted, and their privileges reach members at once", async () => {
      await as(admin, "POST", "/api/v1/realms/default/users", { name: "ivan", password: "ivan-1", groups: ["ops"] });
      const ivan = await t.login("ivan", "ivan-1");
      assertApiError(await as(ivan, "GET", "/api/v1/realms"), 403, "NO_PERMISSION");

      const created = await as(admin, "POST", "/api/v1/realms/default/groups", {
        name: "ops",
        privileges: ["Directory.Manage"],
      });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(created.body, { realm: "default", name: "ops", number: 1, privileges: ["Directory.Manage"] });
      assert.equal((await as(ivan, "GET", "/api/v1/realms")).status, 200, "the member holds the privilege at once");

      await as(admin, "POST", "/api/v1/realms/default/groups", { name: "audit", number: 7 });
      const read = await as(admin, "GET", "/api/v1/realms/default/groups/audit");
      assert.deepEqual(read.body, { realm: "default", name: "audit", number: 7, privileges: [] });
      const page = await as(admin, "GET", "/api/v1/realms/default/groups?limit=1");
      assert.deepEqual(
        page.body.groups.map((g: { name: string }) => g.name),
        ["ops"],
      );
      assert.equal(page.body.nextAfter, 1);
      const rest = await as(admin, "GET", "/api/v1/realms/default/groups?after=1");
      assert.deepEqual(
        rest.body.groups.map((g: { name: string }) => g.name),
        ["audit"],
      );
      assert.equal(rest.body.nextAfter, null);

      const changed = await as(admin, "PATCH", "/api/v1/realms/default/groups/ops", { privileges: [] });
      assert.deepEqual(changed.body.privileges, []);
      assertApiError(await as(ivan, "GET", "/api/v1/realms"), 403, "NO_PERMISSION");

      const deleted = await as(admin, "DELETE", "/api/v1/realms/default/groups/ops");
      assert.equal(deleted.status, 200, deleted.text);
      assert.deepEqual(deleted.body, { membersUpdated: 1 });
      assert.deepEqual((await as(admin, "GET", "/api/v1/realms/default/users/ivan")).body.groups, []);
      assertApiError(await as(admin, "GET", "/api/v1/realms/default/groups/ops"), 404, "NOT_FOUND");
    });

    it("bad input gets a clear error and changes nothing", async () => {
      const cases: [string, string, unknown, number, string][] = [
        ["POST", "/api/v1/realms/default/groups", { name: "bad name" }, 400, "INVALID_ARGUMENT"],
        ["POST", "/api/v1/realms/default/groups", { name: "g", privileges: ["Nope"] }, 400, "INVALID_ARGUMENT"],
        ["POST", "/api/v1/realms/default/groups", { name: "audit" }, 409, "ALREADY_EXISTS"],
        ["PATCH", "/api/v1/realms/default/groups/none", { privileges: [] }, 404, "NOT_FOUND"],
        ["PATCH", "/api/v1/realms/default/groups/audit", { name: "renamed" }, 400, "INVALID_ARGUMENT"],
        ["DELETE", "/api/v1/realms/default/groups/none", undefined, 404, "NOT_FOUND"],
      ];
      const before = await as(admin, "GET", "/api/v1/realms/default/groups?limit=1000");
      for (const [method, path, body, status, code] of cases) {
        assertApiError(await as(admin, method, path, body), status, code as never);
      }
      assert.deepEqual((await as(admin, "GET", "/api/v1/realms/default/groups?limit=1000")).body, before.body);
    });
  });

  // @see issue 14: the console's and the API's search of a realm's users and groups, by name prefix.
  describe("search by name prefix", () => {
    before(async () => {
      for (const name of ["ann", "anna", "Anne", "an_x", "annika", "antonia", "bea"]) {
        const user = await as(admin, "POST", "/api/v1/realms/default/users", { name, password: "pw-1" });
        assert.equal(user.status, 201, user.text);
        const group = await as(admin, "POST", "/api/v1/realms/default/groups", { name: `g-${name}` });
        assert.equal(group.status, 201, group.text);
      }
      await as(admin, "POST", "/api/v1/realms", { name: "annex" });
      await as(admin, "POST", "/api/v1/realms/annex/users", { name: "annabel", password: "pw-1" });
    });

    /** Every name `prefix` finds, read a page of `limit` at a time by `afterName`. */
    async function searchAll(kind: "users" | "groups", prefix: string, limit: number): Promise<string[]> {
      const names: string[] = [];
      let afterName: string | null = null;
      for (let i = 0; i < 20; i++) {
        const query = new URLSearchParams({ prefix, limit: String(limit) });
        if (afterName !== null) query.set("afterName", afterName);
        const page = await as(admin, "GET", `/api/v1/realms/default/${kind}?${query}`);
        assert.equal(page.status, 200, page.text);
        assert.ok(page.body[kind].length <= limit);
        assert.equal(page.body.nextAfter, null, "a search pages by name only");
        names.push(...page.body[kind].map((entry: { name: string }) => entry.name));
        afterName = page.body.nextAfterName;
        if (afterName === null) return names;
        assert.equal(afterName, names.at(-1));
      }
      assert.fail("the search did not end");
    }

    it("finds the realm's users and groups whose name starts with the prefix, case-sensitively, in name order, paged", async () => {
      assert.deepEqual(await searchAll("users", "ann", 2), ["ann", "anna", "annika"]);
      assert.deepEqual(await searchAll("users", "ann", 100), ["ann", "anna", "annika"]);
      assert.deepEqual(await searchAll("users", "An", 1), ["Anne"]);
      assert.deepEqual(await searchAll("users", "an_", 1), ["an_x"], "_ is the character itself");
      assert.deepEqual(await searchAll("users", "an%", 1), [], "% is the character itself");
      assert.deepEqual(await searchAll("users", "zed", 5), []);
      assert.deepEqual(await searchAll("groups", "g-an", 3), ["g-an_x", "g-ann", "g-anna", "g-annika", "g-antonia"]);
      const full = await as(admin, "GET", "/api/v1/realms/default/users?prefix=anna");
      assert.deepEqual(full.body, {
        users: [
          {
            realm: "default",
            number: full.body.users[0].number,
            name: "anna",
            fullName: "anna",
            groups: [],
            privileges: [],
            disabled: false,
            createdAt: full.body.users[0].createdAt,
          },
        ],
        nextAfter: null,
        nextAfterName: null,
      });
      const annex = await as(admin, "GET", "/api/v1/realms/annex/users?prefix=ann");
      assert.deepEqual(
        annex.body.users.map((u: { name: string }) => u.name),
        ["annabel"],
        "another realm's users only in that realm",
      );
      // A listing by number says it is not a search.
      assert.equal((await as(admin, "GET", "/api/v1/realms/default/users?limit=1")).body.nextAfterName, null);
    });

    it("refuses a number cursor with a search, and a plain user", async () => {
      for (const query of ["prefix=a&after=3", "afterName=a&after=3", `prefix=${"a".repeat(65)}`, "prefix=a%00b"]) {
        assertApiError(await as(admin, "GET", `/api/v1/realms/default/users?${query}`), 400, "INVALID_ARGUMENT");
        assertApiError(await as(admin, "GET", `/api/v1/realms/default/groups?${query}`), 400, "INVALID_ARGUMENT");
      }
      assertApiError(await as(alice, "GET", "/api/v1/realms/default/users?prefix=a"), 403, "NO_PERMISSION");
      assertApiError(await as(alice, "GET", "/api/v1/realms/default/groups?prefix=a"), 403, "NO_PERMISSION");
    });

    it("is in the OpenAPI document", async () => {
      const doc = (await t.request("GET", "/api/v1/openapi.json")).body;
      for (const path of ["/api/v1/realms/{realm}/users", "/api/v1/realms/{realm}/groups"]) {
        const names = (doc.paths[path].get.parameters as { name: string }[]).map((parameter) => parameter.name);
        for (const name of ["prefix", "afterName", "after", "limit"])
          assert.ok(names.includes(name), `${path} ${name}`);
      }
    });
  });

  it("the admin routes are in the OpenAPI document, with the operations' own limits", async () => {
    const doc = (await t.request("GET", "/api/v1/openapi.json")).body;
    for (const path of [
      "/api/v1/realms",
      "/api/v1/realms/{realm}",
      "/api/v1/realms/{realm}/users",
      "/api/v1/realms/{realm}/users/{name}",
      "/api/v1/realms/{realm}/users/{name}/disable",
      "/api/v1/realms/{realm}/users/{name}/enable",
      "/api/v1/realms/{realm}/users/{name}/password",
      "/api/v1/realms/{realm}/users/{name}/login-ticket",
      "/api/v1/realms/{realm}/groups",
      "/api/v1/realms/{realm}/groups/{name}",
      "/api/v1/audit",
    ]) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
    const ticketBody = doc.paths["/api/v1/realms/{realm}/users/{name}/login-ticket"].post.requestBody;
    assert.equal(ticketBody.content["application/json"].schema.properties.ttlSeconds.maximum, 3600);
    const userBody = doc.paths["/api/v1/realms/{realm}/users"].post.requestBody.content["application/json"].schema;
    assert.equal(userBody.properties.password.maxLength, 1024);
  });
});
