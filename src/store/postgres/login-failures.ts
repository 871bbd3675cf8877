/**
 * Failed-login counts on PostgreSQL (`LoginFailureStore`). Counting is one `INSERT ... ON CONFLICT DO
 * UPDATE` over all keys: PostgreSQL takes each row's lock for its update, so two nodes counting a
 * failure of the same key at once count two.
 *
 * @module
 */

import type { LoginFailureCount, LoginFailureStore } from "../../core/store/index.ts";
import type { StoreContext } from "./context.ts";

interface LoginFailureRow {
  key: string;
  failures: number;
  last_failure_at: number;
}

function countFromRow(row: LoginFailureRow): LoginFailureCount {
  return { key: row.key, failures: Number(row.failures), lastFailureAt: Number(row.last_failure_at) };
}

export function createLoginFailuresPart(context: StoreContext): LoginFailureStore {
  const { run } = context;
  return {
    getLoginFailures: (keys) =>
      run(async (sql) => {
        if (keys.length === 0) return [];
        const rows = await sql<LoginFailureRow[]>`
          SELECT * FROM login_failures WHERE key = ANY(${keys as string[]}::text[])`;
        return rows.map(countFromRow);
      }),

    addLoginFailure: (keys, now, forgetBefore) =>
      run(async (sql) => {
        if (keys.length === 0) return [];
        const rows = await sql<LoginFailureRow[]>`
          INSERT INTO login_failures (key, failures, last_failure_at)
          SELECT DISTINCT given.key, 1, ${Math.floor(now)}::bigint FROM unnest(${keys as string[]}::text[]) AS given(key)
          ON CONFLICT (key) DO UPDATE SET
            failures = CASE WHEN login_failures.last_failure_at >= ${Math.floor(forgetBefore)}::bigint
              THEN login_failures.failures + 1 ELSE 1 END,
            last_failure_at = GREATEST(login_failures.last_failure_at, excluded.last_failure_at)
          RETURNING *`;
        return rows.map(countFromRow);
      }),

    clearLoginFailures: (key) =>
      run(async (sql) => {
        await sql`DELETE FROM login_failures WHERE key = ${key}`;
      }),

    pruneLoginFailures: (before) =>
      run(
        async (sql) =>
          (await sql`DELETE FROM login_failures WHERE last_failure_at < ${Math.floor(before)}::bigint`).count,
      ),
  };
}
