/**
 * What every part of the PostgreSQL store shares: the pool, the node it speaks for, the lease it holds,
 * and `run`, the wrapper of every store call.
 *
 * `run` makes sure the schema is migrated before the first statement, and maps every failure to a
 * `SessionError`. Migrating on first use (rather than in the constructor) lets `createStore` stay
 * synchronous; a migration that fails for want of the database is tried again by the next call, so a
 * store created while the database is down works once it is back.
 *
 * @module
 */

import { type Sql, toStoreError } from "./connection.ts";
import { migrate } from "./migrate.ts";

/** The lease this store took for its own node with `registerNode`, if any. */
export interface OwnLease {
  /**
   * The epoch of the last registration of this store's node by this store, kept when the lease runs out
   * or is released: bound inserts then need this very epoch to be live, so a store whose node was
   * taken over by a newer epoch cannot bind sessions to it. Null before any registration.
   */
  epoch: number | null;
}

export interface StoreContext {
  readonly sql: Sql;
  /** The node this store speaks for: `from` in its hints, the node its own lease is for. */
  readonly nodeId: string;
  readonly ownLease: OwnLease;
  /** The stored columns of a session, as a fragment for SELECT and RETURNING lists. */
  readonly sessionColumns: ReturnType<Sql["unsafe"]>;
  /** Runs one store call once the schema is ready; rejects only with a `SessionError`. */
  run<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  /** Resolves once the schema is migrated; rejects with a `SessionError`. */
  ready(): Promise<void>;
}

/** The context of one store over `sql`. */
export function createContext(sql: Sql, nodeId: string, sessionColumns: string): StoreContext {
  let migrated: Promise<void> | null = null;

  const ready = (): Promise<void> => {
    migrated ??= migrate(sql).then(
      () => undefined,
      (error: unknown) => {
        // Tried again by the next call: the database may be back by then.
        migrated = null;
        throw error;
      },
    );
    return migrated;
  };

  return {
    sql,
    nodeId,
    ownLease: { epoch: null },
    sessionColumns: sql.unsafe(sessionColumns),
    ready,
    async run<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
      await ready();
      try {
        return await work(sql);
      } catch (error) {
        throw toStoreError(error);
      }
    },
  };
}
