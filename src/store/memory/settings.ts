/**
 * The in-memory store's server-wide settings and audit log. Settings are kept as JSON text, so that a
 * value read back is a fresh copy and one that JSON cannot carry is lost here as it is in the SQL
 * drivers. Audit ids are positions in the log, 1 first. Each entry is also listed under every shape of
 * filter it matches (its realm, its user, its kind, and their combinations), so that a filtered page
 * is found by a binary search in its list, as the SQL drivers find it in an index. A session's trail
 * has a list of its own (by session key); the other fields of a filter that names a session are
 * checked on its few entries, as the SQL drivers check them on the rows of the session's index.
 *
 * @module
 */

import type { AuditFilter, AuditStore, SettingsStore } from "../../core/store/index.ts";
import type { AuditEntry, AuditKind } from "../../core/types.ts";

const FILTER_FIELDS = ["realm", "userName", "type"] as const;

/** The list of one session's entries. */
const sessionListKey = (sessionKey: string) => `sessionKey=${sessionKey}`;

/** The list a filter reads: the values of the fields it gives, in a fixed order; null for no filter. */
function filterKey(filter: AuditFilter): string | null {
  if (filter.sessionKey !== undefined) return sessionListKey(filter.sessionKey);
  const parts = FILTER_FIELDS.filter((field) => filter[field] !== undefined).map(
    (field) => `${field}=${filter[field]}`,
  );
  return parts.length === 0 ? null : parts.join("\u0000");
}

/** The lists an entry belongs to: one per combination of its fields that are set. */
function entryKeys(entry: AuditEntry): string[] {
  const keys: string[] = [];
  for (let mask = 1; mask < 1 << FILTER_FIELDS.length; mask++) {
    const filter: AuditFilter = {};
    let complete = true;
    FILTER_FIELDS.forEach((field, bit) => {
      if ((mask & (1 << bit)) === 0) return;
      const value = entry[field];
      if (value === null) complete = false;
      else Object.assign(filter, { [field]: value });
    });
    const key = complete ? filterKey(filter) : null;
    if (key !== null) keys.push(key);
  }
  if (entry.sessionKey !== null) keys.push(sessionListKey(entry.sessionKey));
  return keys;
}

/** The index of the first id in an ascending list that is greater than `after`. */
function firstAfter(ids: readonly number[], after: number): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((ids[middle] as number) <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The `SettingsStore` and `AuditStore` parts of a memory store: no settings and an empty log at first. */
export class MemorySettings implements SettingsStore, AuditStore {
  private readonly settings = new Map<string, string>();
  private readonly audit: AuditEntry[] = [];
  /** The ids of the entries each filter matches, ascending. */
  private readonly auditLists = new Map<string, number[]>();

  async getSetting(name: string): Promise<unknown> {
    const json = this.settings.get(name);
    return json === undefined ? null : JSON.parse(json);
  }

  async putSetting(name: string, value: unknown): Promise<void> {
    this.settings.set(name, JSON.stringify(value) ?? "null");
  }

  async putSettingIfAbsent(name: string, value: unknown): Promise<unknown> {
    if (!this.settings.has(name)) this.settings.set(name, JSON.stringify(value) ?? "null");
    return JSON.parse(this.settings.get(name) as string);
  }

  async replaceSettingIf(name: string, expected: unknown, value: unknown): Promise<boolean> {
    const held = this.settings.get(name);
    if (held === undefined || held !== (JSON.stringify(expected) ?? "null")) return false;
    this.settings.set(name, JSON.stringify(value) ?? "null");
    return true;
  }

  async deleteSetting(name: string): Promise<boolean> {
    return this.settings.delete(name);
  }

  async listSettingNames(): Promise<string[]> {
    return [...this.settings.keys()].sort();
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    const id = this.audit.length + 1;
    const stored = { ...entry, id };
    this.audit.push(stored);
    for (const key of entryKeys(stored)) {
      const list = this.auditLists.get(key);
      if (list) list.push(id);
      else this.auditLists.set(key, [id]);
    }
  }

  /** Entries in the audit log, for the store's estimate of its size. */
  get auditEntries(): number {
    return this.audit.length;
  }

  async listAudit(after: number | null, limit: number, filter: AuditFilter = {}): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    const from = after === null ? 0 : Math.max(0, Math.floor(after));
    const key = filterKey(filter);
    if (key === null) return this.audit.slice(from, from + limit).map((entry) => ({ ...entry }));
    const ids = this.auditLists.get(key) ?? [];
    const start = firstAfter(ids, from);
    if (filter.sessionKey === undefined) {
      return ids.slice(start, start + limit).map((id) => ({ ...(this.audit[id - 1] as AuditEntry) }));
    }
    const found: AuditEntry[] = [];
    for (let i = start; i < ids.length && found.length < limit; i++) {
      const entry = this.audit[(ids[i] as number) - 1] as AuditEntry;
      if (FILTER_FIELDS.every((field) => filter[field] === undefined || filter[field] === entry[field])) {
        found.push({ ...entry });
      }
    }
    return found;
  }

  async countAudit<K extends AuditKind>(kinds: readonly K[], since: number): Promise<Record<K, number>> {
    const counts = {} as Record<K, number>;
    for (const kind of kinds) {
      const ids = this.auditLists.get(filterKey({ type: kind }) as string) ?? [];
      counts[kind] = ids.filter((id) => (this.audit[id - 1] as AuditEntry).at >= since).length;
    }
    return counts;
  }
}
