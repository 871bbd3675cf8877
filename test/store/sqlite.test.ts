import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { SessionError } from "../../src/core/errors.ts";
import type { AuditFilter } from "../../src/core/store/index.ts";
import type { SessionRecord } from "../../src/core/types.ts";
import {
  COUNT_ANONYMOUS_SQL,
  COUNT_AUDIT_SQL,
  countSessionsSql,
  createSqliteStore,
  listAuditSql,
  listByNameSql,
  listSessionsSql,
  MIGRATIONS,
  SQLITE_SCHEMA_VERSION,
  TAKE_EXPIRED_SQL,
  USER_SESSIONS_SQL,
} from "../../src/store/sqlite.ts";
import { storeContract } from "./contract/index.ts";

const dir = mkdtempSync(join(tmpdir(), "sessiond-sqlite-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const freshPath = () => join(dir, `store-${++files}.db`);

storeContract("sqlite (file)", async () => createSqliteStore({ path: freshPath() }));
storeContract("sqlite (:memory:)", async () => createSqliteStore({ path: ":memory:" }));
storeContract("sqlite (file, durability full)", async () =>
  createSqliteStore({ path: freshPath(), durability: "full" }),
);

/** A session with every field set to a value other than its default. */
function sampleSession(): SessionRecord {
  return {
    key: "11111111-1111-4111-8111-111111111111",
    number: 0,
    secretDigest: "ab".repeat(32),
    realm: "default",
    userName: "alice",
    impersonatedBy: null,
    protocol: "httpkom",
    createdAt: 1,
    loginAt: 2,
    lastActiveAt: 3,
    userActiveAt: null,
    callCount: 4,
    locale: "sv_SE",
    messageLocale: "sv",
    client: { name: "kom", ipAddress: "10.0.0.1" },
    idleTimeoutMs: 1_000,
    idleTimeoutChosen: true,
    expiresAt: null,
    binding: { kind: "connection", node: "n1", connection: "7" },
  };
}

describe("sqlite store", () => {
  it("keeps sessions, counters, attributes, users, settings and audit across close and reopen", async () => {
    const path = freshPath();
    const session = sampleSession();
    const alice = {
      realm: "default",
      number: 6,
      name: "alice",
      fullName: "Alice",
      passwordHash: null,
      groups: [],
      privileges: [],
      disabled: false,
      createdAt: 1,
    };

    const first = createSqliteStore({ path });
    session.number = await first.nextSessionNumber();
    const spent = await first.nextSessionNumber();
    await first.insertSession(session);
    assert.equal(await first.putAttributes(session.key, [["k", "v"]], { maxCount: 10, maxTotalBytes: 100 }), "ok");
    await first.putUser(alice);
    await first.putSetting("motd", { text: "hi" });
    await first.appendAudit({
      at: 1,
      type: "created",
      realm: null,
      userName: null,
      sessionKey: session.key,
      actor: null,
      ipAddress: null,
      protocol: "httpkom",
      detail: null,
    });
    await first.close();

    const second = createSqliteStore({ path });
    try {
      assert.deepEqual(await second.getSessionByKey(session.key), session);
      assert.deepEqual(await second.listAttributes(session.key), { k: "v" });
      assert.deepEqual(await second.getUserByNumber("default", 6), alice);
      assert.deepEqual(await second.getSetting("motd"), { text: "hi" });
      assert.equal((await second.listAudit(null, 10)).length, 1);
      assert.ok((await second.nextSessionNumber()) > spent, "the counter does not go back on reopen");
      // Deadlines are still indexed after reopening.
      assert.deepEqual(
        (await second.takeExpiredSessions(1_003, 10)).map((s) => s.key),
        [session.key],
      );
    } finally {
      await second.close();
    }

    const third = createSqliteStore({ path });
    try {
      assert.ok((await third.nextSessionNumber()) > spent + 1, "numbers are never handed out twice");
      assert.equal(await third.getSessionByKey(session.key), null);
    } finally {
      await third.close();
    }
  });

  it("uses a write-ahead log and records its schema version", async () => {
    const path = freshPath();
    const store = createSqliteStore({ path });
    try {
      await store.putSetting("x", 1);
      assert.ok(existsSync(`${path}-wal`), "the -wal file exists while the store is open");
      const peek = new Database(path, { readonly: true });
      try {
        assert.equal(peek.pragma("journal_mode", { simple: true }), "wal");
        assert.equal(peek.pragma("user_version", { simple: true }), SQLITE_SCHEMA_VERSION);
      } finally {
        peek.close();
      }
    } finally {
      await store.close();
    }
  });

  it("finds expired sessions and bindings through indexes, not a table scan", async () => {
    const path = freshPath();
    await createSqliteStore({ path }).close();
    const peek = new Database(path, { readonly: true });
    try {
      const plan = (sql: string, ...params: unknown[]) =>
        (peek.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
          .map((r) => r.detail)
          .join("\n");
      assert.match(
        plan("SELECT number FROM sessions WHERE deadline_at <= ? ORDER BY deadline_at LIMIT 10", 5),
        /sessions_deadline/,
      );
      assert.match(
        plan("SELECT number FROM sessions WHERE binding >= ? AND binding < ?", "a", "b"),
        /sessions_binding/,
      );
    } finally {
      peek.close();
    }
  });

  it("upgrades a file of schema 1: realms get no idle-timeout cap, sessions no chosen timeout, and keep everything else", async () => {
    const path = freshPath();
    // A file exactly as schema 1 made it, with a realm and a session in it.
    const old = new Database(path);
    old.exec(MIGRATIONS[0] as string);
    old.pragma("user_version = 1");
    const stored = sampleSession();
    old
      .prepare(
        `INSERT INTO realms (name, id, default_locale, supported_locales, idle_timeout_seconds, max_lifetime_seconds,
          max_sessions_per_user, max_sessions_policy, allow_self_registration)
        VALUES ('default', '00000000-0000-0000-0000-000000000000', 'en', '["en"]', 600, NULL, NULL, 'deny', 0)`,
      )
      .run();
    old
      .prepare(
        `INSERT INTO sessions (number, key, secret_digest, realm, user_name, impersonated_by, protocol, created_at,
          login_at, last_active_at, user_active_at, call_count, locale, message_locale, client, idle_timeout_ms,
          expires_at, binding)
        VALUES (@number, @key, @secretDigest, @realm, @userName, NULL, @protocol, @createdAt, @loginAt, @lastActiveAt,
          NULL, @callCount, @locale, @messageLocale, @client, @idleTimeoutMs, NULL, 'connection:n1/7')`,
      )
      .run({ ...stored, number: 1, client: JSON.stringify(stored.client) });
    old.close();
    const upgraded = createSqliteStore({ path });
    try {
      assert.deepEqual(await upgraded.getRealm("default"), {
        id: "00000000-0000-0000-0000-000000000000",
        name: "default",
        defaultLocale: "en",
        supportedLocales: ["en"],
        idleTimeoutSeconds: 600,
        maxIdleTimeoutSeconds: null,
        maxLifetimeSeconds: null,
        maxSessionsPerUser: null,
        maxSessionsPolicy: "deny",
        allowSelfRegistration: false,
        lockoutAfterFailures: null,
      });
      // Sessions from before took their realm's timeout.
      assert.deepEqual(await upgraded.getSessionByKey(stored.key), {
        ...stored,
        number: 1,
        idleTimeoutChosen: false,
      });
      const peek = new Database(path, { readonly: true });
      assert.equal(peek.pragma("user_version", { simple: true }), SQLITE_SCHEMA_VERSION);
      peek.close();
    } finally {
      await upgraded.close();
    }
  });

  // @see issue 15, part 4: the database files hold every argon2 hash and session digest.
  it("creates the database, its -wal and its -shm readable by their owner only, whatever the umask", async () => {
    const path = freshPath();
    const umask = process.umask(0o022);
    let store: ReturnType<typeof createSqliteStore> | undefined;
    try {
      store = createSqliteStore({ path });
      await store.putSetting("x", 1);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        assert.equal(statSync(file).mode & 0o777, 0o600, `${file} is 0600`);
      }
    } finally {
      process.umask(umask);
      await store?.close();
    }
  });

  it("tightens database files an earlier run left readable by others", async () => {
    const path = freshPath();
    await createSqliteStore({ path }).close();
    writeFileSync(`${path}-journal`, "");
    for (const file of [path, `${path}-journal`]) chmodSync(file, 0o644);
    const store = createSqliteStore({ path });
    try {
      for (const file of [path, `${path}-journal`]) {
        if (existsSync(file)) assert.equal(statSync(file).mode & 0o777, 0o600, `${file} is 0600`);
      }
      assert.equal(statSync(path).mode & 0o777, 0o600);
    } finally {
      await store.close();
    }
  });

  // @see issue 15, part 3: the size is what new data competes for, so it falls as sessions end.
  it("databaseBytes counts pages in use: it falls again when sessions and their attributes are gone", async () => {
    const store = createSqliteStore({ path: freshPath() });
    try {
      const empty = await store.databaseBytes();
      const keys: string[] = [];
      for (let n = 1; n <= 30; n++) {
        const record = { ...sampleSession(), key: `11111111-1111-4111-8111-${String(n).padStart(12, "0")}` };
        await store.insertSession({
          ...record,
          number: n,
          secretDigest: n.toString(16).padStart(64, "0"),
          binding: null,
        });
        await store.putAttributes(record.key, [["big", "x".repeat(60_000)]], { maxCount: 10, maxTotalBytes: 100_000 });
        keys.push(record.key);
      }
      const full = await store.databaseBytes();
      assert.ok(full > empty + 1_500_000, `${empty} -> ${full}`);
      for (const key of keys) await store.takeSession(key);
      const after = await store.databaseBytes();
      assert.ok(after < empty + 200_000, `the space of ended sessions is free again: ${full} -> ${after}`);
    } finally {
      await store.close();
    }
  });

  it("upgrades a file of schema 3 with the index on anonymous sessions' addresses", async () => {
    const path = freshPath();
    const old = new Database(path);
    for (const migration of MIGRATIONS.slice(0, 3)) old.exec(migration);
    old.pragma("user_version = 3");
    old.close();
    const upgraded = createSqliteStore({ path });
    try {
      assert.equal(await upgraded.countAnonymousSessions("10.0.0.1", 0), 0);
      const peek = new Database(path, { readonly: true });
      const index = peek.prepare("SELECT name FROM sqlite_master WHERE name = 'sessions_anonymous_address'").get();
      peek.close();
      assert.ok(index, "the index exists");
    } finally {
      await upgraded.close();
    }
  });

  it("refuses a file whose schema is newer than this code", () => {
    const path = freshPath();
    const db = new Database(path);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(
      () => createSqliteStore({ path }),
      (error: unknown) => error instanceof SessionError && error.code === "STORE_UNAVAILABLE",
    );
  });

  it("rejects calls after close with STORE_UNAVAILABLE, keeping the backend error as cause", async () => {
    const store = createSqliteStore({ path: ":memory:" });
    await store.close();
    await assert.rejects(store.getSessionByKey("k"), (error: unknown) => {
      assert.ok(error instanceof SessionError);
      assert.equal(error.code, "STORE_UNAVAILABLE");
      assert.ok(error.cause instanceof Error);
      return true;
    });
  });
});

describe("sqlite store: query plans (issue 11, part 3)", () => {
  // Every shape of session filter, by the fields it gives.
  const shapes = [
    { realm: "r" },
    { userName: "u" },
    { protocol: "api" as const },
    { realm: "r", userName: "u" },
    { realm: "r", protocol: "api" as const },
    { userName: "u", protocol: "api" as const },
    { realm: "r", userName: "u", protocol: "api" as const },
  ];

  function plan(db: Database.Database, sql: string, params: Record<string, unknown>): string {
    return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[])
      .map((r) => r.detail)
      .join(" | ");
  }

  function planParams(filter: Record<string, unknown>): Record<string, unknown> {
    const params: Record<string, unknown> = { after: 0, limit: 10 };
    if (filter.realm !== undefined) params.realm = filter.realm;
    if (filter.userName !== undefined) params.user_name = filter.userName;
    if (filter.protocol !== undefined) params.protocol = filter.protocol;
    return params;
  }

  it("lists and counts every filter shape through an index, never by reading every session", async () => {
    const path = freshPath();
    await createSqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    try {
      for (const filter of shapes) {
        const params = planParams(filter);
        for (const [what, sql] of [
          ["list", listSessionsSql(filter)],
          ["count", countSessionsSql(filter)],
        ] as const) {
          const text = plan(db, sql, what === "list" ? params : { ...params, after: undefined, limit: undefined });
          assert.match(text, /SEARCH sessions USING (COVERING )?INDEX/, `${what} ${JSON.stringify(filter)}: ${text}`);
          assert.doesNotMatch(text, /SCAN sessions/, `${what} ${JSON.stringify(filter)}: ${text}`);
          assert.doesNotMatch(text, /USE TEMP B-TREE/, `${what} ${JSON.stringify(filter)} sorts: ${text}`);
        }
      }
      // A capped login counts one user's sessions: only that user's index entries are read.
      assert.match(
        plan(db, countSessionsSql({ realm: "r", userName: "u" }), { realm: "r", user_name: "u" }),
        /SEARCH sessions USING COVERING INDEX sessions_realm_user \(realm=\? AND user_name=\?\)/,
      );
      // Paging the whole list walks the primary key from the cursor.
      assert.match(plan(db, listSessionsSql({}), { after: 0, limit: 10 }), /SEARCH sessions USING INTEGER PRIMARY KEY/);
      // The cap on one address's anonymous sessions reads only that address's entries.
      assert.match(
        plan(db, COUNT_ANONYMOUS_SQL, { address: "10.0.0.1", now: 0 }),
        /SEARCH sessions USING INDEX sessions_anonymous_address \(<expr>=\?\)/,
      );
      // The sweep reads the deadline index from its low end.
      assert.match(
        plan(db, TAKE_EXPIRED_SQL, { now: 1, limit: 1, floor: 0, cap: 0, divisor: 1, extra: 0 }),
        /SEARCH sessions USING INDEX sessions_deadline \(deadline_at<\?\)/,
      );
    } finally {
      db.close();
    }
  });

  // A capped login (insertSessionCapped, updateSessionCapped) reads the user's other sessions with
  // USER_SESSIONS_SQL, not with countSessionsSql: the statement checked here is the one the store
  // prepares, so it cannot drift from the code. Checked twice: on an empty file, where SQLite plans from
  // its built-in guesses, and after ANALYZE of many users' sessions, where it plans from statistics and
  // could prefer a scan if the index did not narrow the rows down to one user's.
  it("reads only the user's own sessions for a capped login, through the (realm, user_name) index", async () => {
    const path = freshPath();
    await createSqliteStore({ path }).close();
    const db = new Database(path);
    try {
      const capped = () =>
        (
          db.prepare(`EXPLAIN QUERY PLAN ${USER_SESSIONS_SQL}`).all("default", "user-7", "some-key") as {
            detail: string;
          }[]
        )
          .map((r) => r.detail)
          .join(" | ");
      const check = (when: string) => {
        const text = capped();
        assert.match(
          text,
          /SEARCH sessions USING INDEX sessions_realm_user \(realm=\? AND user_name=\?\)/,
          `${when}: ${text}`,
        );
        assert.doesNotMatch(text, /SCAN sessions/, `${when}: ${text}`);
      };
      check("empty");

      // 20,000 sessions of 2,000 users in two realms, then statistics.
      db.exec(`
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
        INSERT INTO sessions (number, key, secret_digest, realm, user_name, protocol, created_at, login_at,
          last_active_at, call_count, locale, message_locale, client, idle_timeout_ms)
        SELECT i, 'key-' || i, printf('%064x', i), CASE WHEN i % 2 = 0 THEN 'default' ELSE 'other' END,
          'user-' || (i % 2000), 'api', i, i, i, 0, 'en', 'en', '{}', 600000
        FROM n;
        ANALYZE;`);
      check("analyzed");
    } finally {
      db.close();
    }
  });

  // @see issue 14: an audit page, whatever its filter, reads only the entries it returns.
  it("pages the audit log by every filter shape through an index of exactly its fields, in id order", async () => {
    const path = freshPath();
    await createSqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    try {
      const indexOf: [Record<string, string>, string][] = [
        [{ realm: "r" }, "audit_realm \\(realm=\\? AND id>\\?\\)"],
        [{ userName: "u" }, "audit_user \\(user_name=\\? AND id>\\?\\)"],
        [{ type: "login" }, "audit_type \\(type=\\? AND id>\\?\\)"],
        [{ realm: "r", userName: "u" }, "audit_realm_user \\(realm=\\? AND user_name=\\? AND id>\\?\\)"],
        [{ realm: "r", type: "login" }, "audit_realm_type \\(realm=\\? AND type=\\? AND id>\\?\\)"],
        [{ userName: "u", type: "login" }, "audit_user_type \\(user_name=\\? AND type=\\? AND id>\\?\\)"],
        [
          { realm: "r", userName: "u", type: "login" },
          "audit_realm_user_type \\(realm=\\? AND user_name=\\? AND type=\\? AND id>\\?\\)",
        ],
      ];
      for (const [filter, index] of indexOf) {
        const params: Record<string, unknown> = { after: 0, limit: 10 };
        if (filter.realm !== undefined) params.realm = filter.realm;
        if (filter.userName !== undefined) params.user_name = filter.userName;
        if (filter.type !== undefined) params.type = filter.type;
        const text = plan(db, listAuditSql(filter), params);
        assert.match(text, new RegExp(`^SEARCH audit USING INDEX ${index}$`), `${JSON.stringify(filter)}: ${text}`);
      }
      assert.equal(
        plan(db, listAuditSql({}), { after: 0, limit: 10 }),
        "SEARCH audit USING INTEGER PRIMARY KEY (rowid>?)",
      );
      // A session's trail, whatever else the filter names, from the session's own index.
      for (const filter of [{ sessionKey: "k" }, { sessionKey: "k", realm: "r", userName: "u", type: "login" }]) {
        const params: Record<string, unknown> = { after: 0, limit: 10, session_key: "k" };
        if ("realm" in filter) Object.assign(params, { realm: "r", user_name: "u", type: "login" });
        assert.match(
          plan(db, listAuditSql(filter as AuditFilter), params),
          /^SEARCH audit USING INDEX audit_session \(session_key=\? AND id>\?\)$/,
        );
      }
      // A name search is a range of the (realm, name) primary key, each shape of range.
      for (const table of ["users", "groups"] as const) {
        for (const inclusive of [true, false]) {
          for (const bounded of [true, false]) {
            const params: Record<string, unknown> = { realm: "r", from: "al", limit: 10 };
            if (bounded) params.upper = "am";
            const text = plan(db, listByNameSql(table, inclusive, bounded), params);
            assert.match(
              text,
              new RegExp(
                `^SEARCH ${table} USING PRIMARY KEY \\(realm=\\? AND name>\\?${bounded ? " AND name<\\?" : ""}\\)$`,
              ),
              text,
            );
          }
        }
      }
      // The dashboard's count reads the (type, at) index only, from `since` on.
      assert.equal(
        (db.prepare(`EXPLAIN QUERY PLAN ${COUNT_AUDIT_SQL}`).all("login", 0) as { detail: string }[])
          .map((row) => row.detail)
          .join("; "),
        "SEARCH audit USING COVERING INDEX audit_type_at (type=? AND at>?)",
      );
    } finally {
      db.close();
    }
  });
});
