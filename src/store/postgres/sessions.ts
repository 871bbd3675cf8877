/**
 * The PostgreSQL store's sessions: numbers, inserts, lookups, updates, activity, takes and listings
 * (the part of `SessionStore` that is neither capped writes, nor the sweep, nor attributes).
 *
 * Each method is one statement, so each is atomic without a transaction:
 *
 * - **Takes are `DELETE ... RETURNING`.** Of several callers, on any node, the one whose DELETE removes
 *   the row gets it; the others' DELETEs find nothing. Attributes go with the row (`ON DELETE CASCADE`).
 * - **`updateSession` is one statement for every patch**: a flag per field says whether it was given,
 *   so the client prepares it once, and a patch of an absent session updates nothing (never inserts).
 * - **`applyActivity` is one `UPDATE ... FROM unnest(...)`** for the whole batch. Deltas of one session
 *   are merged here first: an UPDATE changes a row once, even when several source rows match it. Keys
 *   are sent sorted, so that two nodes' overlapping batches (joined key by key through the key index)
 *   lock their rows in the same order rather than deadlock each other.
 * - **Listings use one statement per filter shape**, each served by an index ending in `number`
 *   (`schema.ts`); "field = $x OR $x IS NULL" would scan every session.
 * - **Bindings by prefix are a range** on the byte-ordered binding index, checked with `starts_with`.
 *
 * @module
 */

import type { SessionFilter, SessionPage, SessionPatch, SessionStore } from "../../core/store/index.ts";
import type { ActivityDelta, SessionRecord } from "../../core/types.ts";
import { prefixSuccessor } from "../prefix-range.ts";
import type { Queryable, Sql } from "./connection.ts";
import type { StoreContext } from "./context.ts";
import { type SessionRow, sessionFromRow, sessionsByNumber } from "./rows.ts";
import { insertSessionRow } from "./session-insert.ts";

/** Stands in for "no cursor": below every session number. */
const BEFORE_ALL = Number.MIN_SAFE_INTEGER;

export type SessionRecordsPart = Pick<
  SessionStore,
  | "nextSessionNumber"
  | "reserveSessionNumbers"
  | "insertSession"
  | "getSessionByDigest"
  | "getSessionByKey"
  | "getSessionByNumber"
  | "getSessionsByKeys"
  | "updateSession"
  | "applyActivity"
  | "takeSession"
  | "takeSessionsByBinding"
  | "listSessions"
  | "countSessions"
  | "countAnonymousSessions"
>;

export function createSessionRecordsPart(context: StoreContext): SessionRecordsPart {
  const { run, sessionColumns: columns } = context;

  const oneSession = async (rows: Promise<SessionRow[]>) => {
    const [row] = await rows;
    return row ? sessionFromRow(row) : null;
  };

  return {
    nextSessionNumber: () =>
      run(async (sql) => {
        const [row] = await sql<{ number: number }[]>`SELECT nextval('session_numbers') AS number`;
        return (row as { number: number }).number;
      }),

    // setval to the larger of the sequence's last value and `atLeast`: it never moves back.
    reserveSessionNumbers: (atLeast) =>
      run(async (sql) => {
        await sql`
          SELECT setval('session_numbers', GREATEST(${Math.floor(atLeast)}::bigint,
            (SELECT last_value FROM session_numbers)))`;
      }),

    insertSession: (record) => run((sql) => insertSessionRow(sql, context, record)),

    getSessionByDigest: (digest) =>
      run((sql) => oneSession(sql<SessionRow[]>`SELECT ${columns} FROM sessions WHERE secret_digest = ${digest}`)),
    getSessionByKey: (key) =>
      run((sql) => oneSession(sql<SessionRow[]>`SELECT ${columns} FROM sessions WHERE key = ${key}`)),
    getSessionsByKeys: (keys) =>
      run(async (sql) => {
        if (keys.length === 0) return [];
        const rows = await sql<SessionRow[]>`SELECT ${columns} FROM sessions WHERE key = ANY(${[...keys]}::text[])`;
        return rows.map(sessionFromRow);
      }),
    getSessionByNumber: (number) =>
      run((sql) =>
        Number.isSafeInteger(number)
          ? oneSession(sql<SessionRow[]>`SELECT ${columns} FROM sessions WHERE number = ${number}`)
          : Promise.resolve(null),
      ),

    updateSession: (key, patch) => run((sql) => updateSessionRow(sql, context, key, patch)),

    applyActivity: (deltas) =>
      run(async (sql) => {
        if (deltas.length === 0) return;
        const merged = mergeDeltas(deltas);
        await sql`
          UPDATE sessions SET
            last_active_at = GREATEST(sessions.last_active_at, d.last_active_at),
            call_count     = sessions.call_count + d.calls,
            user_active_at = coalesce(d.user_active_at, sessions.user_active_at)
          FROM unnest(
            ${merged.map((d) => d.key)}::text[],
            ${merged.map((d) => d.lastActiveAt)}::bigint[],
            ${merged.map((d) => d.calls)}::bigint[],
            ${merged.map((d) => d.userActiveAt)}::bigint[]
          ) AS d (key, last_active_at, calls, user_active_at)
          WHERE sessions.key = d.key`;
      }),

    takeSession: (key) =>
      run((sql) => oneSession(sql<SessionRow[]>`DELETE FROM sessions WHERE key = ${key} RETURNING ${columns}`)),

    takeSessionsByBinding: (prefix) =>
      run(async (sql) => {
        const upper = prefix === "" ? null : prefixSuccessor(prefix);
        const rows = await sql<SessionRow[]>`
          DELETE FROM sessions
          WHERE binding >= ${prefix} ${upper === null ? sql`` : sql`AND binding < ${upper}`}
            AND starts_with(binding, ${prefix})
          RETURNING ${columns}`;
        return sessionsByNumber(rows);
      }),

    listSessions: (filter, after, limit) =>
      run(async (sql): Promise<SessionPage> => {
        const take = Math.max(0, Math.floor(limit));
        const rows = await sql<SessionRow[]>`
          SELECT ${columns} FROM sessions
          WHERE number > ${after === null ? BEFORE_ALL : Math.floor(after)} ${filterConditions(sql, filter)}
          ORDER BY number LIMIT ${take + 1}`;
        const sessions = rows.slice(0, take).map(sessionFromRow);
        const last = sessions[sessions.length - 1];
        return { sessions, nextAfter: rows.length > take && last ? last.number : null };
      }),

    countSessions: (filter) =>
      run(async (sql) => {
        const [row] = await sql<{ n: number }[]>`
          SELECT count(*) AS n FROM sessions WHERE true ${filterConditions(sql, filter)}`;
        return row?.n ?? 0;
      }),

    // The partial index on the address of anonymous sessions finds them; the deadline is checked on each.
    countAnonymousSessions: (address, now) =>
      run(async (sql) => {
        const [row] = await sql<{ n: number }[]>`
          SELECT count(*) AS n FROM sessions
          WHERE user_name IS NULL AND client->>'ipAddress' = ${address}
            AND (deadline_at IS NULL OR deadline_at > ${now})`;
        return row?.n ?? 0;
      }),
  };
}

