/**
 * The sweep on PostgreSQL: `takeExpiredSessions`, one statement that any number of nodes may run at once.
 *
 * `DELETE ... WHERE number IN (SELECT ... ORDER BY deadline_at LIMIT n FOR UPDATE SKIP LOCKED)`:
 *
 * - **The deadline index** (`deadline_at`, generated, `schema.ts`) finds what is due: the inner SELECT
 *   is a range scan `deadline_at <= now` in deadline order, so its cost grows with what expired (or lies
 *   within its grace), not with what exists.
 * - **The grace** moves the idle deadline by `idleGraceMs` (`src/core/session.ts`), computed per row
 *   from `idleGraceTerms` as `GREATEST(floor, LEAST(cap, idle_timeout_ms / divisor)) + extra` in bigint
 *   arithmetic, whose division truncates like the core's `Math.trunc`: the same milliseconds exactly.
 *   Without a grace every term is 0 (and the divisor 1). The absolute deadline has no grace.
 * - **`FOR UPDATE SKIP LOCKED`** lets concurrent sweepers pass over rows another has locked instead of
 *   waiting for them, and each row is deleted by the one sweeper that locked it: each session goes to
 *   exactly one caller. A row whose activity was written meanwhile is re-checked when it is locked, and
 *   left alone if it is no longer due.
 *
 * @module
 */

import { idleGraceTerms } from "../../core/session.ts";
import type { SessionStore } from "../../core/store/index.ts";
import type { StoreContext } from "./context.ts";
import { type SessionRow, sessionsByNumber } from "./rows.ts";

export type ExpiryPart = Pick<SessionStore, "takeExpiredSessions">;

/** The grace terms that make the grace 0. */
const NO_GRACE = { floorMs: 0, capMs: 0, divisor: 1, extraMs: 0 };

export function createExpiryPart(context: StoreContext): ExpiryPart {
  const { run, sessionColumns: columns } = context;
  return {
    takeExpiredSessions: (now, limit, grace) =>
      run(async (sql) => {
        const terms = grace ? idleGraceTerms(grace) : NO_GRACE;
        // Deadlines are whole milliseconds: "deadline <= now" holds exactly when "deadline <= floor(now)".
        const at = Math.floor(now);
        const rows = await sql<SessionRow[]>`
          DELETE FROM sessions WHERE number IN (
            SELECT number FROM sessions
            WHERE deadline_at <= ${at}::bigint
              AND (expires_at <= ${at}::bigint
                OR last_active_at + idle_timeout_ms
                  + GREATEST(${terms.floorMs}::bigint, LEAST(${terms.capMs}::bigint, idle_timeout_ms / ${terms.divisor}::bigint))
                  + ${terms.extraMs}::bigint <= ${at}::bigint)
            ORDER BY deadline_at
            LIMIT ${Math.max(0, Math.floor(limit))}
            FOR UPDATE SKIP LOCKED
          )
          RETURNING ${columns}`;
        return sessionsByNumber(rows);
      }),
  };
}
