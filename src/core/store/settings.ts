/**
 * The store contract, part four: server-wide settings and the audit log.
 *
 * @module
 */

import type { AuditEntry, AuditKind } from "../types.ts";

export interface SettingsStore {
  /** A small JSON-serialisable server-wide value (service message, host GUID), or null. */
  getSetting(name: string): Promise<unknown>;
  /** Stores a setting, replacing any value it had. */
  putSetting(name: string, value: unknown): Promise<void>;
  /**
   * Stores a setting only when it has none, atomically, and answers the value it holds afterwards:
   * `value` when this call stored it, the earlier one otherwise. Several nodes making a value at once
   * (a key) all end up with the same one.
   */
  putSettingIfAbsent(name: string, value: unknown): Promise<unknown>;
  /**
   * Replaces a setting only while it still holds `expected` (a value as `getSetting` answered it),
   * atomically: false when it has been changed or removed since, and then nothing is written. Of
   * several callers changing one setting from the same value, one succeeds.
   */
  replaceSettingIf(name: string, expected: unknown, value: unknown): Promise<boolean>;
  /** Removes a setting; false when there was none. */
  deleteSetting(name: string): Promise<boolean>;
  /** The names of every setting stored, in name order. */
  listSettingNames(): Promise<string[]>;
}

/** Filter for reading the audit log. Every given field must match exactly. */
export interface AuditFilter {
  realm?: string;
  userName?: string;
  type?: AuditKind;
  /**
   * One session's trail. Its own index (session key, id) serves it whatever else is given: a session's
   * entries are few, so the other fields are checked on them rather than given indexes of their own.
   */
  sessionKey?: string;
}

export interface AuditStore {
  /** Appends an audit entry; the store assigns increasing ids. */
  appendAudit(entry: AuditEntry): Promise<void>;

  /**
   * Audit entries matching the filter with `id > after`, ascending, at most `limit`. Each shape of
   * filter is served by an index ending in `id`, so that a page reads the entries it returns, not the
   * log before them or the entries the filter leaves out.
   */
  listAudit(after: number | null, limit: number, filter?: AuditFilter): Promise<AuditEntry[]>;

  /**
   * How many entries of each of `kinds` the log holds with `at >= since` (epoch ms; inclusive, so an
   * entry written at `since` counts), every kind given answered, 0 when it has none. Served by the
   * index (type, at): it reads the entries it counts, not the log before `since` or other kinds. This
   * is the dashboard's "logins over the last hour", the same on every node of a shared store.
   */
  countAudit<K extends AuditKind>(kinds: readonly K[], since: number): Promise<Record<K, number>>;
}
