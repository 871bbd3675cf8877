import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { SessionError } from "../../src/core/errors.ts";
import type { SessionRecord } from "../../src/core/types.ts";
import { createSqliteStore, SQLITE_SCHEMA_VERSION } from "../../src/store/sqlite.ts";
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
    const made = createSqliteStore({ path });
    const realm = {
      id: "00000000-0000-0000-0000-000000000000",
      name: "default",
      defaultLocale: "en",
      supportedLocales: ["en"],
      idleTimeoutSeconds: 600,
      maxIdleTimeoutSeconds: 900,
      maxLifetimeSeconds: null,
      maxSessionsPerUser: null,
      maxSessionsPolicy: "deny" as const,
      allowSelfRegistration: false,
    };
    await made.putRealm(realm);
    const stored = { ...sampleSession(), number: await made.nextSessionNumber() };
    await made.insertSession(stored);
    await made.close();
    // Back to what schema 1 was: no column for the cap, nor for a client's choice of idle timeout.
    const db = new Database(path);
    db.exec("ALTER TABLE realms DROP COLUMN max_idle_timeout_seconds");
    db.exec("ALTER TABLE sessions DROP COLUMN idle_timeout_chosen");
    db.pragma("user_version = 1");
    db.close();
    const upgraded = createSqliteStore({ path });
    try {
      assert.deepEqual(await upgraded.getRealm("default"), { ...realm, maxIdleTimeoutSeconds: null });
      // Sessions from before took their realm's timeout.
      assert.deepEqual(await upgraded.getSessionByKey(stored.key), { ...stored, idleTimeoutChosen: false });
      const peek = new Database(path, { readonly: true });
      assert.equal(peek.pragma("user_version", { simple: true }), SQLITE_SCHEMA_VERSION);
      peek.close();
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
