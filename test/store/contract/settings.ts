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
          const paged: AuditEntry[] = [];
          let after: number | null = null;
          for (;;) {
            const page: AuditEntry[] = await store.listAudit(after, 2, filter);
            paged.push(...page);
            if (page.length < 2) break;
            after = page[page.length - 1]?.id as number;
          }
          assert.deepEqual(paged, expected, JSON.stringify(filter));
        }
        // A user name without a realm matches the name in every realm.
        assert.deepEqual(
          new Set((await store.listAudit(null, 1000, { userName: "alice" })).map((entry) => entry.realm)),
          new Set(["default", "lab", null]),
        );
      });
    });
  });
}
