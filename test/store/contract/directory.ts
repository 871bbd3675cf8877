/**
 * The store contract suite, part two: realms, users and groups (`DirectoryStore`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { DirectoryStore } from "../../../src/core/store/index.ts";
import { type Closable, type ContractOptions, group, realm, rejectsWith, user } from "./fixtures.ts";

export function directoryStoreContract(
  name: string,
  make: () => Promise<DirectoryStore & Closable>,
  options: ContractOptions = {},
): void {
  describe(`Store contract, directory: ${name}`, { skip: options.skip }, () => {
    let store: DirectoryStore & Closable;

    beforeEach(async () => {
      store = await make();
    });

    afterEach(async () => {
      await store.close();
    });

    describe("directory", () => {
      it("getRealm and getRealmById return null for an unknown realm, listRealms is empty", async () => {
        assert.equal(await store.getRealm("nope"), null);
        assert.equal(await store.getRealmById("00000000-0000-0000-0000-000000000000"), null);
        assert.deepEqual(await store.listRealms(), []);
      });

      it("putRealm inserts a realm that round-trips by name and by id", async () => {
        const r = realm("default", {
          id: "00000000-0000-0000-0000-000000000000",
          maxIdleTimeoutSeconds: 7200,
          maxLifetimeSeconds: 86_400,
          maxSessionsPerUser: 3,
          maxSessionsPolicy: "evict-oldest",
          allowSelfRegistration: true,
          supportedLocales: [],
        });
        await store.putRealm(r);
        assert.deepEqual(await store.getRealm("default"), r);
        assert.deepEqual(await store.getRealmById(r.id), r);
      });

      it("putRealm replaces a realm of the same name", async () => {
        await store.putRealm(realm("corp"));
        const changed = realm("corp", { defaultLocale: "de_DE", idleTimeoutSeconds: 0, supportedLocales: ["de"] });
        await store.putRealm(changed);
        assert.deepEqual(await store.getRealm("corp"), changed);
        assert.deepEqual(await store.listRealms(), [changed]);
      });

      it("putRealm rejects another realm's id with ALREADY_EXISTS and changes nothing", async () => {
        const a = realm("alpha");
        await store.putRealm(a);
        await rejectsWith(store.putRealm(realm("beta", { id: a.id })), "ALREADY_EXISTS");
        assert.equal(await store.getRealm("beta"), null);
        assert.deepEqual(await store.getRealmById(a.id), a);
      });

      it("listRealms orders realms by name", async () => {
        for (const n of ["zeta", "alpha", "mid"]) await store.putRealm(realm(n));
        assert.deepEqual(
          (await store.listRealms()).map((r) => r.name),
          ["alpha", "mid", "zeta"],
        );
      });

      it("getUser and getUserByNumber return null for an unknown user, listUsers is empty", async () => {
        assert.equal(await store.getUser("default", "alice"), null);
        assert.equal(await store.getUserByNumber("default", 1), null);
        assert.deepEqual(await store.listUsers("default"), []);
        assert.equal(await store.deleteUser("default", "alice"), false);
      });

      it("putUser inserts a user that round-trips by name and by number", async () => {
        const alice = user("default", "alice", 1);
        const bob = user("default", "bob", 2, { passwordHash: null, groups: [], privileges: [], disabled: true });
        await store.putUser(alice);
        await store.putUser(bob);
        assert.deepEqual(await store.getUser("default", "alice"), alice);
        assert.deepEqual(await store.getUserByNumber("default", 1), alice);
        assert.deepEqual(await store.getUser("default", "bob"), bob);
        assert.deepEqual(await store.getUserByNumber("default", 2), bob);
      });

      it("putUser replaces the user of the same realm and name, its number included", async () => {
        await store.putUser(user("default", "alice", 1));
        const changed = user("default", "alice", 5, { fullName: "Alice Changed", groups: ["a", "b"], disabled: true });
        await store.putUser(changed);
        assert.deepEqual(await store.listUsers("default"), [changed]);
        assert.equal(await store.getUserByNumber("default", 1), null);
        assert.deepEqual(await store.getUserByNumber("default", 5), changed);
      });

      it("putUser rejects another user's number in the same realm with ALREADY_EXISTS and changes nothing", async () => {
        const alice = user("default", "alice", 1);
        await store.putUser(alice);
        await store.putUser(user("default", "bob", 2));
        await rejectsWith(store.putUser(user("default", "carol", 1)), "ALREADY_EXISTS");
        await rejectsWith(store.putUser(user("default", "bob", 1)), "ALREADY_EXISTS");
        assert.equal(await store.getUser("default", "carol"), null);
        assert.deepEqual(await store.getUserByNumber("default", 1), alice);
        assert.deepEqual(await store.getUser("default", "bob"), user("default", "bob", 2));
      });

      it("users of different realms are separate: same name or number in two realms", async () => {
        const a = user("r1", "alice", 1);
        const b = user("r2", "alice", 1, { fullName: "Other Alice" });
        await store.putUser(a);
        await store.putUser(b);
        assert.deepEqual(await store.getUser("r1", "alice"), a);
        assert.deepEqual(await store.getUser("r2", "alice"), b);
        assert.deepEqual(await store.getUserByNumber("r2", 1), b);
        assert.equal(await store.deleteUser("r1", "alice"), true);
        assert.deepEqual(await store.getUser("r2", "alice"), b);
      });

      it("listUsers returns one realm's users ordered by number", async () => {
        await store.putUser(user("default", "carol", 30));
        await store.putUser(user("default", "alice", 10));
        await store.putUser(user("other", "zed", 1));
        await store.putUser(user("default", "bob", 20));
        assert.deepEqual(
          (await store.listUsers("default")).map((u) => u.name),
          ["alice", "bob", "carol"],
        );
      });

      it("deleteUser returns true once, then false", async () => {
        await store.putUser(user("default", "alice", 1));
        assert.equal(await store.deleteUser("default", "alice"), true);
        assert.equal(await store.deleteUser("default", "alice"), false);
        assert.equal(await store.getUser("default", "alice"), null);
        assert.equal(await store.getUserByNumber("default", 1), null);
      });

      it("getGroup returns null for an unknown group, listGroups is empty, deleteGroup is false", async () => {
        assert.equal(await store.getGroup("default", "staff"), null);
        assert.deepEqual(await store.listGroups("default"), []);
        assert.equal(await store.deleteGroup("default", "staff"), false);
      });

      it("putGroup inserts, replaces by realm and name, and listGroups orders by number", async () => {
        const admins = group("default", "admins", 20, { privileges: ["Directory.Manage", "System.Read"] });
        const staff = group("default", "staff", 10);
        await store.putGroup(admins);
        await store.putGroup(staff);
        await store.putGroup(group("other", "staff", 10, { privileges: [] }));
        assert.deepEqual(await store.getGroup("default", "admins"), admins);
        assert.deepEqual(await store.listGroups("default"), [staff, admins]);
        const changed = group("default", "staff", 30, { privileges: [] });
        await store.putGroup(changed);
        assert.deepEqual(await store.listGroups("default"), [admins, changed]);
        assert.deepEqual(await store.getGroup("other", "staff"), group("other", "staff", 10, { privileges: [] }));
      });

      it("putGroup rejects another group's number in the same realm with ALREADY_EXISTS", async () => {
        await store.putGroup(group("default", "staff", 10));
        await rejectsWith(store.putGroup(group("default", "admins", 10)), "ALREADY_EXISTS");
        assert.equal(await store.getGroup("default", "admins"), null);
        assert.deepEqual(await store.listGroups("default"), [group("default", "staff", 10)]);
      });

      it("deleteGroup returns true once, then false", async () => {
        await store.putGroup(group("default", "staff", 10));
        await store.putGroup(group("default", "admins", 20));
        assert.equal(await store.deleteGroup("default", "staff"), true);
        assert.equal(await store.deleteGroup("default", "staff"), false);
        assert.equal(await store.getGroup("default", "staff"), null);
        assert.deepEqual(await store.listGroups("default"), [group("default", "admins", 20)]);
      });

      // @see issue 14: the console and admin API search a realm's users and groups by name prefix.
      describe("name searches", () => {
        /** Names in an order unlike their numbers', with look-alikes a LIKE or a case-folding would match. */
        const NAMES = ["alice", "al_x", "alan", "Alba", "al%", "alx", "albert", "bob", "al", "aL", "ala\\", "alz"];

        beforeEach(async () => {
          for (const [i, name] of NAMES.entries()) {
            await store.putUser(user("default", name, 100 - i));
            await store.putGroup(group("default", name, 100 - i));
          }
          // Another realm's al-names are never found in this one.
          await store.putUser(user("lab", "alfred", 1));
          await store.putGroup(group("lab", "alfred", 1));
        });

        const expected = (prefix: string) => NAMES.filter((name) => name.startsWith(prefix)).sort(byCodePoint);
        /** Users and groups (named alike) are both found by `prefix`, and only those. */
        const assertBothFind = async (prefix: string) => {
          assert.deepEqual(
            (await store.listUsersByName("default", prefix)).map((u) => u.name),
            expected(prefix),
            prefix,
          );
          assert.deepEqual(
            (await store.listGroupsByName("default", prefix)).map((g) => g.name),
            expected(prefix),
            prefix,
          );
        };

        it("listUsersByName and listGroupsByName answer the names with the prefix, case-sensitively, in name order", async () => {
          for (const prefix of ["al", "alb", "A", "aL", "alice", "b"]) await assertBothFind(prefix);
          assert.deepEqual(await store.listUsersByName("default", "alice"), [user("default", "alice", 100)]);
          assert.deepEqual(await store.listGroupsByName("default", "alice"), [group("default", "alice", 100)]);
        });

        it("an empty prefix lists the whole realm by name; no match and an unknown realm list nothing", async () => {
          assert.deepEqual(
            (await store.listUsersByName("default", "")).map((u) => u.name),
            [...NAMES].sort(byCodePoint),
          );
          assert.deepEqual(await store.listUsersByName("default", "carol"), []);
          assert.deepEqual(await store.listGroupsByName("default", "zz"), []);
          assert.deepEqual(await store.listUsersByName("nowhere", "al"), []);
          assert.deepEqual(
            (await store.listUsersByName("lab", "al")).map((u) => u.name),
            ["alfred"],
          );
        });

        it("treats %, _ and \\ in a prefix as the characters themselves", async () => {
          for (const prefix of ["al%", "al_", "ala\\", "%", "_"]) await assertBothFind(prefix);
        });

        it("pages through the matches with after and limit", async () => {
          for (const list of [store.listUsersByName.bind(store), store.listGroupsByName.bind(store)]) {
            for (const [prefix, limit] of [
              ["al", 2],
              ["al", 3],
              ["", 5],
              ["alb", 1],
            ] as const) {
              const seen: string[] = [];
              let after: string | null = null;
              for (let i = 0; i < 20; i++) {
                const page: { name: string }[] = await list("default", prefix, after, limit);
                assert.ok(page.length <= limit);
                seen.push(...page.map((record) => record.name));
                if (page.length < limit) break;
                after = page[page.length - 1]?.name as string;
              }
              assert.deepEqual(seen, expected(prefix), `${prefix} by ${limit}`);
            }
            // A cursor before the prefix starts at the prefix; one past every match finds none.
            assert.deepEqual(
              (await list("default", "alb", "a", 10)).map((record) => record.name),
              expected("alb"),
            );
            assert.deepEqual(await list("default", "al", "alzz", 10), []);
            assert.deepEqual(await list("default", "al", null, 0), []);
          }
        });
      });
    });
  });
}

/** Code point order, the order the store answers names in. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
