/**
 * The PostgreSQL store's connection: the `postgres` client (porsager) as this driver configures it, and
 * the one place backend failures become `SessionError`s.
 *
 * Why these settings:
 *
 * - **`int8` parsed as a JavaScript number.** Every epoch-ms column, session number, count and audit id
 *   is `bigint`; the client hands `int8` back as a string by default (it may exceed 2^53). Ours never do
 *   (epoch ms stay below 2^53 for another 285,000 years), and the contract speaks numbers.
 * - **A capped reconnect backoff.** After a failed connect the client waits longer each time, up to 20 s
 *   by default; a store that must "recover by itself once the database is back" should not sleep 20 s
 *   after the database is back. We wait at most 2 s.
 * - **A connect timeout of 10 s** (the client's default is 30 s): a call fails with `STORE_UNAVAILABLE`
 *   while the engine still has time to answer its client.
 * - **`application_name`** names the store (`sessiond/<node>`), so that operators see which node holds
 *   which connection, and tests find this store's listening connection.
 * - **`idle_in_transaction_session_timeout` of 10 s.** Store transactions last milliseconds, but hold
 *   locks others wait for (a user's cap lock, a session's row). A node cut off in the middle of one
 *   would leave its connection open on the server, locks held, until TCP gives up (hours); the server
 *   ends such a transaction after 10 s instead, and the waiting nodes go on.
 * - **Notices dropped.** The client prints server notices to the console by default (e.g. "relation
 *   already exists, skipping"); a server's log is not the place for them.
 * - **`undefined` sent as NULL**, as an absent optional field of a record means "none".
 *
 * Errors: a unique violation (SQLSTATE 23505) becomes `ALREADY_EXISTS`; text PostgreSQL cannot hold
 * (a NUL character, 22021/22P05) becomes `INVALID_ARGUMENT`; anything else (connection refused or lost,
 * a deadlock, a timeout) becomes `STORE_UNAVAILABLE` with the backend error as `cause`. Messages are
 * fixed texts: the backend's message may quote SQL, values or the server's address.
 *
 * @module
 */

import postgres from "postgres";
import { isSessionError, SessionError } from "../../core/errors.ts";

/** How the store connects; see `PostgresStoreOptions` for the meaning of each field. */
export interface ConnectionOptions {
  url: string;
  poolSize: number;
  applicationName: string;
  connectTimeoutSeconds: number;
}

/** How long the server lets one of our transactions sit idle before it ends it, in milliseconds. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

/** Longest wait between reconnect attempts, in seconds. */
const MAX_RECONNECT_DELAY_SECONDS = 2;

/** `int8` as a JavaScript number, both ways. */
const BIGINT_AS_NUMBER = {
  to: 20,
  from: [20],
  serialize: (value: number) => String(value),
  parse: (text: string) => Number(text),
};

/** Opens a pool (lazily: the client connects on the first query). */
export function connect(options: ConnectionOptions) {
  return postgres(options.url, {
    max: options.poolSize,
    connect_timeout: options.connectTimeoutSeconds,
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, MAX_RECONNECT_DELAY_SECONDS),
    types: { bigint: BIGINT_AS_NUMBER },
    connection: {
      application_name: options.applicationName,
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    onnotice: () => {},
    transform: { undefined: null },
  });
}

/** The pool as `connect` configures it. */
export type Sql = ReturnType<typeof connect>;

/** A statement runner: the pool, or one transaction of it. */
export type Queryable = postgres.ISql<{ bigint: number }>;

/** SQLSTATE of a unique violation. */
const UNIQUE_VIOLATION = "23505";
/** SQLSTATEs of text the database cannot hold in its encoding (a NUL character, for one). */
const UNSTORABLE_TEXT = new Set(["22021", "22P05"]);

/** Maps any failure of a store call to the `SessionError` the contract promises. */
export function toStoreError(error: unknown): SessionError {
  if (isSessionError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === UNIQUE_VIOLATION) return new SessionError("ALREADY_EXISTS", undefined, { cause: error });
  if (typeof code === "string" && UNSTORABLE_TEXT.has(code)) {
    return new SessionError("INVALID_ARGUMENT", "postgres store: text with a character the database cannot hold", {
      cause: error,
    });
  }
  return new SessionError("STORE_UNAVAILABLE", "postgres store: operation failed", { cause: error });
}
