/**
 * The store contract, part two: the directory of realms, users and groups.
 *
 * Names are unique within their scope (realms globally, users and groups per realm); so are realm ids
 * and user and group numbers. Records handed out are copies: changing one changes nothing stored.
 *
 * Names are compared as they are written, case and all (`getUser("Alice")` does not find `alice`), and
 * ordered by code point (byte-wise in UTF-8). The name searches (`listUsersByName`, `listGroupsByName`)
 * follow the same rules: a prefix is matched case-sensitively and literally (`%`, `_` and `\` are
 * characters like any other), as a range on the unique (realm, name) index.
 *
 * @module
 */

import type { Group, Realm, User } from "../types.ts";

export interface DirectoryStore {
  /** The realm with this name, or null. */
  getRealm(name: string): Promise<Realm | null>;
  /** The realm with this id (a lowercase GUID), or null. */
  getRealmById(id: string): Promise<Realm | null>;
  /**
   * Realms ordered by name (byte-wise); with `after`, only those whose name sorts after it; at most
   * `limit` (all without one). A page is read through the name's index.
   */
  listRealms(after?: string | null, limit?: number): Promise<Realm[]>;
  /** Inserts or replaces by name. Rejects with `ALREADY_EXISTS` when another realm has the same id. */
  putRealm(realm: Realm): Promise<void>;
  /**
   * Deletes a realm with all its users and groups, as one atomic step. True when the realm existed.
   * Does not touch sessions or tickets: the engine ends the sessions.
   */
  deleteRealm(name: string): Promise<boolean>;

  /** The user of a realm with this name, or null. */
  getUser(realm: string, name: string): Promise<User | null>;
  /** The user of a realm with this number, or null. */
  getUserByNumber(realm: string, number: number): Promise<User | null>;
  /**
   * Users of a realm ordered by number; with `after`, only those numbered above it; at most `limit`
   * (all without one). A page is read through the (realm, number) index.
   */
  listUsers(realm: string, after?: number | null, limit?: number): Promise<User[]>;
  /**
   * Users of a realm whose name starts with `prefix` (all of them for ""), ordered by name; with
   * `after`, only those whose name sorts after it; at most `limit` (all without one). A page is a range
   * of the (realm, name) index, so it reads the users it returns, however large the realm.
   */
  listUsersByName(realm: string, prefix: string, after?: string | null, limit?: number): Promise<User[]>;
  /**
   * Inserts or replaces by (realm, name). Rejects with `ALREADY_EXISTS` when another user of the realm
   * has the same number.
   */
  putUser(user: User): Promise<void>;
  /** True when a user was deleted. Does not touch sessions: the engine ends them. */
  deleteUser(realm: string, name: string): Promise<boolean>;

  /** The group of a realm with this name, or null. */
  getGroup(realm: string, name: string): Promise<Group | null>;
  /** Groups of a realm ordered by number, paged as `listUsers` pages. */
  listGroups(realm: string, after?: number | null, limit?: number): Promise<Group[]>;
  /** Groups of a realm whose name starts with `prefix`, in name order, paged as `listUsersByName` pages. */
  listGroupsByName(realm: string, prefix: string, after?: string | null, limit?: number): Promise<Group[]>;
  /** Inserts or replaces by (realm, name). Rejects with `ALREADY_EXISTS` on a duplicate number. */
  putGroup(group: Group): Promise<void>;
  /** True when a group was deleted. */
  deleteGroup(realm: string, name: string): Promise<boolean>;
}
