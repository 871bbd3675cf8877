/**
 * The PostgreSQL store: the system of record when several nodes share one store.
 *
 * The store is assembled from one part per concern, each in its own file with its reasons:
 * `sessions.ts` (records, activity, takes, listings), `capped.ts` (capped writes under a per-user
 * advisory lock), `expiry.ts` (the sweep), `attributes.ts`, `directory.ts`, `tickets.ts`,
 * `settings.ts` (settings and audit), `outbox.ts` (webhook deliveries), `leases.ts` and `hints.ts`
 * (the `ClusterStore`), over `schema.ts` and `migrate.ts`, with `connection.ts` configuring the client and mapping its errors.
 *
 * Through the `postgres` client (porsager): it pipelines statements sent together on one connection,
 * prepares each statement once per connection, and listens again after its listening connection was
 * lost. Connections are opened on demand; a call made while the database is unreachable rejects with
 * `STORE_UNAVAILABLE`, and the next call after it is back connects again: the store recovers without
 * a restart.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import type { Store } from "../../core/store/index.ts";
import { createAttributesPart } from "./attributes.ts";
import { createCappedWritesPart } from "./capped.ts";
import { connect, type Sql, toStoreError } from "./connection.ts";
import { createContext } from "./context.ts";
import { createDirectoryPart } from "./directory.ts";
import { createExpiryPart } from "./expiry.ts";
import { createHintsPart } from "./hints.ts";
import { createLeasesPart } from "./leases.ts";
import { createLoginFailuresPart } from "./login-failures.ts";
import { createOutboxPart } from "./outbox.ts";
import { SESSION_COLUMNS } from "./rows.ts";
import { createSessionRecordsPart } from "./sessions.ts";
import { createSettingsPart } from "./settings.ts";
import { createTicketsPart } from "./tickets.ts";

export { HINT_CHANNEL } from "./hints.ts";
export { MIGRATION_LOCK_KEY, type MigrationResult, migratePostgres } from "./migrate.ts";
export { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION, SESSION_ANNOUNCED_COLUMNS } from "./schema.ts";

export interface PostgresStoreOptions {
  /** Connection URL, `postgres://user:password@host:port/database` (libpq's query options apply). */
  url: string;
  /** Most connections in the pool. @default 10 */
  poolSize?: number;
  /** The node this store speaks for: `from` of its hints, and the node whose lease fences its bindings. */
  nodeId: string;
  /** What the database shows as the connections' `application_name`. @default `sessiond/<nodeId>` */
  applicationName?: string;
  /** How long a connection attempt may take before the call fails, in seconds. @default 10 */
  connectTimeoutSeconds?: number;
  /** Told when a hint subscriber throws. @default rethrows it on its own, so that it is not lost */
  onListenerError?: (error: unknown) => void;
}

/** How long `close` lets running statements finish before it cuts their connections, in seconds. */
const CLOSE_TIMEOUT_SECONDS = 5;

/**
 * A PostgreSQL store, at once: the schema is migrated before its first statement runs (see
 * `openPostgresStore` to wait for that, and to learn at once whether the database is usable).
 * Throws `INVALID_ARGUMENT` when the URL cannot be read.
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  return assemble(options).store;
}

/**
 * A PostgreSQL store whose schema is ready: resolves once the database is reached and migrated, and
 * rejects (closing the pool) with `STORE_UNAVAILABLE` when it cannot be reached or its schema is newer
 * than this code.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const { store, ready } = assemble(options);
  try {
    await ready();
    return store;
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
}

/** The store over a new pool, and the migration its first call would wait for. */
function assemble(options: PostgresStoreOptions): { store: Store; ready: () => Promise<void> } {
  const sql = openPool(options);
  const context = createContext(sql, options.nodeId, SESSION_COLUMNS);
  const hints = createHintsPart(
    context,
    options.onListenerError ??
      ((error) =>
        setImmediate(() => {
          throw error;
        })),
  );
  let closing: Promise<void> | null = null;

  const store: Store = {
    driver: "postgres",
    // Other nodes write the same rows: the engine must not trust what it has cached for long.
    shared: true,
    ...createSessionRecordsPart(context),
    ...createCappedWritesPart(context),
    ...createExpiryPart(context),
    ...createAttributesPart(context),
    ...createDirectoryPart(context),
    ...createTicketsPart(context),
    ...createLoginFailuresPart(context),
    ...createSettingsPart(context),
    ...createOutboxPart(context),
    // The whole database as PostgreSQL counts it: space freed by deletes counts until it is vacuumed.
    databaseBytes: () =>
      context.run(async (sql) => {
        const [row] = await sql<{ bytes: number }[]>`SELECT pg_database_size(current_database()) AS bytes`;
        return row?.bytes ?? 0;
      }),
    cluster: {
      nodeId: options.nodeId,
      ...createLeasesPart(context),
      publish: hints.publish,
      ping: hints.ping,
      subscribe: hints.subscribe,
    },
    close: () => {
      closing ??= (async () => {
        hints.stop();
        try {
          await sql.end({ timeout: CLOSE_TIMEOUT_SECONDS });
        } catch (error) {
          throw toStoreError(error);
        }
      })();
      return closing;
    },
  };
  return { store, ready: context.ready };
}

function openPool(options: PostgresStoreOptions): Sql {
  try {
    return connect({
      url: options.url,
      poolSize: options.poolSize ?? 10,
      applicationName: options.applicationName ?? `sessiond/${options.nodeId}`,
      connectTimeoutSeconds: options.connectTimeoutSeconds ?? 10,
    });
  } catch {
    // No cause: the URL parser's error quotes the URL, password included.
    throw new SessionError("INVALID_ARGUMENT", "The postgres store's url is not a valid connection URL.");
  }
}
