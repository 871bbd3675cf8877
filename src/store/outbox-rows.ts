/**
 * The `webhook_outbox` row as both SQL drivers read it, and the entry it is. PostgreSQL answers its
 * `bigint` columns as text, SQLite as numbers: both become numbers here.
 *
 * @module
 */

import type { OutboxEntry } from "../core/store/index.ts";

export interface OutboxRow {
  seq: string | number;
  id: string;
  endpoint: string;
  order_key: string | null;
  event_type: string;
  payload: string;
  created_at: string | number;
  attempts: number;
  claim: string;
  last_error: string | null;
}

export function entryFromRow(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    endpoint: row.endpoint,
    orderKey: row.order_key,
    eventType: row.event_type,
    payload: row.payload,
    createdAt: Number(row.created_at),
    attempts: Number(row.attempts),
    lastError: row.last_error,
    claim: row.claim,
  };
}
