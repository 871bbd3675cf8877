/**
 * The SQLite store's webhook outbox (`OutboxStore`), over the `webhook_outbox` table of schema
 * version 8 (`sqlite.ts`).
 *
 * - **`seq`, the rowid with AUTOINCREMENT**, is the order entries were written in, never reused: the
 *   order within a key, and the age order of claims.
 * - **A claim is one `UPDATE ... RETURNING`**, which moves `due_at` to the end of the lease: the lease
 *   and the due time are one column, so "due" and "not leased" are one range scan on its index.
 * - **An entry behind another of its key** (same endpoint and `order_key`, smaller `seq`) is left out
 *   by `NOT EXISTS` on the `(endpoint, order_key, seq)` index.
 *
 * @module
 */

import type Database from "better-sqlite3";
import type { OutboxStore } from "../core/store/index.ts";
import { entryFromRow, type OutboxRow } from "./outbox-rows.ts";

/** Schema version 7 → 8: the outbox. Appended to `MIGRATIONS` in `sqlite.ts`. */
export const SQLITE_OUTBOX_MIGRATION = `
  CREATE TABLE webhook_outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    endpoint   TEXT NOT NULL,
    order_key  TEXT,
    event_type TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    due_at     INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    claim      TEXT,
    last_error TEXT
  );
  CREATE INDEX webhook_outbox_due ON webhook_outbox (due_at, seq);
  CREATE INDEX webhook_outbox_order ON webhook_outbox (endpoint, order_key, seq) WHERE order_key IS NOT NULL;
`;

/** A contract part's methods as they run here: the same, answering at once instead of a Promise. */
type Synchronous<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

/**
 * The outbox methods over an open, migrated database. Each runs synchronously (the caller wraps it in
 * its Promise and error mapping).
 */
export function sqliteOutbox(db: Database.Database): Synchronous<OutboxStore> {
  const insert = db.prepare<[Record<string, string | number | null>]>(
    `INSERT INTO webhook_outbox (id, endpoint, order_key, event_type, payload, created_at, due_at)
    VALUES (@id, @endpoint, @order_key, @event_type, @payload, @created_at, @created_at)`,
  );
  const claim = db.prepare<[{ now: number; lease_until: number; limit: number; claim: string }], OutboxRow>(
    `UPDATE webhook_outbox SET claim = @claim, due_at = @lease_until, attempts = attempts + 1
    WHERE seq IN (
      SELECT o.seq FROM webhook_outbox o
      WHERE o.due_at <= @now
        AND (o.order_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM webhook_outbox p
          WHERE p.endpoint = o.endpoint AND p.order_key = o.order_key AND p.seq < o.seq))
      ORDER BY o.due_at, o.seq
      LIMIT @limit)
    RETURNING seq, id, endpoint, order_key, event_type, payload, created_at, attempts, claim, last_error`,
  );
  const complete = db.prepare<[string, string]>("DELETE FROM webhook_outbox WHERE id = ? AND claim = ?");
  const retry = db.prepare<[{ id: string; claim: string; due_at: number; error: string }]>(
    `UPDATE webhook_outbox SET claim = NULL, due_at = @due_at, last_error = @error
    WHERE id = @id AND claim = @claim`,
  );
  const count = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM webhook_outbox");
  const enqueueAll = db.transaction((entries: Parameters<OutboxStore["enqueueOutbox"]>[0]) => {
    for (const entry of entries) {
      insert.run({
        id: entry.id,
        endpoint: entry.endpoint,
        order_key: entry.orderKey,
        event_type: entry.eventType,
        payload: entry.payload,
        created_at: entry.createdAt,
      });
    }
  });

  return {
    enqueueOutbox: (entries) => {
      if (entries.length > 0) enqueueAll(entries);
    },
    claimOutbox: (now, leaseUntil, limit, token) =>
      claim
        .all({ now, lease_until: leaseUntil, limit: Math.max(0, limit), claim: token })
        .sort((a, b) => Number(a.seq) - Number(b.seq))
        .map(entryFromRow),
    completeOutbox: (id, token) => complete.run(id, token).changes > 0,
    retryOutbox: (id, token, dueAt, error) => retry.run({ id, claim: token, due_at: dueAt, error }).changes > 0,
    countOutbox: () => count.get()?.n ?? 0,
  };
}
