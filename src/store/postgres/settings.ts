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

    appendAudit: (entry) =>
      run(async (sql) => {
        await sql`
          INSERT INTO audit (at, type, realm, user_name, session_key, actor, ip_address, protocol, detail)
          VALUES (${entry.at}, ${entry.type}, ${entry.realm}, ${entry.userName}, ${entry.sessionKey}, ${entry.actor},
            ${entry.ipAddress}, ${entry.protocol}, ${entry.detail})`;
      }),

    listAudit: (after, limit) =>
      run(async (sql) => {
        const rows = await sql<AuditRow[]>`
          SELECT * FROM audit WHERE id > ${after === null ? 0 : Math.floor(after)}
          ORDER BY id LIMIT ${Math.max(0, Math.floor(limit))}`;
        return rows.map(auditFromRow);
      }),
  };
}
