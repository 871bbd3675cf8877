/**
 * Capped writes on PostgreSQL: `insertSessionCapped` and `updateSessionCapped`, each one transaction
 * that holds its user's lock from the count to the write.
 *
 * Counting a user's sessions and then inserting is a race between nodes: each racing login counts the
 * others before any has inserted, and all are let in (60 logins from 3 nodes against a cap of 3 let in
 * 4, 5 or 17). So the transaction first takes `pg_advisory_xact_lock` on a hash of (realm, user), and
 * only then counts: the lock serialises the capped writes of one user on every node, and, in READ
 * COMMITTED, the count (a statement started after the lock was granted) sees every session the previous
 * holder committed. Other users' logins do not wait. The lock goes with the transaction, so a node that
 * dies holding it blocks nobody. Its key is the two-part form, (hash of realm, hash of user): no text
 * joins the two names (PostgreSQL text cannot hold the NUL that would separate them unambiguously), and
 * the two-part keys are a space apart from the one-part key of the migration lock.
 *
 * Then, at the cap, `deny` writes nothing, and `evict-oldest` deletes the oldest of the user's other
 * sessions (by `coalesce(login_at, created_at)`, then `number`) in the same transaction as the write. A
 * write that fails (a duplicate key, a fenced node) rolls the evictions back with it.
 *
 * @module
 */

import type { CappedWrite, SessionCap, SessionStore } from "../../core/store/index.ts";
import type { SessionRecord } from "../../core/types.ts";
import type { Queryable } from "./connection.ts";
import type { StoreContext } from "./context.ts";
import { type SessionRow, sessionFromRow } from "./rows.ts";
import { insertSessionRow } from "./session-insert.ts";
import { updateSessionRow } from "./sessions.ts";

export type CappedWritesPart = Pick<SessionStore, "insertSessionCapped" | "updateSessionCapped">;

/** How many times a capped update re-reads a session whose realm moved while it waited for the lock. */
const REALM_MOVE_RETRIES = 3;

const DENIED: CappedWrite = { session: null, denied: true, evicted: [] };
const ABSENT: CappedWrite = { session: null, denied: false, evicted: [] };

export function createCappedWritesPart(context: StoreContext): CappedWritesPart {
  const { run, sessionColumns: columns } = context;

  /**
   * Takes the lock of a user's sessions, then lists the keys of their sessions other than `key`, oldest
   * first. The two statements are sent together (the client pipelines them); the server runs the count
   * only once the lock is granted.
   */
  async function lockOtherSessions(tx: Queryable, realm: string, userName: string, key: string): Promise<string[]> {
    const [, others] = await Promise.all([
      tx`SELECT pg_advisory_xact_lock(hashtext(${realm}::text), hashtext(${userName}::text))`,
      tx<{ key: string }[]>`
        SELECT key FROM sessions WHERE realm = ${realm} AND user_name = ${userName} AND key <> ${key}
        ORDER BY coalesce(login_at, created_at), number`,
    ]);
    return others.map((row) => row.key);
  }

  /** Deletes the oldest of `others` so that, with the session just written, at most `max` remain. */
  async function evict(tx: Queryable, others: readonly string[], max: number): Promise<SessionRecord[]> {
    const victims = others.slice(0, Math.max(0, others.length + 1 - max));
    if (victims.length === 0) return [];
    const rows = await tx<SessionRow[]>`DELETE FROM sessions WHERE key = ANY(${victims}::text[]) RETURNING ${columns}`;
    const order = new Map(victims.map((key, index) => [key, index]));
    return rows.map(sessionFromRow).sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
  }

  const atCap = (others: readonly string[], cap: SessionCap) => others.length >= cap.max && cap.policy === "deny";

  return {
    insertSessionCapped: (record, cap) =>
      run((sql) =>
        sql.begin(async (tx): Promise<CappedWrite> => {
          const others =
            record.userName === null ? [] : await lockOtherSessions(tx, record.realm, record.userName, record.key);
          if (atCap(others, cap)) return DENIED;
          await insertSessionRow(tx, context, record);
          return { session: record, denied: false, evicted: await evict(tx, others, cap.max) };
        }),
      ),

    updateSessionCapped: (key, patch, cap) =>
      run((sql) =>
        sql.begin(async (tx): Promise<CappedWrite> => {
          const userName = patch.userName ?? null;
          for (let attempt = 0; attempt < REALM_MOVE_RETRIES; attempt++) {
            const realm = patch.realm ?? (await currentRealm(tx, key, false));
            if (realm === null) return ABSENT;
            const others = userName === null ? [] : await lockOtherSessions(tx, realm, userName, key);
            // Without a new realm in the patch, the session's own realm names the user: make sure it did
            // not move while this transaction waited for the lock, and keep it from moving until commit.
            if (patch.realm === undefined) {
              const settled = await currentRealm(tx, key, true);
              if (settled === null) return ABSENT;
              if (settled !== realm) continue;
            }
            if (atCap(others, cap)) return DENIED;
            const session = await updateSessionRow(tx, context, key, patch);
            if (!session) return ABSENT;
            return { session, denied: false, evicted: await evict(tx, others, cap.max) };
          }
          throw new Error("A session kept moving between realms during a capped login.");
        }),
      ),
  };
}

/** The realm of a session, or null when it is gone; `lock` holds its row until the transaction ends. */
async function currentRealm(tx: Queryable, key: string, lock: boolean): Promise<string | null> {
  const [row] = lock
    ? await tx<{ realm: string }[]>`SELECT realm FROM sessions WHERE key = ${key} FOR NO KEY UPDATE`
    : await tx<{ realm: string }[]>`SELECT realm FROM sessions WHERE key = ${key}`;
  return row?.realm ?? null;
}
