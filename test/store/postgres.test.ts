/**
 * The PostgreSQL store against a real server: the shared contract suite (with the cluster part), then
 * what only this driver has: migrations under their lock, refusing a newer schema, outages and recovery,
 * fencing by epoch, text the database cannot hold, and the indexes its statements are served by.
 *
 * @module
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { inspect } from "node:util";
import { SessionError } from "../../src/core/errors.ts";
import type { AuditFilter, ClusterMessage, Store } from "../../src/core/store/index.ts";
import type { SessionRecord } from "../../src/core/types.ts";
import {
  createPostgresStore,
  migratePostgres,
  openPostgresStore,
  POSTGRES_SCHEMA_VERSION,
  SESSION_ANNOUNCED_COLUMNS,
} from "../../src/store/postgres/index.ts";
import { startRelay, testPostgres } from "../helpers/postgres.ts";
import { until } from "../helpers/until.ts";
import { clusterStoreContract } from "./contract/cluster.ts";
import { numbers, rejectsWith, session } from "./contract/fixtures.ts";
import { storeContract } from "./contract/index.ts";

const pg = await testPostgres();
const url = pg.skip ? "" : await pg.freshUrl();

let stores = 0;
/** The application name of each store opened here: how a test finds its connections in pg_stat_activity. */
const applicationNames = new WeakMap<Store, string>();

/** A store over this file's database, its schema migrated, with an application name of its own. */
async function openStore(nodeId: string, storeUrl = url): Promise<Store> {
  const applicationName = `sessiond-test/${process.pid}/${++stores}`;
  const store = await openPostgresStore({ url: storeUrl, nodeId, poolSize: 3, applicationName });
  applicationNames.set(store, applicationName);
  return store;
}

/** A store over this file's database with every table emptied. */
async function emptyStore(nodeId: string): Promise<Store> {
  const store = await openStore(nodeId);
  await pg.emptyTables(url);
  return store;
}

/**
 * The shared suite knows nothing of leases, but on a shared store a session bound to a node is inserted
 * only while that node holds a live lease (fencing). So the suite's store takes a lease for each node it
 * binds a session to, just before the insert; everything else is the driver's own.
 */
function leasingBoundNodes(store: Store): Store {
  const cluster = store.cluster;
  assert.ok(cluster);
  const lease = async (record: SessionRecord) => {
    if (record.binding) await cluster.registerNode(record.binding.node, 600_000);
  };
  return {
    ...store,
    insertSession: async (record) => {
      await lease(record);
      return store.insertSession(record);
    },
    insertSessionCapped: async (record, cap) => {
      await lease(record);
      return store.insertSessionCapped(record, cap);
    },
  };
}

storeContract("postgres", async () => leasingBoundNodes(await emptyStore("contract-node")), { skip: pg.skip });

clusterStoreContract(
  "postgres",
  {
    make: emptyStore,
    join: (nodeId) => openStore(nodeId),
    breakListener: async (store) => {
      const ended = await pg.withSql(
        url,
        (sql) => sql`
          SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
          WHERE application_name = ${applicationNames.get(store) ?? ""} AND query ILIKE 'listen%'`,
      );
      assert.equal(ended.length, 1, "the store had one listening connection");
    },
  },
  { skip: pg.skip },
);

/** Asserts that nothing of `secret` shows in the error: not in its message, not in its printed form. */
function assertNothingLeaked(error: unknown, secret: string): void {
  assert.ok(error instanceof SessionError);
  assert.ok(!error.message.includes(secret), error.message);
  assert.ok(!inspect(error, { depth: 5 }).includes(secret), "the printed error and its cause hold no secret");
}

