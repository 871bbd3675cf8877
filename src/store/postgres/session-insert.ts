/**
 * Inserting a session row, fenced by its node's lease: the one INSERT behind `insertSession` and
 * `insertSessionCapped`.
 *
 * A session bound to a node (`server:<node>/`, `connection:<node>/<id>`) lives only as long as that
 * node: once the node's lease runs out, any node's reaper takes its bound sessions
 * (`takeSessionsOfDeadNodes`). A node that lost its lease without noticing (paused, cut off) must not
 * bind new sessions that nobody would end. So the insert is `INSERT ... SELECT ... WHERE EXISTS (a live
 * lease of the binding's node)`, judged by the database's clock in the same statement as the write:
 * there is no moment between check and write in which the lease could run out unseen. When this store
 * registered its own node, the lease must also be of that very epoch, so that a process whose node id
 * was taken over by a newer process cannot bind sessions in the newcomer's name.
 *
 * @module
 */

import { bindingToText } from "../../core/binding.ts";
import { SessionError } from "../../core/errors.ts";
import type { SessionRecord } from "../../core/types.ts";
import type { Queryable } from "./connection.ts";
import type { StoreContext } from "./context.ts";

/** The rejection of a bound insert whose node holds no live lease. */
export function fencedError(): SessionError {
  return new SessionError("STORE_UNAVAILABLE", "This node's lease has run out: it may not bind sessions.", {
    details: { reason: "fenced" },
  });
}

/**
 * Inserts `record`, or rejects: `ALREADY_EXISTS` (through the caller's error mapping) when its key,
 * number or digest is taken, `fencedError()` when it is bound to a node without a live lease.
 */
export async function insertSessionRow(q: Queryable, context: StoreContext, record: SessionRecord): Promise<void> {
  const node = record.binding?.node ?? null;
  const epoch = node !== null && node === context.nodeId ? context.ownLease.epoch : null;
  const inserted = await q`
    INSERT INTO sessions (${context.sessionColumns})
    SELECT ${record.number}::bigint, ${record.key}::text, ${record.secretDigest}::text, ${record.realm}::text,
      ${record.userName}::text, ${record.impersonatedBy}::text, ${record.protocol}::text, ${record.createdAt}::bigint,
      ${record.loginAt}::bigint, ${record.lastActiveAt}::bigint, ${record.userActiveAt}::bigint,
      ${record.callCount}::bigint, ${record.locale}::text, ${record.messageLocale}::text,
      ${JSON.stringify(record.client)}::text::jsonb, ${record.idleTimeoutMs}::bigint,
      ${record.idleTimeoutChosen}::boolean, ${record.expiresAt}::bigint, ${bindingToText(record.binding)}::text
    WHERE ${node}::text IS NULL OR EXISTS (
      SELECT 1 FROM nodes
      WHERE node_id = ${node}::text AND expires_at > sessiond_now_ms()
        AND (${epoch}::bigint IS NULL OR epoch = ${epoch}::bigint)
    )
    RETURNING number`;
  if (inserted.length === 0) throw fencedError();
}
