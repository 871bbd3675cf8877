/**
 * Realms, users and groups on PostgreSQL (`DirectoryStore`).
 *
 * Each put is one `INSERT ... ON CONFLICT (name) DO UPDATE`: an upsert by name that a concurrent put of
 * the same name on another node cannot turn into a duplicate. A clash on the other unique key (a realm's
 * id, a user's or group's number) is a unique violation, which the store reports as `ALREADY_EXISTS`.
 * Lists are `text[]` columns. Realm names sort in the "C" collation, byte-wise, whatever the database's
 * locale, as the other drivers sort them. So do user and group names (schema version 7), so that a
 * name search is a range of the (realm, name) index (`prefix-range.ts`) whatever the locale.
 *
 * @module
 */

import type { DirectoryStore } from "../../core/store/index.ts";
import { prefixSuccessor } from "../prefix-range.ts";
import type { StoreContext } from "./context.ts";
import { type GroupRow, groupFromRow, type RealmRow, realmFromRow, type UserRow, userFromRow } from "./rows.ts";

/** A page's LIMIT: null (no limit) when none is given. */
const pageLimit = (limit: number | undefined) => (limit === undefined ? null : Math.max(0, Math.floor(limit)));

/** A cursor below every number when none is given. */
const afterNumber = (after: number | null | undefined) =>
  after === undefined || after === null ? Number.MIN_SAFE_INTEGER : Math.floor(after);