/** `AND` conditions for the fields a filter gives: their presence picks the statement, and its index. */
function filterConditions(sql: Sql, filter: SessionFilter) {
  return sql`
    ${filter.realm === undefined ? sql`` : sql`AND realm = ${filter.realm}`}
    ${filter.userName === undefined ? sql`` : sql`AND user_name = ${filter.userName}`}
    ${filter.protocol === undefined ? sql`` : sql`AND protocol = ${filter.protocol}`}`;
}

/**
 * Applies a patch in one statement and returns the updated record, or null when the session is gone.
 * Exported for the capped update, which runs it inside its transaction.
 */
export async function updateSessionRow(
  q: Queryable,
  context: StoreContext,
  key: string,
  patch: SessionPatch,
): Promise<SessionRecord | null> {
  const given = (field: keyof SessionPatch) => patch[field] !== undefined;
  const [row] = await q<SessionRow[]>`
    UPDATE sessions SET
      user_name       = CASE WHEN ${given("userName")}::boolean THEN ${patch.userName ?? null}::text ELSE user_name END,
      impersonated_by = CASE WHEN ${given("impersonatedBy")}::boolean THEN ${patch.impersonatedBy ?? null}::text
                        ELSE impersonated_by END,
      login_at        = CASE WHEN ${given("loginAt")}::boolean THEN ${patch.loginAt ?? null}::bigint ELSE login_at END,
      locale          = CASE WHEN ${given("locale")}::boolean THEN ${patch.locale ?? null}::text ELSE locale END,
      message_locale  = CASE WHEN ${given("messageLocale")}::boolean THEN ${patch.messageLocale ?? null}::text
                        ELSE message_locale END,
      expires_at      = CASE WHEN ${given("expiresAt")}::boolean THEN ${patch.expiresAt ?? null}::bigint ELSE expires_at END,
      realm           = CASE WHEN ${given("realm")}::boolean THEN ${patch.realm ?? null}::text ELSE realm END,
      idle_timeout_ms = CASE WHEN ${given("idleTimeoutMs")}::boolean THEN ${patch.idleTimeoutMs ?? null}::bigint
                        ELSE idle_timeout_ms END,
      secret_digest   = CASE WHEN ${given("secretDigest")}::boolean THEN ${patch.secretDigest ?? null}::text
                        ELSE secret_digest END
    WHERE key = ${key}
    RETURNING ${context.sessionColumns}`;
  return row ? sessionFromRow(row) : null;
}

/**
 * One delta per session, in key order: the latest `lastActiveAt`, the sum of the calls, and the last
 * `userActiveAt` given (what applying the deltas one after another would leave).
 */
function mergeDeltas(deltas: readonly ActivityDelta[]): ActivityDelta[] {
  const byKey = new Map<string, ActivityDelta>();
  for (const delta of deltas) {
    const seen = byKey.get(delta.key);
    byKey.set(
      delta.key,
      seen
        ? {
            key: delta.key,
            lastActiveAt: Math.max(seen.lastActiveAt, delta.lastActiveAt),
            calls: seen.calls + delta.calls,
            userActiveAt: delta.userActiveAt ?? seen.userActiveAt,
          }
        : { ...delta },
    );
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
