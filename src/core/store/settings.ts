/**
 * The store contract, part four: server-wide settings and the audit log.
 *
 * @module
 */

import type { AuditEntry } from "../types.ts";

export interface SettingsStore {
  /** A small JSON-serialisable server-wide value (service message, host GUID), or null. */
  getSetting(name: string): Promise<unknown>;
  /** Stores a setting, replacing any value it had. */
  putSetting(name: string, value: unknown): Promise<void>;
  /** The names of every setting stored, in name order. */
  listSettingNames(): Promise<string[]>;
}

export interface AuditStore {
  /** Appends an audit entry; the store assigns increasing ids. */
  appendAudit(entry: AuditEntry): Promise<void>;

  /** Audit entries with `id > after`, ascending, at most `limit`. */
  listAudit(after: number | null, limit: number): Promise<AuditEntry[]>;
}
