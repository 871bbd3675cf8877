/**
 * The SQLite store's WAL checkpoints run on a worker thread (`sqlite-checkpointer.ts`), not inside a
 * write on the event loop. These tests show that the worker really copies the log into the database
 * file, that the store leaves its own connection only a backstop, and that a failing worker is
 * reported rather than silent, and stops cleanly.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { createSqliteStore } from "../../src/store/sqlite.ts";
import { BACKSTOP_AUTOCHECKPOINT_PAGES, startCheckpointer } from "../../src/store/sqlite-checkpointer.ts";
import { until } from "../helpers/until.ts";

const dir = mkdtempSync(join(tmpdir(), "sessiond-checkpointer-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A WAL database whose own connection never checkpoints in these tests' sizes, as the store sets it. */
function walDatabase(name: string): Database.Database {
  const db = new Database(join(dir, name));
  db.pragma("journal_mode = WAL");
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
  db.exec("CREATE TABLE filler (body BLOB NOT NULL)");
  return db;
}

describe("SQLite checkpoints on a worker thread", () => {
  it("copies the write-ahead log into the database file, so the event loop's writes never have to", async () => {
    const db = walDatabase("copies.db");
    const path = db.name;
    const fill = db.prepare("INSERT INTO filler (body) VALUES (?)");
    db.transaction(() => {
      for (let i = 0; i < 1024; i++) fill.run(Buffer.alloc(4096, i % 251));
    })();
    // About 4 MiB written, all of it still in the log: the database file holds only the schema.
    const before = statSync(path).size;
    assert.ok(before < 1024 * 1024, `the database file is ${before} bytes before any checkpoint`);
    assert.ok(statSync(`${path}-wal`).size > 4 * 1024 * 1024, "the log holds the writes");

    const errors: string[] = [];
    const checkpointer = startCheckpointer({ path, intervalMs: 20, onError: (message) => errors.push(message) });
    try {
      await until("a checkpoint", () => checkpointer.runs >= 1);
      assert.ok(
        statSync(path).size >= 4 * 1024 * 1024,
        `the worker copied the log into the database file (${statSync(path).size} bytes)`,
      );
      assert.deepEqual(errors, []);
    } finally {
      await checkpointer.stop();
      db.close();
    }
    const runsAtStop = checkpointer.runs;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(checkpointer.runs, runsAtStop, "no checkpoint runs after stop()");
  });

  it("reports a worker that cannot open its database, instead of failing silently", async () => {
    const errors: string[] = [];
    const checkpointer = startCheckpointer({
      path: join(dir, "missing", "nowhere.db"),
      intervalMs: 20,
      onError: (message) => errors.push(message),
    });
    try {
      await until("an error report", () => errors.length > 0);
      assert.equal(checkpointer.runs, 0);
      // The failed worker ends right after its report: stopping it afterwards must not wait for an end
      // that has already happened (it used to, forever).
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await checkpointer.stop();
    }
  });

  it("leaves the store's own connection only a backstop, unless checkpoints are left to SQLite", async () => {
    const withWorker = new Database(join(dir, "store-worker.db"));
    const store = createSqliteStore({ path: withWorker.name, database: withWorker });
    try {
      assert.equal(withWorker.pragma("wal_autocheckpoint", { simple: true }), BACKSTOP_AUTOCHECKPOINT_PAGES);
    } finally {
      await store.close();
    }
    const withoutWorker = new Database(join(dir, "store-sqlite.db"));
    const plain = createSqliteStore({ path: withoutWorker.name, database: withoutWorker, checkpointIntervalMs: null });
    try {
      assert.equal(withoutWorker.pragma("wal_autocheckpoint", { simple: true }), 1000, "SQLite's own default");
    } finally {
      await plain.close();
    }
  });
});
