/**
 * What the console reads from the store, over HTTP without a browser (issue 14): the dashboard's login
 * counts come from the audit log, so entries another node wrote count as this node's do; the users and
 * groups search covers the whole realm by name prefix and pages with the search kept; a session's
 * trail is read by its key, a page of it with a link to the rest.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuditEntry } from "../../../src/core/types.ts";
import { API_PASSWORDS, startApiApp } from "../../helpers/api.ts";
import { signInToConsole } from "../../helpers/console.ts";
import type { TestApp } from "../../helpers/start-app.ts";

/** An audit entry as another node of the same store would have written it. */
function entry(at: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at,
    type: "login-failed",
    realm: "default",
    userName: "alice",
    sessionKey: null,
    actor: null,
    ipAddress: "192.0.2.7",
    protocol: "api",
    detail: "written by node-b",
    ...overrides,
  };
}

/** The text of the page's table rows' first cells (names), in order. */
function firstCells(text: string): string[] {
  return [...text.matchAll(/<tr><td><a href="[^"]*">([^<]*)<\/a><\/td>/g)].map((match) => match[1] ?? "");
}

/** The href of the "Next page" link, decoded, or undefined. */
function nextLink(text: string): string | undefined {
  return /<a href="([^"]*)">Next page<\/a>/.exec(text)?.[1]?.replaceAll("&amp;", "&");
}

