/**
 * Realms, users and their privileges as the engine reads them on every call, held for a second.
 *
 * Every authenticated call needs the caller's user and privileges (its own and its groups'); reading
 * them from the store each time would cost more than the call. Changes made through the engine clear
 * this cache at once (`clear`); changes made by another process show within `ttlMs`.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { SessionError } from "./errors.ts";
import { effectivePrivileges, type Privilege } from "./privileges.ts";
import type { DirectoryStore } from "./store/index.ts";
import { DEFAULT_REALM_ID, type Realm, type User } from "./types.ts";

export interface UserWithPrivileges {
  user: User | null;
  privileges: Set<Privilege>;
}

export interface DirectoryCache {
  /** The realm with this name, or null. */
  realm(name: string): Promise<Realm | null>;
  /** The realm with the all-zero id, or the first; `NOT_FOUND` when there is none. */
  defaultRealm(): Promise<Realm>;
  /** A user (null when absent) with the union of its own and its groups' privileges. */
  user(realm: string, name: string): Promise<UserWithPrivileges>;
  /** The privileges a user holds (anonymous ones for null). */
  privilegesOf(user: User | null): Promise<Set<Privilege>>;
  /** Forgets everything: the directory changed. */
  clear(): void;
}

export function createDirectoryCache(store: DirectoryStore, clock: Clock, ttlMs = 1000): DirectoryCache {
  const users = new Map<string, UserWithPrivileges & { at: number }>();
  const realms = new Map<string, { realm: Realm; at: number }>();
  let defaultRealm: { realm: Realm; at: number } | undefined;

  async function privilegesOf(user: User | null): Promise<Set<Privilege>> {
    if (!user) return effectivePrivileges(null, () => []);
    const groups = new Map<string, readonly Privilege[]>();
    for (const name of user.groups) {
      const group = await store.getGroup(user.realm, name);
      groups.set(name, group?.privileges ?? []);
    }
    return effectivePrivileges(user, (name) => groups.get(name) ?? []);
  }

  return {
    async realm(name) {
      const now = clock.now();
      const cached = realms.get(name);
      if (cached && now - cached.at < ttlMs) return cached.realm;
      const realm = await store.getRealm(name);
      // Only realms that exist are held: names of missing ones come from callers (an httpkom
      // `server_id` in a URL), and holding each would let the cache grow without bound.
      if (realm) realms.set(name, { realm, at: now });
      else realms.delete(name);
      return realm;
    },

    async defaultRealm() {
      const now = clock.now();
      if (defaultRealm && now - defaultRealm.at < ttlMs) return defaultRealm.realm;
      const realm = (await store.getRealmById(DEFAULT_REALM_ID)) ?? (await store.listRealms())[0];
      if (!realm) throw new SessionError("NOT_FOUND", "No realm is configured.");
      defaultRealm = { realm, at: now };
      return realm;
    },

    async user(realm, name) {
      const now = clock.now();
      const key = `${realm}\u0000${name}`;
      const cached = users.get(key);
      if (cached && now - cached.at < ttlMs) return cached;
      const user = await store.getUser(realm, name);
      const entry = { user, privileges: await privilegesOf(user), at: now };
      users.set(key, entry);
      return entry;
    },

    privilegesOf,

    clear() {
      users.clear();
      realms.clear();
      defaultRealm = undefined;
    },
  };
}
