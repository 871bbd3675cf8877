/**
 * The in-memory store's server-wide settings and audit log. Settings are kept as JSON text, so that a
 * value read back is a fresh copy and one that JSON cannot carry is lost here as it is in the SQL
 * drivers. Audit ids are positions in the log, 1 first.
 *
 * @module
 */

import type { AuditStore, SettingsStore } from "../../core/store/index.ts";
import type { AuditEntry } from "../../core/types.ts";

/** The `SettingsStore` and `AuditStore` parts of a memory store: no settings and an empty log at first. */
export class MemorySettings implements SettingsStore, AuditStore {
  private readonly settings = new Map<string, string>();
  private readonly audit: AuditEntry[] = [];

  async getSetting(name: string): Promise<unknown> {
    const json = this.settings.get(name);
    return json === undefined ? null : JSON.parse(json);
  }

  async putSetting(name: string, value: unknown): Promise<void> {
    this.settings.set(name, JSON.stringify(value) ?? "null");
  }

  async listSettingNames(): Promise<string[]> {
    return [...this.settings.keys()].sort();
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.audit.push({ ...entry, id: this.audit.length + 1 });
  }

  async listAudit(after: number | null, limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    const start = after === null ? 0 : Math.max(0, Math.floor(after));
    return this.audit.slice(start, start + limit).map((entry) => ({ ...entry }));
  }
}