export function createDirectoryPart(context: StoreContext): DirectoryStore {
  const { run } = context;

  /**
   * The rows of a realm whose name starts with `prefix`, past the cursor name, in name order: a range of
   * the (realm, name) index, whose "C" collation orders names by code point as `prefixSuccessor` does.
   */
  const byName = <Row extends object>(
    table: "users" | "groups",
    realm: string,
    prefix: string,
    after: string | null | undefined,
    limit: number | undefined,
  ): Promise<Row[]> =>
    run(async (sql) => {
      const upper = prefix === "" ? null : prefixSuccessor(prefix);
      return await sql<Row[]>`
        SELECT * FROM ${sql(table)} WHERE realm = ${realm} AND name >= ${prefix}
          ${upper === null ? sql`` : sql`AND name < ${upper}`}
          ${after === undefined || after === null ? sql`` : sql`AND name > ${after}`}
        ORDER BY name LIMIT ${pageLimit(limit)}`;
    });

  const first = async <Row, T>(rows: Promise<Row[]>, map: (row: Row) => T): Promise<T | null> => {
    const [row] = await rows;
    return row ? map(row) : null;
  };

  return {
    getRealm: (name) => run((sql) => first(sql<RealmRow[]>`SELECT * FROM realms WHERE name = ${name}`, realmFromRow)),
    getRealmById: (id) => run((sql) => first(sql<RealmRow[]>`SELECT * FROM realms WHERE id = ${id}`, realmFromRow)),
    // LIMIT NULL is no limit; no realm's name is empty, so "" stands for "no cursor".
    listRealms: (after, limit) =>
      run(async (sql) =>
        (
          await sql<RealmRow[]>`
            SELECT * FROM realms WHERE name > ${after ?? ""} ORDER BY name LIMIT ${pageLimit(limit)}`
        ).map(realmFromRow),
      ),
    putRealm: (realm) =>
      run(async (sql) => {
        await sql`
          INSERT INTO realms (name, id, default_locale, supported_locales, idle_timeout_seconds,
            max_idle_timeout_seconds, max_lifetime_seconds, max_sessions_per_user, max_sessions_policy,
            allow_self_registration, lockout_after_failures)
          VALUES (${realm.name}, ${realm.id}, ${realm.defaultLocale}, ${realm.supportedLocales}::text[],
            ${realm.idleTimeoutSeconds}, ${realm.maxIdleTimeoutSeconds}, ${realm.maxLifetimeSeconds},
            ${realm.maxSessionsPerUser}, ${realm.maxSessionsPolicy}, ${realm.allowSelfRegistration},
            ${realm.lockoutAfterFailures})
          ON CONFLICT (name) DO UPDATE SET id = excluded.id, default_locale = excluded.default_locale,
            supported_locales = excluded.supported_locales, idle_timeout_seconds = excluded.idle_timeout_seconds,
            max_idle_timeout_seconds = excluded.max_idle_timeout_seconds,
            max_lifetime_seconds = excluded.max_lifetime_seconds,
            max_sessions_per_user = excluded.max_sessions_per_user,
            max_sessions_policy = excluded.max_sessions_policy,
            allow_self_registration = excluded.allow_self_registration,
            lockout_after_failures = excluded.lockout_after_failures`;
      }),

    deleteRealm: (name) =>
      run((sql) =>
        sql.begin(async (tx) => {
          await tx`DELETE FROM users WHERE realm = ${name}`;
          await tx`DELETE FROM groups WHERE realm = ${name}`;
          return (await tx`DELETE FROM realms WHERE name = ${name}`).count > 0;
        }),
      ),

    getUser: (realm, name) =>
      run((sql) => first(sql<UserRow[]>`SELECT * FROM users WHERE realm = ${realm} AND name = ${name}`, userFromRow)),
    getUserByNumber: (realm, number) =>
      run((sql) =>
        Number.isSafeInteger(number)
          ? first(sql<UserRow[]>`SELECT * FROM users WHERE realm = ${realm} AND number = ${number}`, userFromRow)
          : Promise.resolve(null),
      ),
    listUsers: (realm, after, limit) =>
      run(async (sql) =>
        (
          await sql<UserRow[]>`
            SELECT * FROM users WHERE realm = ${realm} AND number > ${afterNumber(after)}
            ORDER BY number LIMIT ${pageLimit(limit)}`
        ).map(userFromRow),
      ),
    listUsersByName: async (realm, prefix, after, limit) =>
      (await byName<UserRow>("users", realm, prefix, after, limit)).map(userFromRow),
    putUser: (user) =>
      run(async (sql) => {
        await sql`
          INSERT INTO users (realm, name, number, full_name, password_hash, groups, privileges, disabled, created_at)
          VALUES (${user.realm}, ${user.name}, ${user.number}, ${user.fullName}, ${user.passwordHash},
            ${user.groups}::text[], ${user.privileges}::text[], ${user.disabled}, ${user.createdAt})
          ON CONFLICT (realm, name) DO UPDATE SET number = excluded.number, full_name = excluded.full_name,
            password_hash = excluded.password_hash, groups = excluded.groups, privileges = excluded.privileges,
            disabled = excluded.disabled, created_at = excluded.created_at`;
      }),
    deleteUser: (realm, name) =>
      run(async (sql) => (await sql`DELETE FROM users WHERE realm = ${realm} AND name = ${name}`).count > 0),

    getGroup: (realm, name) =>
      run((sql) =>
        first(sql<GroupRow[]>`SELECT * FROM groups WHERE realm = ${realm} AND name = ${name}`, groupFromRow),
      ),
    listGroups: (realm, after, limit) =>
      run(async (sql) =>
        (
          await sql<GroupRow[]>`
            SELECT * FROM groups WHERE realm = ${realm} AND number > ${afterNumber(after)}
            ORDER BY number LIMIT ${pageLimit(limit)}`
        ).map(groupFromRow),
      ),
    listGroupsByName: async (realm, prefix, after, limit) =>
      (await byName<GroupRow>("groups", realm, prefix, after, limit)).map(groupFromRow),
    putGroup: (group) =>
      run(async (sql) => {
        await sql`
          INSERT INTO groups (realm, name, number, privileges)
          VALUES (${group.realm}, ${group.name}, ${group.number}, ${group.privileges}::text[])
          ON CONFLICT (realm, name) DO UPDATE SET number = excluded.number, privileges = excluded.privileges`;
      }),
    deleteGroup: (realm, name) =>
      run(async (sql) => (await sql`DELETE FROM groups WHERE realm = ${realm} AND name = ${name}`).count > 0),
  };
}
