/**
 * The store contract suite, part four: settings and the audit log (`SettingsStore`, `AuditStore`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { AuditFilter, AuditStore, SettingsStore } from "../../../src/core/store/index.ts";
import type { AuditEntry } from "../../../src/core/types.ts";
import { audit, type Closable, type ContractOptions } from "./fixtures.ts";

/** Every entry a filter matches, read two at a time, as a caller pages through the log. */
async function everyPage(store: AuditStore, filter: AuditFilter): Promise<AuditEntry[]> {
  const paged: AuditEntry[] = [];
  let after: number | null = null;
  for (;;) {
    const page: AuditEntry[] = await store.listAudit(after, 2, filter);
    paged.push(...page);
    if (page.length < 2) return paged;
    after = page[page.length - 1]?.id as number;
  }
}

export function settingsAndAuditStoreContract(
  name: string,
  make: () => Promise<SettingsStore & AuditStore & Closable>,
  options: ContractOptions = {},
): void {
  describe(`Store contract, settings and audit: ${name}`, { skip: options.skip }, () => {
    let store: SettingsStore & AuditStore & Closable;

    beforeEach(async () => {
      store = await make();
    });

    afterEach(async () => {
      await store.close();
    });

    describe("settings and audit", () => {
      it("getSetting returns null for an absent setting", async () => {
        assert.equal(await store.getSetting("service-message"), null);
      });

      it("putSettingIfAbsent stores only the first value, also when several race, and answers the one kept", async () => {
        const kept = await Promise.all(["a", "b", "c", "d"].map((value) => store.putSettingIfAbsent("key", value)));
        const winner = await store.getSetting("key");
        assert.ok(["a", "b", "c", "d"].includes(winner as string));
        assert.deepEqual(kept, [winner, winner, winner, winner], "every caller answers the value that was kept");
        assert.equal(await store.putSettingIfAbsent("key", "later"), winner);
        assert.deepEqual(await store.putSettingIfAbsent("object", { n: 1 }), { n: 1 });
      });

      it("putSetting round-trips JSON values and replaces the previous value", async () => {
        const message = {
          text: "Maintenance at 18:00",
          byLocale: { de: "Wartung um 18:00" },
          updatedAt: 5,
          updatedBy: null,
        };
        await store.putSetting("service-message", message);
        await store.putSetting("host-guid", "6f1c0e0e-7a52-4c1b-9f55-2d8c1c7d0a11");
        await store.putSetting("numbers", [1, 2.5, { nested: [true, false, null] }]);
        assert.deepEqual(await store.getSetting("service-message"), message);
        assert.equal(await store.getSetting("host-guid"), "6f1c0e0e-7a52-4c1b-9f55-2d8c1c7d0a11");
        assert.deepEqual(await store.getSetting("numbers"), [1, 2.5, { nested: [true, false, null] }]);
        await store.putSetting("host-guid", { replaced: true });
        assert.deepEqual(await store.getSetting("host-guid"), { replaced: true });
      });

      it("replaceSettingIf writes only over the value expected, and of racing writers one wins", async () => {
        const first = { url: "http://127.0.0.1/a", events: ["session.login"], n: 1.5 };
        await store.putSetting("webhook:a", first);
        const read = await store.getSetting("webhook:a");
        const outcomes = await Promise.all(
          [2, 3, 4].map((n) => store.replaceSettingIf("webhook:a", read, { ...first, n })),
        );
        assert.deepEqual(outcomes.filter(Boolean).length, 1, "one writer wins");
        const won = (await store.getSetting("webhook:a")) as { n: number };
        assert.ok([2, 3, 4].includes(won.n));
        assert.equal(await store.replaceSettingIf("webhook:a", read, { ...first, n: 9 }), false, "a stale value");
        assert.deepEqual((await store.getSetting("webhook:a")) as unknown, won);
        await store.deleteSetting("webhook:a");
        assert.equal(await store.replaceSettingIf("webhook:a", won, first), false, "a removed setting stays removed");
        assert.equal(await store.getSetting("webhook:a"), null);
      });

      it("deleteSetting removes one setting and says whether there was one", async () => {
        await store.putSetting("webhook:a", { url: "http://127.0.0.1/a" });
        await store.putSetting("webhook:b", { url: "http://127.0.0.1/b" });
        assert.equal(await store.deleteSetting("webhook:a"), true);
        assert.equal(await store.deleteSetting("webhook:a"), false);
        assert.equal(await store.deleteSetting("never-set"), false);
        assert.equal(await store.getSetting("webhook:a"), null);
        assert.deepEqual(await store.getSetting("webhook:b"), { url: "http://127.0.0.1/b" });
        assert.deepEqual(await store.listSettingNames(), ["webhook:b"]);
        assert.deepEqual(await store.putSettingIfAbsent("webhook:a", "again"), "again", "a deleted name is free again");
      });

      it("listSettingNames lists every setting stored, once, in name order", async () => {
        assert.deepEqual(await store.listSettingNames(), []);
        await store.putSetting("zeta", 1);
        await store.putSetting("alpha", { a: 1 });
        await store.putSetting("alpha", "again");
        assert.deepEqual(await store.listSettingNames(), ["alpha", "zeta"]);
      });

      it("listAudit of an empty log returns an empty list", async () => {
        assert.deepEqual(await store.listAudit(null, 10), []);
      });

      it("appendAudit stores entries that listAudit returns in order with increasing ids", async () => {
        const entries = [
          audit(1),
          audit(2, { type: "terminated", actor: "root", protocol: null, detail: null }),
          audit(3, { type: "message-updated", realm: null, userName: null, sessionKey: null, ipAddress: null }),
        ];
        for (const e of entries) await store.appendAudit(e);
        const listed = await store.listAudit(null, 10);
        assert.equal(listed.length, 3);
        for (let i = 0; i < listed.length; i++) {
          const { id, ...rest } = listed[i] as AuditEntry;
          assert.equal(typeof id, "number");
          assert.deepEqual(rest, entries[i]);
          if (i > 0) assert.ok((id as number) > (listed[i - 1]?.id as number));
        }
      });

      it("appendAudit ignores a given id: the store assigns its own", async () => {
        await store.appendAudit({ ...audit(1), id: 7 });
        await store.appendAudit({ ...audit(2), id: 7 });
        const ids = (await store.listAudit(null, 10)).map((e) => e.id);
        assert.equal(ids.length, 2);
        assert.notEqual(ids[0], ids[1]);
      });

      it("listAudit pages with after and limit through several pages", async () => {
        for (let at = 1; at <= 7; at++) await store.appendAudit(audit(at));
        const seen: number[] = [];
        let after: number | null = null;
        for (let i = 0; i < 10; i++) {
          const page: AuditEntry[] = await store.listAudit(after, 3);
          assert.ok(page.length <= 3);
          if (page.length === 0) break;
          seen.push(...page.map((e) => e.at));
          after = page[page.length - 1]?.id as number;
        }
        assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7]);
        assert.deepEqual(await store.listAudit(after, 3), []);
      });

      // @see issue 14: the admin API's audit page filters by realm, user name and kind.
      it("listAudit filters by realm, user name and kind, in every combination, each paged in id order", async () => {
        const realms = ["default", "lab", null];
        const users = ["alice", "bob", null];
        const kinds = ["login", "terminated", "user-created"] as const;
        let at = 0;
        for (let round = 0; round < 2; round++) {
          for (const realm of realms) {
            for (const userName of users) {
              for (const type of kinds) await store.appendAudit(audit(++at, { realm, userName, type }));
            }
          }
        }
        const all = await store.listAudit(null, 1000);
        assert.equal(all.length, at);
        const shapes: AuditFilter[] = [
          {},
          { realm: "lab" },
          { userName: "bob" },
          { type: "terminated" },
          { realm: "lab", userName: "bob" },
          { realm: "default", type: "user-created" },
          { userName: "alice", type: "login" },
          { realm: "lab", userName: "alice", type: "terminated" },
          { realm: "nowhere" },
        ];
        for (const filter of shapes) {
          const expected = all.filter(
            (entry) =>
              (filter.realm === undefined || entry.realm === filter.realm) &&
              (filter.userName === undefined || entry.userName === filter.userName) &&
              (filter.type === undefined || entry.type === filter.type),
          );
          assert.deepEqual(await everyPage(store, filter), expected, JSON.stringify(filter));
        }
        // A user name without a realm matches the name in every realm.
        assert.deepEqual(
          new Set((await store.listAudit(null, 1000, { userName: "alice" })).map((entry) => entry.realm)),
          new Set(["default", "lab", null]),
        );
      });

      // @see issue 14: a session's detail page reads that session's trail, not its user's whole log.
      it("listAudit filters by session key, alone and with other fields, paged in id order", async () => {
        const keys = ["session-a", "session-b", null];
        let at = 0;
        for (let round = 0; round < 3; round++) {
          for (const sessionKey of keys) {
            for (const type of ["login", "terminated"] as const) {
              await store.appendAudit(audit(++at, { sessionKey, type, realm: round === 2 ? "lab" : "default" }));
            }
          }
        }
        const all = await store.listAudit(null, 1000);
        const shapes: AuditFilter[] = [
          { sessionKey: "session-a" },
          { sessionKey: "session-b", type: "terminated" },
          { sessionKey: "session-a", realm: "lab" },
          { sessionKey: "session-a", realm: "lab", userName: "alice", type: "login" },
          { sessionKey: "session-a", userName: "bob" },
          { sessionKey: "nope" },
        ];
        for (const filter of shapes) {
          const expected = all.filter(
            (entry) =>
              entry.sessionKey === filter.sessionKey &&
              (filter.realm === undefined || entry.realm === filter.realm) &&
              (filter.userName === undefined || entry.userName === filter.userName) &&
              (filter.type === undefined || entry.type === filter.type),
          );
          assert.deepEqual(await everyPage(store, filter), expected, JSON.stringify(filter));
        }
        assert.equal((await store.listAudit(null, 100, { sessionKey: "session-a" })).length, 6);
      });

      // @see issue 14: the dashboard's logins and failed logins over the last hour, on every node alike.
      it("countAudit counts each kind asked for from `since` on, inclusive, and no other kind", async () => {
        assert.deepEqual(await store.countAudit(["login", "login-failed"], 0), { login: 0, "login-failed": 0 });
        const written: [number, AuditEntry["type"]][] = [
          [100, "login"],
          [199, "login"],
          [200, "login"],
          [250, "login-failed"],
          [300, "login"],
          [150, "login-failed"],
          [400, "logout"],
          [500, "login-throttled"],
          [600, "login-failed"],
        ];
        for (const [at, type] of written) await store.appendAudit(audit(at, { type }));
        assert.deepEqual(await store.countAudit(["login", "login-failed"], 200), { login: 2, "login-failed": 2 });
        assert.deepEqual(await store.countAudit(["login", "login-failed"], 201), { login: 1, "login-failed": 2 });
        assert.deepEqual(await store.countAudit(["login-failed", "login"], 0), { login: 4, "login-failed": 3 });
        assert.deepEqual(await store.countAudit(["logout"], 401), { logout: 0 });
        assert.deepEqual(await store.countAudit(["user-created"], 0), { "user-created": 0 });
        assert.deepEqual(await store.countAudit([], 0), {});
      });
    });
  });
}
