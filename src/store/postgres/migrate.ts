/**
 * Bringing a PostgreSQL database to the schema this code reads and writes (`schema.ts`).
 *
 * Several nodes may start at once on an empty database. Each runs the check and the migrations in one
 * transaction that first takes a transaction-level advisory lock, so they run one after another: the
 * first migrates, the others wait, then find the work done. The lock is released with the transaction,
 * so a node that dies mid-migration leaves neither a lock nor half a schema behind (DDL is
 * transactional in PostgreSQL).
 *
 * `schema_version` holds one row per version reached, with when; the database's version is the largest.
 * A database newer than this code is refused rather than misread: an older node must not write rows
 * whose meaning has changed under it.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import { connect, type Sql, toStoreError } from "./connection.ts";
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from "./schema.ts";

/**
 * The advisory lock key the migrations run under: any fixed number, the same in every version of this
 * code. Chosen so as not to look like a small number another program might pick.
 */
export const MIGRATION_LOCK_KEY = 0x5e5510d0;

/** What a migration run found and left. */
export interface MigrationResult {
  /** The version the database had (0: empty). */
  from: number;
  /** The version it has now: `POSTGRES_SCHEMA_VERSION`. */
  to: number;
}

/** Migrates the database behind `sql`; see the module comment. Rejects with a `SessionError`. */
export async function migrate(sql: Sql): Promise<MigrationResult> {
  try {
    return await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
      await tx`CREATE TABLE IF NOT EXISTS schema_version (
        version    integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`;
      const [row] = await tx<{ version: number }[]>`SELECT coalesce(max(version), 0) AS version FROM schema_version`;
      const from = row?.version ?? 0;
      if (from > POSTGRES_SCHEMA_VERSION) {
        throw new SessionError(
          "STORE_UNAVAILABLE",
          `postgres store: the database's schema version ${from} is newer than this server's ${POSTGRES_SCHEMA_VERSION}; upgrade sessiond`,
        );
      }
      for (let version = from; version < POSTGRES_SCHEMA_VERSION; version++) {
        await tx.unsafe(POSTGRES_MIGRATIONS[version] as string);
        await tx`INSERT INTO schema_version (version) VALUES (${version + 1})`;
      }
      return { from, to: POSTGRES_SCHEMA_VERSION };
    });
  } catch (error) {
    throw toStoreError(error);
  }
}

/**
 * Migrates the database at `url` and disconnects: the work of a `sessiond migrate` command, for
 * deployments that migrate before they roll out new nodes. (Stores also migrate when they open.)
 */
export async function migratePostgres(url: string): Promise<MigrationResult> {
  const sql = connect({ url, poolSize: 1, applicationName: "sessiond/migrate", connectTimeoutSeconds: 10 });
  try {
    return await migrate(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