describe("postgres store", { skip: pg.skip }, () => {
  describe("migrations", () => {
    it("stores opened at once on an empty database all succeed, and migrate it once", async () => {
      const fresh = await pg.freshUrl();
      const opened = await Promise.all(Array.from({ length: 4 }, (_, i) => openStore(`node-${i}`, fresh)));
      try {
        const versions = await pg.withSql(fresh, (sql) => sql`SELECT version FROM schema_version ORDER BY version`);
        assert.deepEqual(
          versions.map((row) => row.version),
          Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1),
        );
        await opened[0]?.insertSession(session(1));
        assert.deepEqual(await opened[3]?.getSessionByKey(session(1).key), session(1));
      } finally {
        await Promise.all(opened.map((store) => store.close()));
      }
    });

    it("migratePostgres brings an empty database to this code's version, and then finds nothing to do", async () => {
      const fresh = await pg.freshUrl();
      assert.deepEqual(await migratePostgres(fresh), { from: 0, to: POSTGRES_SCHEMA_VERSION });
      assert.deepEqual(await migratePostgres(fresh), { from: POSTGRES_SCHEMA_VERSION, to: POSTGRES_SCHEMA_VERSION });
    });

    it("a database whose schema is newer than this code is refused, with a message saying so", async () => {
      const fresh = await pg.freshUrl();
      await migratePostgres(fresh);
      await pg.withSql(
        fresh,
        (sql) => sql`INSERT INTO schema_version (version) VALUES (${POSTGRES_SCHEMA_VERSION + 1})`,
      );
      const newer = (error: unknown) => {
        assert.ok(error instanceof SessionError);
        assert.equal(error.code, "STORE_UNAVAILABLE");
        assert.match(error.message, /schema version \d+ is newer than this server's \d+/);
        return true;
      };
      await assert.rejects(openPostgresStore({ url: fresh, nodeId: "old" }), newer);
      await assert.rejects(migratePostgres(fresh), newer);
      const store = createPostgresStore({ url: fresh, nodeId: "old" });
      try {
        await assert.rejects(store.getRealm("default"), newer);
        await assert.rejects(store.insertSession(session(1)), newer);
      } finally {
        await store.close();
      }
    });
  });

  describe("outages", () => {
    const unreachable = "postgres://sessiond:s3cret-password@127.0.0.1:1/sessiond";

    it("a database that cannot be reached: STORE_UNAVAILABLE with the backend error as cause, nothing leaked", async () => {
      const store = createPostgresStore({ url: unreachable, nodeId: "node-a", connectTimeoutSeconds: 2 });
      try {
        const error = await store.getSessionByKey(session(1).key).then(
          () => assert.fail("a store without a database answered"),
          (e: unknown) => e,
        );
        await rejectsWith(Promise.reject(error), "STORE_UNAVAILABLE");
        assert.ok((error as SessionError).cause, "the backend error is the cause");
        assertNothingLeaked(error, "s3cret-password");
        await rejectsWith(store.insertSession(session(1)), "STORE_UNAVAILABLE");
        await rejectsWith(
          store.cluster?.publish({ kind: "directory-changed" }) ?? Promise.resolve(),
          "STORE_UNAVAILABLE",
        );
      } finally {
        await store.close();
        await store.close();
      }
      await assert.rejects(openPostgresStore({ url: unreachable, nodeId: "node-a" }), (error: unknown) => {
        assert.equal((error as SessionError).code, "STORE_UNAVAILABLE");
        assertNothingLeaked(error, "s3cret-password");
        return true;
      });
    });

    it("a URL that cannot be read: INVALID_ARGUMENT, without quoting it", () => {
      assert.throws(
        () => createPostgresStore({ url: "postgres://sessiond:s3cret-password@127.0.0.1:notaport/db", nodeId: "a" }),
        (error: unknown) => {
          assert.equal((error as SessionError).code, "INVALID_ARGUMENT");
          assertNothingLeaked(error, "s3cret-password");
          return true;
        },
      );
    });

    it("the store recovers by itself once the database is back, and its subscribers are told reconnected", async () => {
      const relay = await startRelay(url);
      const store = await openPostgresStore({ url: relay.url, nodeId: "node-a", poolSize: 2 });
      const peer = await openStore("node-b");
      try {
        await store.putSetting("motd", "before");
        const heard: ClusterMessage[] = [];
        store.cluster?.subscribe((message) => heard.push(message));
        await until("listening", async () => {
          await peer.cluster?.publish({ kind: "directory-changed" });
          return heard.length > 0;
        });

        await relay.down();
        await rejectsWith(store.getSetting("motd"), "STORE_UNAVAILABLE");
        await rejectsWith(store.putSetting("motd", "during"), "STORE_UNAVAILABLE");

        await relay.up();
        await until("the store answers again", () =>
          store.getSetting("motd").then(
            () => true,
            () => false,
          ),
        );
        assert.equal(await store.getSetting("motd"), "before");
        await until("reconnected", () => heard.some((m) => m.kind === "reconnected"));
        heard.length = 0;
        await peer.cluster?.publish({ kind: "directory-changed" });
        await until("hints flow again", () => heard.some((m) => m.kind === "hint"));
      } finally {
        await store.close();
        await peer.close();
        await relay.close();
      }
    });

    it("a store made while the database is down works once it is back", async () => {
      const relay = await startRelay(url);
      await relay.down();
      const store = createPostgresStore({ url: relay.url, nodeId: "node-a", poolSize: 2 });
      try {
        const heard: ClusterMessage[] = [];
        store.cluster?.subscribe((message) => heard.push(message));
        await rejectsWith(store.getSetting("motd"), "STORE_UNAVAILABLE");
        await relay.up();
        await until("the store answers", () =>
          store.getSetting("motd").then(
            () => true,
            () => false,
          ),
        );
        // Hints sent since the subscription began were missed: the late first listen says so.
        await until("reconnected", () => heard.some((m) => m.kind === "reconnected"));
      } finally {
        await store.close();
        await relay.close();
      }
    });
  });

  describe("text", () => {
    it("text PostgreSQL cannot hold (a NUL character) is INVALID_ARGUMENT, and writes nothing", async () => {
      await pg.emptyTables(url);
      const store = await openStore("node-a");
      try {
        await store.insertSession(session(1));
        const limits = { maxCount: 10, maxTotalBytes: 1_000 };
        await rejectsWith(store.putAttributes(session(1).key, [["state", "a\u0000b"]], limits), "INVALID_ARGUMENT");
        assert.deepEqual(await store.listAttributes(session(1).key), {});
        await rejectsWith(store.insertSession(session(2, { locale: "en\u0000" })), "INVALID_ARGUMENT");
        assert.equal(await store.countSessions({}), 1);
      } finally {
        await store.close();
      }
    });
  });

  describe("session notices", () => {
    it("an operator's own SQL that changes or deletes a session row is announced too, and a rolled-back one is not", async () => {
      await pg.emptyTables(url);
      const store = await openStore("node-a");
      try {
        const heard: ClusterMessage[] = [];
        store.cluster?.subscribe((message) => heard.push(message));
        let seq = 0;
        /** Pings until one comes back: every notice committed before it has been heard. */
        const pingedBack = async () => {
          const mine = ++seq;
          await until(`ping ${mine}`, async () => {
            await store.cluster?.ping(mine);
            await sleep(20);
            return heard.some((m) => m.kind === "ping" && m.seq === mine);
          });
        };
        const announced = () => heard.flatMap((m) => (m.kind === "sessions-changed" ? m.keys : []));
        for (let n = 1; n <= 3; n++) await store.insertSession(session(n));
        await pingedBack();
        await pg.withSql(url, async (sql) => {
          await sql`UPDATE sessions SET locale = 'sv' WHERE key = ${session(1).key}`;
          await sql`DELETE FROM sessions WHERE key = ${session(2).key}`;
          // Activity alone, and a change that is rolled back, announce nothing.
          await sql`UPDATE sessions SET last_active_at = last_active_at + 1, call_count = call_count + 1`;
          await sql
            .begin(async (tx) => {
              await tx`DELETE FROM sessions WHERE key = ${session(3).key}`;
              throw new Error("rolled back");
            })
            .catch(() => {});
        });
        await pingedBack();
        assert.deepEqual(announced(), [session(1).key, session(2).key]);

        // A table emptied at once announces that every session may have changed.
        heard.length = 0;
        await pg.withSql(url, (sql) => sql`TRUNCATE sessions CASCADE`);
        await pingedBack();
        assert.deepEqual(
          heard.filter((m) => m.kind !== "ping"),
          [{ kind: "all-sessions-changed" }],
        );
      } finally {
        await store.close();
      }
    });

    it("the trigger watches every column of sessions but the activity and the generated ones", async () => {
      const columns = await pg.withSql(
        url,
        (sql) =>
          sql<{ name: string }[]>`
          SELECT column_name AS name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = 'sessions' AND is_generated = 'NEVER'
          ORDER BY ordinal_position`,
      );
      const activity = ["last_active_at", "call_count", "user_active_at"];
      assert.deepEqual(
        [...SESSION_ANNOUNCED_COLUMNS].sort(),
        columns
          .map((column) => column.name)
          .filter((name) => !activity.includes(name))
          .sort(),
        "a column added to sessions must be added to SESSION_ANNOUNCED_COLUMNS (and the trigger recreated)",
      );
    });
  });

  describe("fencing by epoch", () => {
    it("a process whose node id was taken over by a newer process cannot bind sessions to it", async () => {
      await pg.emptyTables(url);
      const old = await openStore("node-a");
      const newer = await openStore("node-a");
      try {
        const lease = await old.cluster?.registerNode("node-a", 200);
        assert.ok(lease);
        await until("the old lease ran out", async () => ((await old.cluster?.clockNow()) ?? 0) > lease.expiresAt);
        assert.ok(await newer.cluster?.registerNode("node-a", 60_000));
        const bound = (n: number) => session(n, { binding: { kind: "connection", node: "node-a", connection: "c" } });
        await newer.insertSession(bound(1));
        await assert.rejects(old.insertSession(bound(2)), (error: unknown) => {
          assert.equal((error as SessionError).details.reason, "fenced");
          return true;
        });
        assert.equal(await newer.getSessionByKey(bound(2).key), null);
      } finally {
        await old.close();
        await newer.close();
      }
    });
  });

  describe("indexes", () => {
    /** How often each of the sessions table's indexes was scanned, as the statistics report it. */
    const indexScans = () =>
      pg.withSql(url, async (sql) => {
        const rows = await sql<{ index: string; scans: string }[]>`
          SELECT indexrelname AS index, idx_scan AS scans FROM pg_stat_user_indexes
          WHERE relname IN ('sessions', 'users') AND schemaname = current_schema()`;
        return new Map(rows.map((row) => [row.index, Number(row.scans)]));
      });

    /**
     * Runs `work` on a store of its own and waits until the statistics show `index` scanned. A server
     * process reports its statistics when it ends (otherwise up to 10 s later), so the store is closed
     * before they are read.
     */
    async function servedBy<T>(index: string, work: (store: Store) => Promise<T>): Promise<T> {
      const before = (await indexScans()).get(index) ?? 0;
      const store = await openStore("node-a");
      let result: T;
      try {
        result = await work(store);
      } finally {
        await store.close();
      }
      await until(`${index} was scanned`, async () => ((await indexScans()).get(index) ?? 0) > before);
      return result;
    }

    it("the sweep, listings, counts and the reaper are served by their indexes", async () => {
      await pg.emptyTables(url);
      await pg.withSql(url, async (sql) => {
        await sql`
          INSERT INTO sessions (number, key, secret_digest, realm, user_name, protocol, created_at, last_active_at,
            call_count, locale, message_locale, client, idle_timeout_ms, idle_timeout_chosen)
          SELECT n, 'key-' || n, 'digest-' || n, 'realm-' || (n % 20), 'user-' || (n % 500),
            (ARRAY['api', 'vsphere', 'httpkom'])[1 + n % 3], 0, 1000000 + n, 0, 'en', 'en', '{}', 60000, false
          FROM generate_series(1, 5000) AS n`;
        await sql`ANALYZE sessions`;
      });
      const swept = await servedBy("sessions_deadline", (store) => store.takeExpiredSessions(1_060_003, 100));
      assert.deepEqual(numbers(swept), [1, 2, 3]);
      await servedBy("sessions_realm_user", (store) =>
        store.listSessions({ realm: "realm-3", userName: "user-3" }, null, 10),
      );
      await servedBy("sessions_user", (store) => store.countSessions({ userName: "user-7" }));
      await servedBy("sessions_binding_node", (store) => {
        assert.ok(store.cluster);
        return store.cluster.takeSessionsOfDeadNodes(10);
      });
    });

    // @see issue 14: the console's search of a realm's users reads the users it returns.
    it("a name search is a range of the (realm, name) primary key, in code point order", async () => {
      await pg.emptyTables(url);
      await pg.withSql(url, async (sql) => {
        await sql`
          INSERT INTO users (realm, name, number, full_name, groups, privileges, disabled, created_at)
          SELECT 'realm-' || (n % 4), 'user-' || n, n, '', '{}', '{}', false, 0 FROM generate_series(1, 20000) AS n`;
        await sql`INSERT INTO users (realm, name, number, full_name, groups, privileges, disabled, created_at)
          VALUES ('realm-1', 'Zed', 0, '', '{}', '{}', false, 0), ('realm-1', 'zed', -1, '', '{}', '{}', false, 0)`;
        await sql`ANALYZE users`;
      });
      const found = await servedBy("users_pkey", (store) => store.listUsersByName("realm-1", "user-1999", null, 10));
      // user-1999 itself is of realm-3.
      assert.deepEqual(
        found.map((user) => user.name),
        ["user-19993", "user-19997"],
      );
      // Upper case sorts before lower case whatever the database's locale (the "C" collation).
      assert.deepEqual(
        (await servedBy("users_pkey", (store) => store.listUsersByName("realm-1", "", null, 2))).map((u) => u.name),
        ["Zed", "user-1"],
      );
    });

    // @see issue 15, part 3: every anonymous creation counts its address's sessions.
    it("the count of one address's anonymous sessions is served by its partial index", async () => {
      await pg.emptyTables(url);
      await pg.withSql(url, async (sql) => {
        await sql`
          INSERT INTO sessions (number, key, secret_digest, realm, user_name, protocol, created_at, last_active_at,
            call_count, locale, message_locale, client, idle_timeout_ms, idle_timeout_chosen)
          SELECT n, 'key-' || n, 'digest-' || n, 'default', CASE WHEN n % 2 = 0 THEN NULL ELSE 'user-' || n END,
            'api', 0, 1000000, 0, 'en', 'en', jsonb_build_object('ipAddress', '10.0.' || (n % 250)), 60000, false
          FROM generate_series(1, 5000) AS n`;
        await sql`ANALYZE sessions`;
      });
      const count = await servedBy("sessions_anonymous_address", (store) =>
        store.countAnonymousSessions("10.0.8", 1_000_000),
      );
      assert.equal(count, 20);
    });

    // @see issue 14: an audit page, whatever its filter, reads only the entries it returns.
    it("every shape of audit filter is served by the index of exactly its fields", async () => {
      await pg.emptyTables(url);
      await pg.withSql(url, async (sql) => {
        // A haystack, and needles whose every pair of fields is common but whose whole filter is rare,
        // so that only the index of exactly the filter's fields reads no more than the page.
        await sql`
          INSERT INTO audit (at, type, realm, user_name)
          SELECT n, (ARRAY['login', 'logout'])[1 + n % 2], 'realm-' || (n % 5), 'user-' || (n % 300)
          FROM generate_series(1, 20000) AS n`;
        for (const [count, realm, userName, type] of [
          [10, "needle-realm", "needle-user", "login-failed"],
          [2000, "needle-realm", "needle-user", "login"],
          [2000, "needle-realm", "user-1", "login-failed"],
          [2000, "realm-1", "needle-user", "login-failed"],
          [5, "lonely-realm", "user-2", "login"],
          [5, "realm-2", "lonely-user", "login"],
          [5, "realm-2", "user-2", "user-deleted"],
        ] as const) {
          await sql`
            INSERT INTO audit (at, type, realm, user_name)
            SELECT n, ${type}, ${realm}, ${userName} FROM generate_series(1, ${count}::int) AS n`;
        }
        // Sessions with a short trail each, among the logins of the haystack's users.
        await sql`
          INSERT INTO audit (at, type, realm, user_name, session_key)
          SELECT n, 'login', 'realm-1', 'user-1', 'session-' || (n % 4000) FROM generate_series(1, 12000) AS n`;
        await sql`ANALYZE audit`;
      });
      const auditScans = () =>
        pg.withSql(url, async (sql) => {
          const rows = await sql<{ index: string; scans: string }[]>`
            SELECT indexrelname AS index, idx_scan AS scans FROM pg_stat_user_indexes
            WHERE relname = 'audit' AND schemaname = current_schema()`;
          return new Map(rows.map((row) => [row.index, Number(row.scans)]));
        });
      // A rare kind may be read through (type, at) as well as (type, id): either reads only its entries.
      const shapes: [AuditFilter, string | string[]][] = [
        [{ realm: "lonely-realm" }, "audit_realm"],
        [{ userName: "lonely-user" }, "audit_user"],
        [{ type: "user-deleted" }, ["audit_type", "audit_type_at"]],
        [{ sessionKey: "session-17" }, "audit_session"],
        [{ sessionKey: "session-17", realm: "realm-1", userName: "user-1", type: "login" }, "audit_session"],
        [{ realm: "needle-realm", userName: "needle-user" }, "audit_realm_user"],
        [{ realm: "needle-realm", type: "login-failed" }, "audit_realm_type"],
        [{ userName: "needle-user", type: "login-failed" }, "audit_user_type"],
        [{ realm: "needle-realm", userName: "needle-user", type: "login-failed" }, "audit_realm_user_type"],
      ];
      const scansOf = (scans: Map<string, number>, indexes: string[]) =>
        indexes.reduce((sum, index) => sum + (scans.get(index) ?? 0), 0);
      for (const [filter, index] of shapes) {
        const indexes = typeof index === "string" ? [index] : index;
        const before = scansOf(await auditScans(), indexes);
        const store = await openStore("node-a");
        try {
          const page = await store.listAudit(null, 5, filter);
          assert.ok(page.length > 0, `${JSON.stringify(filter)} finds entries`);
        } finally {
          await store.close();
        }
        await until(`${indexes.join(" or ")} was scanned for ${JSON.stringify(filter)}`, async () => {
          return scansOf(await auditScans(), indexes) > before;
        });
      }
      // The dashboard's count of the last hour's logins reads the (type, at) index from `since` on.
      const before = (await auditScans()).get("audit_type_at") ?? 0;
      const store = await openStore("node-a");
      try {
        assert.deepEqual(await store.countAudit(["login-failed", "user-deleted"], 1990), {
          "login-failed": 22,
          "user-deleted": 0,
        });
      } finally {
        await store.close();
      }
      await until("audit_type_at was scanned for a count", async () => {
        return ((await auditScans()).get("audit_type_at") ?? 0) > before;
      });
    });
  });
});
