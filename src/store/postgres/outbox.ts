/**
 * The webhook outbox on PostgreSQL (`OutboxStore`), over the `webhook_outbox` table of schema
 * version 6 (`schema.ts`).
 *
 * A claim is one statement: the due entries are chosen `FOR UPDATE SKIP LOCKED`, so that two nodes
 * claiming at once never wait for each other and never take the same entry, and their `due_at` moves
 * to the end of the lease in the same statement. A node whose snapshot still showed an entry as due
 * after another node's claim committed finds, on locking it, its new `due_at` and leaves it.
 *
 * `seq` (a `bigserial`) orders entries within a key. Two nodes writing entries of one key at the same
 * moment are ordered by when they drew `seq`, not by when they committed; an entry of a session is
 * almost always written by the node that served that session's request.
 *
 * @module
 */

import type { OutboxStore } from "../../core/store/index.ts";
import { entryFromRow, type OutboxRow } from "../outbox-rows.ts";
import type { StoreContext } from "./context.ts";

export function createOutboxPart(context: StoreContext): OutboxStore {
  const { run } = context;
  return {
    enqueueOutbox: (entries) =>
      run(async (sql) => {
        if (entries.length === 0) return;
        // One statement for all: unnest keeps the given order, which `seq` then records.
        await sql`
          INSERT INTO webhook_outbox (id, endpoint, order_key, event_type, payload, created_at, due_at)
          SELECT id, endpoint, order_key, event_type, payload, created_at, created_at
          FROM unnest(
            ${entries.map((entry) => entry.id)}::text[],
            ${entries.map((entry) => entry.endpoint)}::text[],
            ${entries.map((entry) => entry.orderKey) as string[]}::text[],
            ${entries.map((entry) => entry.eventType)}::text[],
            ${entries.map((entry) => entry.payload)}::text[],
            ${entries.map((entry) => Math.floor(entry.createdAt))}::bigint[]
          ) WITH ORDINALITY AS given(id, endpoint, order_key, event_type, payload, created_at, position)
          ORDER BY position`;
      }),

    claimOutbox: (now, leaseUntil, limit, claim) =>
      run(async (sql) => {
        const rows = await sql<OutboxRow[]>`
          WITH due AS (
            SELECT o.seq FROM webhook_outbox o
            WHERE o.due_at <= ${Math.floor(now)}::bigint
              AND (o.order_key IS NULL OR NOT EXISTS (
                SELECT 1 FROM webhook_outbox p
                WHERE p.endpoint = o.endpoint AND p.order_key = o.order_key AND p.seq < o.seq))
            ORDER BY o.due_at, o.seq
            LIMIT ${Math.max(0, limit)}
            FOR UPDATE SKIP LOCKED
          )
          UPDATE webhook_outbox w
          SET claim = ${claim}, due_at = ${Math.floor(leaseUntil)}::bigint, attempts = w.attempts + 1
          FROM due
          WHERE w.seq = due.seq AND w.due_at <= ${Math.floor(now)}::bigint
          RETURNING w.seq, w.id, w.endpoint, w.order_key, w.event_type, w.payload, w.created_at, w.attempts,
            w.claim, w.last_error`;
        return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(entryFromRow);
      }),

    completeOutbox: (id, claim) =>
      run(async (sql) => (await sql`DELETE FROM webhook_outbox WHERE id = ${id} AND claim = ${claim}`).count > 0),

    retryOutbox: (id, claim, dueAt, error) =>
      run(
        async (sql) =>
          (
            await sql`
              UPDATE webhook_outbox SET claim = NULL, due_at = ${Math.floor(dueAt)}::bigint, last_error = ${error}
              WHERE id = ${id} AND claim = ${claim}`
          ).count > 0,
      ),

    countOutbox: () =>
      run(async (sql) => {
        const [row] = await sql<{ n: string | number }[]>`SELECT count(*) AS n FROM webhook_outbox`;
        return Number(row?.n ?? 0);
      }),
  };
}