describe("console: what it reads from the store", () => {
  let t: TestApp;
  let admin: string;
  before(async () => {
    t = await startApiApp();
    admin = await signInToConsole(t, "admin", API_PASSWORDS.admin);
  });
  after(() => t.stop());

  const get = async (path: string, cookie = admin) => {
    const res = await fetch(`${t.url}${path}`, { headers: { cookie } });
    assert.equal(res.status, 200, path);
    return res.text();
  };

  it("counts the last hour's logins and failed logins from the audit log, every node's, and not older ones", async () => {
    const now = t.clock.now();
    const lastHour = (text: string) => {
      const card =
        /<h2>Last hour<\/h2><p>Logins: <strong>(\d+)<\/strong><br>\s*Failed logins: <strong>(\d+)<\/strong>/.exec(text);
      assert.ok(card, "the dashboard shows the last hour");
      return { logins: Number(card[1]), failed: Number(card[2]) };
    };
    const before = lastHour(await get("/console/"));
    // Another node's failed logins (never relayed to this one) and logins, and entries over an hour old.
    for (const at of [now - 60_000, now - 3_599_000, now - 3_600_000]) await t.app.engine.store.appendAudit(entry(at));
    await t.app.engine.store.appendAudit(entry(now - 120_000, { type: "login" }));
    for (const at of [now - 3_600_001, now - 7_200_000]) {
      await t.app.engine.store.appendAudit(entry(at));
      await t.app.engine.store.appendAudit(entry(at, { type: "login" }));
    }
    const after = lastHour(await get("/console/"));
    assert.deepEqual(after, { logins: before.logins + 1, failed: before.failed + 3 });
    assert.match(await get("/console/"), /From the audit log/);
  });

  it("leaves the login counts out for an operator without Audit.Read", async () => {
    const bob = await signInToConsole(t, "bob", API_PASSWORDS.bob);
    const text = await get("/console/", bob);
    assert.match(text, /Live sessions/);
    assert.doesNotMatch(text, /Last hour|Failed logins/);
  });

  it("searches the whole realm's users by name prefix, case-sensitively, and pages with the search kept", async () => {
    // More matches than a page holds, numbered so that number order and name order differ.
    const names = Array.from({ length: 205 }, (_, i) => `zz-${String(i).padStart(3, "0")}`);
    for (const [i, name] of names.entries()) {
      await t.app.engine.store.putUser({
        realm: "default",
        name,
        number: 10_000 - i,
        fullName: `Zed ${i}`,
        passwordHash: null,
        groups: [],
        privileges: [],
        disabled: false,
        createdAt: 0,
      });
    }
    await t.app.engine.store.putUser({
      realm: "default",
      name: "ZZ-upper",
      number: 20_000,
      fullName: "",
      passwordHash: null,
      groups: [],
      privileges: [],
      disabled: false,
      createdAt: 0,
    });
    const first = await get("/console/users?realm=default&q=zz-");
    assert.match(first, /<input name="q" type="search" value="zz-"/, "the search box keeps the search");
    const seen = firstCells(first);
    assert.equal(seen.length, 200);
    const next = nextLink(first);
    assert.ok(next, "a next page follows");
    const query = new URLSearchParams(next.split("?")[1]);
    assert.equal(query.get("q"), "zz-");
    assert.equal(query.get("afterName"), "zz-199");
    const second = await get(next.replace(/^.*?\/console/, "/console"));
    seen.push(...firstCells(second));
    assert.equal(nextLink(second), undefined);
    assert.deepEqual(seen, names, "every match once, in name order, none of other names");

    assert.deepEqual(firstCells(await get("/console/users?realm=default&q=ZZ")), ["ZZ-upper"]);
    assert.deepEqual(firstCells(await get("/console/users?realm=default&q=zz-20")), [
      "zz-200",
      "zz-201",
      "zz-202",
      "zz-203",
      "zz-204",
    ]);
    assert.match(await get("/console/users?realm=default&q=nobody"), /No users match\./);
  });

  it("searches a realm's groups by name prefix", async () => {
    for (const name of ["ops", "ops-eu", "opera", "dev"]) {
      await t.app.engine.store.putGroup({
        realm: "default",
        name,
        number: name.length * 10 + name.charCodeAt(1),
        privileges: [],
      });
    }
    assert.deepEqual(firstCells(await get("/console/groups?realm=default&q=ops")), ["ops", "ops-eu"]);
    assert.deepEqual(firstCells(await get("/console/groups?realm=default&q=op")), ["opera", "ops", "ops-eu"]);
  });

  it("reads a session's trail by its key: a page of it, and a link to the rest on the audit page", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const key = (await t.request("GET", "/api/v1/session", { bearer: secret })).body.session.key as string;
    // The user's other entries are not the session's trail.
    await t.login("alice", API_PASSWORDS.alice);
    const short = await get(`/console/sessions/${key}`);
    assert.match(short, /<h2>Audit trail<\/h2>/);
    assert.equal((short.match(/<td>login<\/td>/g) ?? []).length, 1, "only this session's login");
    assert.doesNotMatch(short, /More of this session/);

    const now = t.clock.now();
    for (let i = 0; i < 120; i++) {
      await t.app.engine.store.appendAudit(entry(now, { type: "message-updated", sessionKey: key, detail: `n${i}` }));
    }
    const long = await get(`/console/sessions/${key}`);
    assert.equal((long.match(/<td>message-updated<\/td>/g) ?? []).length, 99, "one page: the login and 99 more");
    const more = /<a href="([^"]*)">More of this session's trail in the audit log<\/a>/.exec(long)?.[1];
    assert.ok(more, "a link to the rest");
    const rest = await get(more.replaceAll("&amp;", "&").replace(/^.*?\/console/, "/console"));
    assert.equal((rest.match(/<td>message-updated<\/td>/g) ?? []).length, 21, "the rest of the trail");
    assert.match(rest, new RegExp(`<input name="session" value="${key}"`), "the audit page keeps the filter");

    const bob = await signInToConsole(t, "bob", API_PASSWORDS.bob);
    const own = (await t.request("GET", "/api/v1/session", { bearer: await t.login("bob", API_PASSWORDS.bob) })).body
      .session.key as string;
    assert.doesNotMatch(await get(`/console/sessions/${own}`, bob), /Audit trail/, "no trail without Audit.Read");
  });
});
