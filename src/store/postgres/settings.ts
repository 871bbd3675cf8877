/**
 * Server-wide settings and the audit log on PostgreSQL (`SettingsStore`, `AuditStore`).
 *
 * Settings are `jsonb`, sent as JSON text and cast by the database (so that a top-level string or null
 * is stored as JSON, not as SQL NULL). Audit ids come from a `bigserial`: increasing in the order rows
 * are appended, across nodes.
 *
 * @module
 */

import type { AuditStore, SettingsStore } from "../../core/store/index.ts";
import type { AuditKind } from "../../core/types.ts";
import type { StoreContext } from "./context.ts";
import { type AuditRow, auditFromRow } from "./rows.ts";

export function createSettingsPart(context: StoreContext): SettingsStore & AuditStore {
  const { run } = context;
  return {
    getSetting: (name) =>
      run(async (sql) => {
        const [row] = await sql<{ value: unknown }[]>`SELECT value FROM settings WHERE name = ${name}`;
        return row ? row.value : null;
      }),

    listSettingNames: () =>
      run(async (sql) => {
        const rows = await sql<{ name: string }[]>`SELECT name FROM settings ORDER BY name COLLATE "C"`;
        return rows.map((row) => row.name);
      }),

    putSetting: (name, value) =>
      run(async (sql) => {
        await sql`
          INSERT INTO settings (name, value) VALUES (${name}, ${JSON.stringify(value ?? null)}::text::jsonb)
          ON CONFLICT (name) DO UPDATE SET value = excluded.value`;
      }),

    // jsonb equality compares values, not their text.
    replaceSettingIf: (name, expected, value) =>
      run(
        async (sql) =>
          (
            await sql`
              UPDATE settings SET value = ${JSON.stringify(value ?? null)}::text::jsonb
              WHERE name = ${name} AND value = ${JSON.stringify(expected ?? null)}::text::jsonb`
          ).count > 0,
      ),

    deleteSetting: (name) => run(async (sql) => (await sql`DELETE FROM settings WHERE name = ${name}`).count > 0),

    putSettingIfAbsent: (name, value) =>
      run(async (sql) => {
        // The no-op update makes RETURNING answer the row that won, whether this call inserted it or not.
        const [row] = await sql<{ value: unknown }[]>`
          INSERT INTO settings (name, value) VALUES (${name}, ${JSON.stringify(value ?? null)}::text::jsonb)
          ON CONFLICT (name) DO UPDATE SET value = settings.value
          RETURNING value`;
        return row ? row.value : null;
      }),

    appendAudit: (entry) =>
      run(async (sql) => {
        await sql`
          INSERT INTO audit (at, type, realm, user_name, session_key, actor, ip_address, protocol, detail)
          VALUES (${entry.at}, ${entry.type}, ${entry.realm}, ${entry.userName}, ${entry.sessionKey}, ${entry.actor},
            ${entry.ipAddress}, ${entry.protocol}, ${entry.detail})`;
      }),

    listAudit: (after, limit, filter = {}) =>
      run(async (sql) => {
        // The fields given pick the statement, and so its index (one per filter shape, ending in id;
        // a session key's index serves any filter that names one).
        const rows = await sql<AuditRow[]>`
          SELECT * FROM audit WHERE id > ${after === null ? 0 : Math.floor(after)}
            ${filter.sessionKey === undefined ? sql`` : sql`AND session_key = ${filter.sessionKey}`}
            ${filter.realm === undefined ? sql`` : sql`AND realm = ${filter.realm}`}
            ${filter.userName === undefined ? sql`` : sql`AND user_name = ${filter.userName}`}
            ${filter.type === undefined ? sql`` : sql`AND type = ${filter.type}`}
          ORDER BY id LIMIT ${Math.max(0, Math.floor(limit))}`;
        return rows.map(auditFromRow);
      }),

    countAudit: <K extends AuditKind>(kinds: readonly K[], since: number) =>
      run(async (sql) => {
        const counts = Object.fromEntries(kinds.map((kind) => [kind, 0])) as Record<K, number>;
        if (kinds.length === 0) return counts;
        // One scan of the (type, at) index per kind, from `since` on.
        const rows = await sql<{ type: K; n: string }[]>`
          SELECT type, count(*) AS n FROM audit
          WHERE type = ANY(${[...kinds]}::text[]) AND at >= ${Math.floor(since)}
          GROUP BY type`;
        for (const row of rows) counts[row.type] = Number(row.n);
        return counts;
      }),
  };
}
