/**
 * The in-memory store's directory of realms, users and groups: maps of copies, with a second map per
 * unique number (realm ids, user and group numbers) so that a duplicate is refused as the SQL drivers'
 * unique indexes refuse it.
 *
 * @module
 */

import type { DirectoryStore } from "../../core/store/index.ts";
import type { Group, Realm, User } from "../../core/types.ts";
import { compareCodePoints } from "../prefix-range.ts";
import { alreadyExists } from "./already-exists.ts";

/** One realm's users and groups, by name and by number. */
interface RealmDirectory {
  users: Map<string, User>;
  userNames: Map<number, string>;
  groups: Map<string, Group>;
  groupNames: Map<number, string>;
}

function copyRealm(realm: Realm): Realm {
  return { ...realm, supportedLocales: [...realm.supportedLocales] };
}

function copyUser(user: User): User {
  return { ...user, groups: [...user.groups], privileges: [...user.privileges] };
}

function copyGroup(group: Group): Group {
  return { ...group, privileges: [...group.privileges] };
}

/** The sorted records past the cursor (`isAfter`), at most `limit` of them (all without one). */
function page<T>(sorted: T[], isAfter: (record: T) => boolean, limit: number | undefined): T[] {
  const start = sorted.findIndex(isAfter);
  if (start < 0) return [];
  return sorted.slice(start, limit === undefined ? undefined : start + Math.max(0, limit));
}

/**
 * The records whose name starts with `prefix` (case-sensitively, every character literal), in name
 * order, past the cursor name, at most `limit`. The memory store has no name index: it filters a
 * realm's names, which is what it does for every listing.
 */
function namePage<T extends { name: string }>(
  records: Iterable<T>,
  prefix: string,
  after: string | null | undefined,
  limit: number | undefined,
): T[] {
  const matching = [...records]
    .filter((record) => record.name.startsWith(prefix) && (after == null || compareCodePoints(record.name, after) > 0))
    .sort((a, b) => compareCodePoints(a.name, b.name));
  return limit === undefined ? matching : matching.slice(0, Math.max(0, limit));
}

/** The `DirectoryStore` part of a memory store, empty at first. */
export class MemoryDirectory implements DirectoryStore {
  private readonly realmsByName = new Map<string, Realm>();
  private readonly realmNamesById = new Map<string, string>();
  private readonly directories = new Map<string, RealmDirectory>();

  async getRealm(name: string): Promise<Realm | null> {
    const realm = this.realmsByName.get(name);
    return realm ? copyRealm(realm) : null;
  }

  async getRealmById(id: string): Promise<Realm | null> {
    const name = this.realmNamesById.get(id);
    return name === undefined ? null : this.getRealm(name);
  }

  async listRealms(after?: string | null, limit?: number): Promise<Realm[]> {
    const sorted = [...this.realmsByName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return page(sorted, (realm) => after === undefined || after === null || realm.name > after, limit).map(copyRealm);
  }

  async putRealm(realm: Realm): Promise<void> {
    const holder = this.realmNamesById.get(realm.id);
    if (holder !== undefined && holder !== realm.name) throw alreadyExists("A realm with this id");
    const old = this.realmsByName.get(realm.name);
    if (old && old.id !== realm.id) this.realmNamesById.delete(old.id);
    this.realmsByName.set(realm.name, copyRealm(realm));
    this.realmNamesById.set(realm.id, realm.name);
  }

  async deleteRealm(name: string): Promise<boolean> {
    const realm = this.realmsByName.get(name);
    this.directories.delete(name);
    if (!realm) return false;
    this.realmsByName.delete(name);
    this.realmNamesById.delete(realm.id);
    return true;
  }

  async getUser(realm: string, name: string): Promise<User | null> {
    const user = this.directories.get(realm)?.users.get(name);
    return user ? copyUser(user) : null;
  }

  async getUserByNumber(realm: string, number: number): Promise<User | null> {
    const directory = this.directories.get(realm);
    const name = directory?.userNames.get(number);
    const user = name === undefined ? undefined : directory?.users.get(name);
    return user ? copyUser(user) : null;
  }

  async listUsers(realm: string, after?: number | null, limit?: number): Promise<User[]> {
    const users = [...(this.directories.get(realm)?.users.values() ?? [])].sort((a, b) => a.number - b.number);
    return page(users, (user) => after === undefined || after === null || user.number > after, limit).map(copyUser);
  }

  async listUsersByName(realm: string, prefix: string, after?: string | null, limit?: number): Promise<User[]> {
    return namePage(this.directories.get(realm)?.users.values() ?? [], prefix, after, limit).map(copyUser);
  }

  async putUser(user: User): Promise<void> {
    const directory = this.directory(user.realm);
    const holder = directory.userNames.get(user.number);
    if (holder !== undefined && holder !== user.name) throw alreadyExists("A user with this number");
    const old = directory.users.get(user.name);
    if (old && old.number !== user.number) directory.userNames.delete(old.number);
    directory.users.set(user.name, copyUser(user));
    directory.userNames.set(user.number, user.name);
  }

  async deleteUser(realm: string, name: string): Promise<boolean> {
    const directory = this.directories.get(realm);
    const user = directory?.users.get(name);
    if (!directory || !user) return false;
    directory.users.delete(name);
    directory.userNames.delete(user.number);
    return true;
  }

  async getGroup(realm: string, name: string): Promise<Group | null> {
    const group = this.directories.get(realm)?.groups.get(name);
    return group ? copyGroup(group) : null;
  }

  async listGroups(realm: string, after?: number | null, limit?: number): Promise<Group[]> {
    const groups = [...(this.directories.get(realm)?.groups.values() ?? [])].sort((a, b) => a.number - b.number);
    return page(groups, (group) => after === undefined || after === null || group.number > after, limit).map(copyGroup);
  }

  async listGroupsByName(realm: string, prefix: string, after?: string | null, limit?: number): Promise<Group[]> {
    return namePage(this.directories.get(realm)?.groups.values() ?? [], prefix, after, limit).map(copyGroup);
  }

  async putGroup(group: Group): Promise<void> {
    const directory = this.directory(group.realm);
    const holder = directory.groupNames.get(group.number);
    if (holder !== undefined && holder !== group.name) throw alreadyExists("A group with this number");
    const old = directory.groups.get(group.name);
    if (old && old.number !== group.number) directory.groupNames.delete(old.number);
    directory.groups.set(group.name, copyGroup(group));
    directory.groupNames.set(group.number, group.name);
  }

  async deleteGroup(realm: string, name: string): Promise<boolean> {
    const directory = this.directories.get(realm);
    const group = directory?.groups.get(name);
    if (!directory || !group) return false;
    directory.groups.delete(name);
    directory.groupNames.delete(group.number);
    return true;
  }

  private directory(realm: string): RealmDirectory {
    let directory = this.directories.get(realm);
    if (!directory) {
      directory = { users: new Map(), userNames: new Map(), groups: new Map(), groupNames: new Map() };
      this.directories.set(realm, directory);
    }
    return directory;
  }
}
