/**
 * What the directory operations share: pages of a listing, and a directory change put in words for
 * its audit entry.
 */

import type { Group, Realm, User } from "../types.ts";
import { invalid } from "../validate.ts";

/** The default size of a listing's page. */
export const DEFAULT_PAGE_LIMIT = 100;

/**
 * A page of at most `limit` records out of `fetched`, which the store was asked for with `limit + 1`:
 * the extra record, when there is one, says that another page follows, without a read that finds none.
 */
export function pageOf<T, C>(
  fetched: T[],
  limit: number,
  cursorOf: (record: T) => C,
): { items: T[]; nextAfter: C | null } {
  const items = fetched.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextAfter: fetched.length > limit && last !== undefined ? cursorOf(last) : null };
}

/** The paging fields of a listing of users or groups, by number or, searched by name, by name. */
export interface DirectoryPageInput {
  after?: number;
  prefix?: string;
  afterName?: string;
}

/**
 * Refuses a page cursor of one order with a request of the other: a listing is in number order
 * (`after`), or, with `prefix` or `afterName`, in name order, since the name index that serves a search
 * holds names in name order (`afterName`).
 */
export function checkedDirectoryPage<T extends DirectoryPageInput>(input: T): T {
  if (input.after !== undefined && (input.prefix !== undefined || input.afterName !== undefined)) {
    throw invalid("after", "pages a listing in number order: with prefix, pass afterName");
  }
  return input;
}

/** Whether a listing goes by name (a search), not by number. */
export const byName = (input: DirectoryPageInput): boolean =>
  input.prefix !== undefined || input.afterName !== undefined;

/**
 * The fields that differ between a record and what it was (every field, when it is new), as
 * `field=value` joined by "; ", or null when nothing changed. A field named in `secret` is reported
 * only as changed: its value, even hashed, never reaches the audit log.
 */
function describeChanges<T extends object>(
  before: T | null,
  after: T,
  fields: readonly (keyof T & string)[],
  secret: Partial<Record<keyof T & string, string>> = {},
): string | null {
  const changes: string[] = [];
  for (const field of fields) {
    const value = JSON.stringify(after[field]);
    if (before !== null && JSON.stringify(before[field]) === value) continue;
    const secretName = secret[field];
    if (secretName === undefined) changes.push(`${field}=${value}`);
    else if (after[field] !== null) changes.push(`${secretName} ${before === null ? "set" : "changed"}`);
    else changes.push(`${secretName} removed`);
  }
  return changes.length === 0 ? null : changes.join("; ");
}

/** Every field of a record but those that name it or never change. */
function fieldsOf<T extends object>(record: T, naming: readonly string[]): (keyof T & string)[] {
  return (Object.keys(record) as (keyof T & string)[]).filter((field) => !naming.includes(field));
}

/** What changed in a user, for the audit log: its password only as "password changed". */
export function userChanges(before: User | null, after: User): string | null {
  return describeChanges(before, after, fieldsOf(after, ["realm", "name", "createdAt"]), { passwordHash: "password" });
}

/** What changed in a realm's settings, for the audit log. */
export function realmChanges(before: Realm | null, after: Realm): string | null {
  return describeChanges(before, after, fieldsOf(after, ["name"]));
}

/** What changed in a group, for the audit log; the entry names the group, since entries name users only. */
export function groupChanges(before: Group | null, after: Group): string | null {
  const changes = describeChanges(before, after, fieldsOf(after, ["realm", "name"]));
  return changes === null ? null : `group ${after.name}: ${changes}`;
}
