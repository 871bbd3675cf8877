/**
 * Node leases on PostgreSQL, and the reaping of dead nodes' sessions: the lease half of `ClusterStore`.
 *
 * A lease is the row of its node in `nodes`: an `epoch` and an `expires_at` on the database's clock
 * (`sessiond_now_ms()`), so every node judges every lease by the same clock; it is live while
 * `expires_at > now`. Each change is one statement, atomic on the row:
 *
 * - **register** inserts the row, or takes it over only when its lease has run out, with a new epoch
 *   from the `node_epochs` sequence. Two nodes registering one id at once both reach the row; the
 *   second re-checks it after the first's write and finds a live lease: it gets null.
 * - **renew** extends the lease only for the same epoch and only while it is live. Otherwise the node
 *   has been fenced (its lease ran out, and perhaps another process took the id): null.
 * - **release** ends the lease now, keeping the row, so that the node's sessions are seen as dead.
 *
 * The store remembers the epoch it registered for its own node (`ownLease`): bound inserts are fenced
 * by that epoch (`session-insert.ts`).
 *
 * **Reaping** (`takeSessionsOfDeadNodes`) deletes bound sessions whose node holds no live lease. The
 * bound nodes are listed with a skip scan of the `binding_node` index (a recursive query that jumps from
 * one node id to the next: as many index probes as there are nodes, however many sessions they bind),
 * the dead ones kept, and their sessions taken with `FOR UPDATE SKIP LOCKED`, so that several nodes may
 * reap at once and each session goes to exactly one of them. No order is asked of the taking, so it is
 * served by the `binding_node` index rather than by walking every session in number order.
 *
 * @module
 */

import type { ClusterStore, NodeLease } from "../../core/store/index.ts";
import type { StoreContext } from "./context.ts";
import { type SessionRow, sessionsByNumber } from "./rows.ts";

export type LeasesPart = Pick<
  ClusterStore,
  "clockNow" | "registerNode" | "renewNode" | "releaseNode" | "takeSessionsOfDeadNodes"
>;

interface NodeRow {
  node_id: string;
  epoch: number;
  expires_at: number;
}

const leaseFromRow = (row: NodeRow): NodeLease => ({
  nodeId: row.node_id,
  epoch: row.epoch,
  expiresAt: row.expires_at,
});

/** Lease lengths are whole milliseconds, and never negative. */
const wholeMs = (ttlMs: number) => Math.max(0, Math.round(ttlMs));

export function createLeasesPart(context: StoreContext): LeasesPart {
  const { run, ownLease, sessionColumns: columns } = context;
  return {
    clockNow: () =>
      run(async (sql) => {
        const [row] = await sql<{ now: number }[]>`SELECT sessiond_now_ms() AS now`;
        return (row as { now: number }).now;
      }),

    registerNode: (nodeId, ttlMs) =>
      run(async (sql) => {
        const [row] = await sql<NodeRow[]>`
          INSERT INTO nodes (node_id, epoch, expires_at)
          VALUES (${nodeId}, nextval('node_epochs'), sessiond_now_ms() + ${wholeMs(ttlMs)}::bigint)
          ON CONFLICT (node_id) DO UPDATE SET epoch = excluded.epoch, expires_at = excluded.expires_at
          WHERE nodes.expires_at <= sessiond_now_ms()
          RETURNING node_id, epoch, expires_at`;
        if (!row) return null;
        if (nodeId === context.nodeId) ownLease.epoch = row.epoch;
        return leaseFromRow(row);
      }),

    renewNode: (nodeId, epoch, ttlMs) =>
      run(async (sql) => {
        const [row] = await sql<NodeRow[]>`
          UPDATE nodes SET expires_at = sessiond_now_ms() + ${wholeMs(ttlMs)}::bigint
          WHERE node_id = ${nodeId} AND epoch = ${epoch} AND expires_at > sessiond_now_ms()
          RETURNING node_id, epoch, expires_at`;
        return row ? leaseFromRow(row) : null;
      }),

    releaseNode: (nodeId, epoch) =>
      run(async (sql) => {
        await sql`
          UPDATE nodes SET expires_at = LEAST(expires_at, sessiond_now_ms())
          WHERE node_id = ${nodeId} AND epoch = ${epoch}`;
      }),

    takeSessionsOfDeadNodes: (limit) =>
      run(async (sql) => {
        const rows = await sql<SessionRow[]>`
          WITH RECURSIVE bound_nodes (node_id) AS (
            SELECT min(binding_node) FROM sessions
            UNION ALL
            SELECT (SELECT min(s.binding_node) FROM sessions s WHERE s.binding_node > b.node_id)
            FROM bound_nodes b WHERE b.node_id IS NOT NULL
          ),
          dead_nodes AS (
            SELECT b.node_id FROM bound_nodes b
            WHERE b.node_id IS NOT NULL
              AND NOT EXISTS (
                SELECT 1 FROM nodes n WHERE n.node_id = b.node_id AND n.expires_at > sessiond_now_ms()
              )
          )
          DELETE FROM sessions WHERE number IN (
            SELECT number FROM sessions
            WHERE binding_node IN (SELECT node_id FROM dead_nodes)
            LIMIT ${Math.max(0, Math.floor(limit))}
            FOR UPDATE SKIP LOCKED
          )
          RETURNING ${columns}`;
        return sessionsByNumber(rows);
      }),
  };
}
