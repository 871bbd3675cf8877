/**
 * The embedded store: one SQLite file through better-sqlite3.
 *
 * Choices, in the order a reader will wonder about them:
 *
 * - **WAL mode, `synchronous = NORMAL` by default.** In WAL mode a commit is written to the `-wal` file
 *   before the statement returns, so it survives a crash or `kill -9` of this process; only a power
 *   loss or OS crash can lose the last commits (they are fsynced at checkpoints). `durability: "full"`
 *   sets `synchronous = FULL`, which fsyncs every commit as well.
 * - **Synchronous calls behind a Promise API.** better-sqlite3 is synchronous; each method runs its
 *   statements at once and returns a settled Promise. Every statement is prepared once, when the store
 *   opens. A method that runs several statements does so in one transaction, so no other caller (this
 *   process is single-threaded, other processes wait on `busy_timeout`) sees a half-done change.
 * - **The expiry index.** `deadline_at` is a stored generated column, the earlier of `expires_at` and
 *   `last_active_at + idle_timeout_ms` (NULL when neither is set). SQLite recomputes it on every insert
 *   and update, so it can never disagree with the columns it is made of, and `takeExpiredSessions` is a
 *   range scan `deadline_at <= now` on its index: the cost grows with what expires.
 * - **One statement per filter shape.** Listing and counting sessions by realm, user and protocol use a
 *   statement for the fields given, each served by an index ending in `number` (the listing order). A
 *   single statement of the form "field = @x OR @x IS NULL" would read every session, on every capped
 *   login and every plain user's listing.
 * - **Bindings as text** (`bindingToText`), indexed; a prefix is selected as a range
 *   `binding >= prefix AND binding < successor(prefix)` on that index (no LIKE, so `%` and `_` in a node
 *   or connection id are plain characters).
 * - **Session numbers from a counter row**, so they never go back, even after the newest sessions are
 *   deleted and the file is reopened. `number` is also the rowid, which orders listings for free.
 * - **Attributes in their own table** with `ON DELETE CASCADE`, so deleting a session deletes its state.
 *   Each row keeps its UTF-8 size so the byte limit is one `sum()`.
 * - **Name searches as ranges** of the (realm, name) primary key, the same way (`prefix-range.ts`):
 *   `listUsersByName` and `listGroupsByName` read the users they return, and `%` or `_` in a prefix
 *   is a plain character.
 * - **Atomic takes** with `DELETE ... RETURNING` (SQLite 3.35+): one statement reads and deletes.
 * - **Anonymous sessions by address.** A partial index on the client's address (`json_extract` of the
 *   client JSON) of sessions without a user answers how many one address holds, for the engine's cap.
 * - **Files only the owner can read** (`sqlite-files.ts`): the database is created 0600 before SQLite
 *   opens it, so its `-wal` and `-shm` are too.
 * - **Checkpoints off the event loop.** A worker thread copies the write-ahead log back into the file
 *   every second (`sqlite-checkpointer.ts`), instead of SQLite doing it inside a write on the event loop.
 * - **Schema version** in `PRAGMA user_version`; `MIGRATIONS[i]` takes a file from version i to i + 1,
 *   and a file newer than this code is refused rather than misread.
 * - **Errors.** A unique-constraint failure becomes `SessionError("ALREADY_EXISTS")`; any other backend
 *   error becomes `SessionError("STORE_UNAVAILABLE")` with the original as `cause`.
 *
 * @module
 */

import Database from "better-sqlite3";
import { bindingFromText, bindingToText } from "../core/binding.ts";
import { isSessionError, SessionError } from "../core/errors.ts";
import type { Privilege } from "../core/privileges.ts";
import { idleGraceTerms } from "../core/session.ts";
import type {
  AttributeEntry,
  AttributeLimits,
  AuditFilter,
  CappedWrite,
  LoginFailureCount,
  PutAttributeResult,
  SessionCap,
  SessionFilter,
  SessionPage,
  SessionPatch,
  Store,
} from "../core/store/index.ts";
import type {
  ActivityDelta,
  AuditEntry,
  AuditKind,
  Group,
  Protocol,
  Realm,
  SessionCapPolicy,
  SessionRecord,
  TicketKind,
  TicketRecord,
  User,
} from "../core/types.ts";
import { nameSearchStart, prefixSuccessor } from "./prefix-range.ts";
import { BACKSTOP_AUTOCHECKPOINT_PAGES, type Checkpointer, startCheckpointer } from "./sqlite-checkpointer.ts";
import { makeDatabaseFilesPrivate } from "./sqlite-files.ts";
import { SQLITE_OUTBOX_MIGRATION, sqliteOutbox } from "./sqlite-outbox.ts";

export interface SqliteStoreOptions {
  /** File path, or `":memory:"` for a private in-memory database (no WAL then). */
  path: string;
  /** `"normal"` (default) survives a process crash; `"full"` also survives a power loss. */
  durability?: "normal" | "full";
  /**
   * How often a worker thread checkpoints the write-ahead log, in ms, or null to leave it to SQLite,
   * which checkpoints inside a write on the event loop (see `sqlite-checkpointer.ts`). Ignored for
   * `":memory:"`. @default 1000
   */
  checkpointIntervalMs?: number | null;
  /**
   * An open connection to use instead of opening `path`, for a host that wants to run several store
   * calls in one of its own transactions (a bulk import). The store configures and migrates it, and
   * closes it on `close()`.
   */
  database?: Database.Database;
}

/** The schema version this code reads and writes. */
export const SQLITE_SCHEMA_VERSION = 9;

/** `MIGRATIONS[i]` upgrades a file at `user_version` i to i + 1. Index 0 creates the schema. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO counters (name, value) VALUES ('session_number', 0);

  CREATE TABLE sessions (
    number          INTEGER PRIMARY KEY,
    key             TEXT NOT NULL,
    secret_digest   TEXT NOT NULL,
    realm           TEXT NOT NULL,
    user_name       TEXT,
    impersonated_by TEXT,
    protocol        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    login_at        INTEGER,
    last_active_at  INTEGER NOT NULL,
    user_active_at  INTEGER,
    call_count      INTEGER NOT NULL,
    locale          TEXT NOT NULL,
    message_locale  TEXT NOT NULL,
    client          TEXT NOT NULL,
    idle_timeout_ms INTEGER,
    expires_at      INTEGER,
    binding         TEXT,
    deadline_at     INTEGER GENERATED ALWAYS AS (
      CASE
        WHEN expires_at IS NULL THEN last_active_at + idle_timeout_ms
        WHEN idle_timeout_ms IS NULL THEN expires_at
        ELSE min(expires_at, last_active_at + idle_timeout_ms)
      END
    ) STORED
  );
  CREATE UNIQUE INDEX sessions_key ON sessions (key);
  CREATE UNIQUE INDEX sessions_secret_digest ON sessions (secret_digest);
  CREATE INDEX sessions_deadline ON sessions (deadline_at) WHERE deadline_at IS NOT NULL;
  CREATE INDEX sessions_binding ON sessions (binding) WHERE binding IS NOT NULL;
  CREATE INDEX sessions_realm_user ON sessions (realm, user_name);

  CREATE TABLE attributes (
    session_key TEXT NOT NULL REFERENCES sessions (key) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    PRIMARY KEY (session_key, name)
  ) WITHOUT ROWID;

  CREATE TABLE realms (
    name                    TEXT PRIMARY KEY,
    id                      TEXT NOT NULL UNIQUE,
    default_locale          TEXT NOT NULL,
    supported_locales       TEXT NOT NULL,
    idle_timeout_seconds    INTEGER NOT NULL,
    max_lifetime_seconds    INTEGER,
    max_sessions_per_user   INTEGER,
    max_sessions_policy     TEXT NOT NULL,
    allow_self_registration INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE users (
    realm         TEXT NOT NULL,
    name          TEXT NOT NULL,
    number        INTEGER NOT NULL,
    full_name     TEXT NOT NULL,
    password_hash TEXT,
    groups_json   TEXT NOT NULL,
    privileges    TEXT NOT NULL,
    disabled      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (realm, name),
    UNIQUE (realm, number)
  ) WITHOUT ROWID;

  CREATE TABLE groups (
    realm      TEXT NOT NULL,
    name       TEXT NOT NULL,
    number     INTEGER NOT NULL,
    privileges TEXT NOT NULL,
    PRIMARY KEY (realm, name),
    UNIQUE (realm, number)
  ) WITHOUT ROWID;

  CREATE TABLE tickets (
    digest      TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    realm       TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    session_key TEXT,
    expires_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX tickets_expires_at ON tickets (expires_at);

  CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    type        TEXT NOT NULL,
    realm       TEXT,
    user_name   TEXT,
    session_key TEXT,
    actor       TEXT,
    ip_address  TEXT,
    protocol    TEXT,
    detail      TEXT
  );
  `,
  // 1 → 2: the realm's cap on idle timeouts clients choose (no cap for realms from before).
  `
  ALTER TABLE realms ADD COLUMN max_idle_timeout_seconds INTEGER;
  `,
  // 2 → 3: whether a session's idle timeout is its client's choice (sessions from before took their
  // realm's), and an index for each shape of session filter, each ending in the listing order.
  `
  ALTER TABLE sessions ADD COLUMN idle_timeout_chosen INTEGER NOT NULL DEFAULT 0;
  DROP INDEX sessions_realm_user;
  CREATE INDEX sessions_realm ON sessions (realm, number);
  CREATE INDEX sessions_realm_user ON sessions (realm, user_name, number);
  CREATE INDEX sessions_realm_protocol ON sessions (realm, protocol, number);
  CREATE INDEX sessions_user ON sessions (user_name, number);
  CREATE INDEX sessions_protocol ON sessions (protocol, number);
  `,
  // 3 → 4: anonymous sessions by client address, for the cap on what one address may hold.
  `
  CREATE INDEX sessions_anonymous_address ON sessions (json_extract(client, '$.ipAddress')) WHERE user_name IS NULL;
  `,
  // 4 → 5: failed-login counts for the brute-force throttle, and the realm's opt-in lockout.
  `
  CREATE TABLE login_failures (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX login_failures_last ON login_failures (last_failure_at);
  ALTER TABLE realms ADD COLUMN lockout_after_failures INTEGER;
  `,
  // 5 → 6: an index for each shape of audit filter (realm, user, kind), each ending in the listing
  // order, as the session filters have.
  `
  CREATE INDEX audit_realm ON audit (realm, id);
  CREATE INDEX audit_realm_user ON audit (realm, user_name, id);
  CREATE INDEX audit_realm_type ON audit (realm, type, id);
  CREATE INDEX audit_user ON audit (user_name, id);
  CREATE INDEX audit_type ON audit (type, id);
  `,
  // 6 → 7: the two audit filter shapes that name a user and a kind. Without these, a filter of one
  // user's failed logins walked every failed login of everyone (or of the realm) to find theirs.
  `
  CREATE INDEX audit_user_type ON audit (user_name, type, id);
  CREATE INDEX audit_realm_user_type ON audit (realm, user_name, type, id);
  `,
  // 7 → 8: the outbox of webhook deliveries (`sqlite-outbox.ts`).
  SQLITE_OUTBOX_MIGRATION,
  // 8 → 9: the audit log counted by kind since a time (the dashboard's logins over the last hour, the
  // same on every node) and read by session (a session's trail), each from its own index.
  `
  CREATE INDEX audit_type_at ON audit (type, at);
  CREATE INDEX audit_session ON audit (session_key, id) WHERE session_key IS NOT NULL;
  `,
];

// --- Rows as SQLite returns them -------------------------------------------------------------------

interface SessionRow {
  number: number;
  key: string;
  secret_digest: string;
  realm: string;
  user_name: string | null;
  impersonated_by: string | null;
  protocol: string;
  created_at: number;
  login_at: number | null;
  last_active_at: number;
  user_active_at: number | null;
  call_count: number;
  locale: string;
  message_locale: string;
  client: string;
  idle_timeout_ms: number | null;
  idle_timeout_chosen: number;
  expires_at: number | null;
  binding: string | null;
}

interface RealmRow {
  name: string;
  id: string;
  default_locale: string;
  supported_locales: string;
  idle_timeout_seconds: number;
  max_idle_timeout_seconds: number | null;
  max_lifetime_seconds: number | null;
  max_sessions_per_user: number | null;
  max_sessions_policy: string;
  allow_self_registration: number;
  lockout_after_failures: number | null;
}

interface LoginFailureRow {
  key: string;
  failures: number;
  last_failure_at: number;
}

interface UserRow {
  realm: string;
  name: string;
  number: number;
  full_name: string;
  password_hash: string | null;
  groups_json: string;
  privileges: string;
  disabled: number;
  created_at: number;
}

interface GroupRow {
  realm: string;
  name: string;
  number: number;
  privileges: string;
}

interface TicketRow {
  digest: string;
  kind: string;
  realm: string;
  user_name: string;
  session_key: string | null;
  expires_at: number;
}

interface AuditRow {
  id: number;
  at: number;
  type: string;
  realm: string | null;
  user_name: string | null;
  session_key: string | null;
  actor: string | null;
  ip_address: string | null;
  protocol: string | null;
  detail: string | null;
}

// Every column but the generated deadline, for RETURNING and SELECT.
const SESSION_COLUMNS =
  "number, key, secret_digest, realm, user_name, impersonated_by, protocol, created_at, login_at, " +
  "last_active_at, user_active_at, call_count, locale, message_locale, client, idle_timeout_ms, idle_timeout_chosen, " +
  "expires_at, binding";

function sessionToRow(record: SessionRecord): SessionRow {
  return {
    number: record.number,
    key: record.key,
    secret_digest: record.secretDigest,
    realm: record.realm,
    user_name: record.userName,
    impersonated_by: record.impersonatedBy,
    protocol: record.protocol,
    created_at: record.createdAt,
    login_at: record.loginAt,
    last_active_at: record.lastActiveAt,
    user_active_at: record.userActiveAt,
    call_count: record.callCount,
    locale: record.locale,
    message_locale: record.messageLocale,
    client: JSON.stringify(record.client),
    idle_timeout_ms: record.idleTimeoutMs,
    idle_timeout_chosen: record.idleTimeoutChosen ? 1 : 0,
    expires_at: record.expiresAt,
    binding: bindingToText(record.binding),
  };
}

function sessionFromRow(row: SessionRow): SessionRecord {
  return {
    key: row.key,
    number: row.number,
    secretDigest: row.secret_digest,
    realm: row.realm,
    userName: row.user_name,
    impersonatedBy: row.impersonated_by,
    protocol: row.protocol as Protocol,
    createdAt: row.created_at,
    loginAt: row.login_at,
    lastActiveAt: row.last_active_at,
    userActiveAt: row.user_active_at,
    callCount: row.call_count,
    locale: row.locale,
    messageLocale: row.message_locale,
    client: JSON.parse(row.client),
    idleTimeoutMs: row.idle_timeout_ms,
    idleTimeoutChosen: row.idle_timeout_chosen !== 0,
    expiresAt: row.expires_at,
    binding: bindingFromText(row.binding),
  };
}

function realmFromRow(row: RealmRow): Realm {
  return {
    id: row.id,
    name: row.name,
    defaultLocale: row.default_locale,
    supportedLocales: JSON.parse(row.supported_locales),
    idleTimeoutSeconds: row.idle_timeout_seconds,
    maxIdleTimeoutSeconds: row.max_idle_timeout_seconds,
    maxLifetimeSeconds: row.max_lifetime_seconds,
    maxSessionsPerUser: row.max_sessions_per_user,
    maxSessionsPolicy: row.max_sessions_policy as SessionCapPolicy,
    allowSelfRegistration: row.allow_self_registration !== 0,
    lockoutAfterFailures: row.lockout_after_failures,
  };
}

function loginFailureFromRow(row: LoginFailureRow): LoginFailureCount {
  return { key: row.key, failures: row.failures, lastFailureAt: row.last_failure_at };
}

function userFromRow(row: UserRow): User {
  return {
    realm: row.realm,
    number: row.number,
    name: row.name,
    fullName: row.full_name,
    passwordHash: row.password_hash,
    groups: JSON.parse(row.groups_json),
    privileges: JSON.parse(row.privileges) as Privilege[],
    disabled: row.disabled !== 0,
    createdAt: row.created_at,
  };
}

function groupFromRow(row: GroupRow): Group {
  return {
    realm: row.realm,
    number: row.number,
    name: row.name,
    privileges: JSON.parse(row.privileges) as Privilege[],
  };
}

function ticketFromRow(row: TicketRow): TicketRecord {
  return {
    digest: row.digest,
    kind: row.kind as TicketKind,
    realm: row.realm,
    userName: row.user_name,
    sessionKey: row.session_key,
    expiresAt: row.expires_at,
  };
}

function auditFromRow(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    type: row.type as AuditKind,
    realm: row.realm,
    userName: row.user_name,
    sessionKey: row.session_key,
    actor: row.actor,
    ipAddress: row.ip_address,
    protocol: row.protocol as Protocol | null,
    detail: row.detail,
  };
}

/** Lowest possible session number, standing in for "no cursor". */
const BEFORE_ALL = Number.MIN_SAFE_INTEGER;

function toStoreError(error: unknown): SessionError {
  if (isSessionError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    return new SessionError("ALREADY_EXISTS", undefined, { cause: error });
  }
  return new SessionError("STORE_UNAVAILABLE", "sqlite store: operation failed", { cause: error });
}

/** Runs synchronous store work and settles a Promise with its result or its mapped error. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}

function openDatabase(options: SqliteStoreOptions): Database.Database {
  if (!options.database && options.path !== ":memory:") makeDatabaseFilesPrivate(options.path);
  const db = options.database ?? new Database(options.path);
  try {
    db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode: a commit reaches the WAL file before the call returns, so it survives a crash
    // or kill -9 of the process; FULL also fsyncs each commit, so it survives a power loss.
    db.pragma(`synchronous = ${options.durability === "full" ? "FULL" : "NORMAL"}`);
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    // Keep the hot part of the database in memory: a 64 MiB page cache and memory-mapped reads, so a
    // lookup by digest does not cost a read() system call per page.
    db.pragma("cache_size = -65536");
    db.pragma("mmap_size = 268435456");
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SQLITE_SCHEMA_VERSION) {
      throw new SessionError(
        "STORE_UNAVAILABLE",
        `sqlite store: schema version ${version} is newer than this server's ${SQLITE_SCHEMA_VERSION}`,
      );
    }
    for (let v = version; v < SQLITE_SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v] as string);
    }
    if (version !== SQLITE_SCHEMA_VERSION) db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
  }).immediate();
}

export function createSqliteStore(options: SqliteStoreOptions): Store {
  let db: Database.Database;
  try {
    db = openDatabase(options);
  } catch (error) {
    throw toStoreError(error);
  }
  const checkpointIntervalMs = options.checkpointIntervalMs === undefined ? 1000 : options.checkpointIntervalMs;
  let checkpointer: Checkpointer | undefined;
  if (checkpointIntervalMs !== null && options.path !== ":memory:") {
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    checkpointer = startCheckpointer({
      path: db.name,
      intervalMs: checkpointIntervalMs,
      // The store has no logger: a process warning reaches the server's standard error. The log then
      // grows to the backstop, where SQLite checkpoints it itself.
      onError: (message) => process.emitWarning(`SQLite checkpoint failed: ${message}`, "SessiondCheckpointWarning"),
    });
  }

  // --- Statements, prepared once ---

  const nextNumber = db.prepare<[], { value: number }>(
    "UPDATE counters SET value = value + 1 WHERE name = 'session_number' RETURNING value",
  );
  const insertSession = db.prepare<[SessionRow]>(
    `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (@number, @key, @secret_digest, @realm, @user_name,
      @impersonated_by, @protocol, @created_at, @login_at, @last_active_at, @user_active_at, @call_count, @locale,
      @message_locale, @client, @idle_timeout_ms, @idle_timeout_chosen, @expires_at, @binding)`,
  );
  const sessionByDigest = db.prepare<[string], SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE secret_digest = ?`,
  );
  const sessionByKey = db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE key = ?`);
  const sessionByNumber = db.prepare<[number], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE number = ?`);
  // One statement for every patch: a `set_*` flag says whether the field was given.
  const updateSession = db.prepare<[Record<string, string | number | null>], SessionRow>(
    `UPDATE sessions SET
      user_name       = CASE WHEN @set_user_name THEN @user_name ELSE user_name END,
      impersonated_by = CASE WHEN @set_impersonated_by THEN @impersonated_by ELSE impersonated_by END,
      login_at        = CASE WHEN @set_login_at THEN @login_at ELSE login_at END,
      locale          = CASE WHEN @set_locale THEN @locale ELSE locale END,
      message_locale  = CASE WHEN @set_message_locale THEN @message_locale ELSE message_locale END,
      expires_at      = CASE WHEN @set_expires_at THEN @expires_at ELSE expires_at END,
      realm           = CASE WHEN @set_realm THEN @realm ELSE realm END,
      idle_timeout_ms = CASE WHEN @set_idle_timeout_ms THEN @idle_timeout_ms ELSE idle_timeout_ms END,
      secret_digest   = CASE WHEN @set_secret_digest THEN @secret_digest ELSE secret_digest END
    WHERE key = @key
    RETURNING ${SESSION_COLUMNS}`,
  );
  const applyDelta = db.prepare<
    [{ key: string; last_active_at: number; calls: number; user_active_at: number | null }]
  >(
    `UPDATE sessions SET
      last_active_at = max(last_active_at, @last_active_at),
      call_count     = call_count + @calls,
      user_active_at = coalesce(@user_active_at, user_active_at)
    WHERE key = @key`,
  );
  const takeSession = db.prepare<[string], SessionRow>(
    `DELETE FROM sessions WHERE key = ? RETURNING ${SESSION_COLUMNS}`,
  );
  type GraceParams = { now: number; limit: number; floor: number; cap: number; divisor: number; extra: number };
  const takeExpired = db.prepare<[GraceParams], SessionRow>(TAKE_EXPIRED_SQL);
  const takeByBindingRange = db.prepare<[string, string, number, string], SessionRow>(
    `DELETE FROM sessions WHERE binding >= ? AND binding < ? AND substr(binding, 1, ?) = ?
    RETURNING ${SESSION_COLUMNS}`,
  );
  const takeByBindingFrom = db.prepare<[string, number, string], SessionRow>(
    `DELETE FROM sessions WHERE binding >= ? AND substr(binding, 1, ?) = ? RETURNING ${SESSION_COLUMNS}`,
  );
  // One statement per filter shape (which of realm, user and protocol are given), prepared when first
  // used: a statement of the shape "any of them may be null" cannot use an index and scans every session.
  type FilterParams = { realm?: string; user_name?: string; protocol?: string };
  const listStatements = new Map<
    string,
    Database.Statement<[FilterParams & { after: number; limit: number }], SessionRow>
  >();
  const countStatements = new Map<string, Database.Statement<[FilterParams], { n: number }>>();
  const listStatement = (filter: SessionFilter) => {
    const shape = filterShape(filter);
    let statement = listStatements.get(shape);
    if (!statement) {
      statement = db.prepare(listSessionsSql(filter));
      listStatements.set(shape, statement);
    }
    return statement;
  };
  const countStatement = (filter: SessionFilter) => {
    const shape = filterShape(filter);
    let statement = countStatements.get(shape);
    if (!statement) {
      statement = db.prepare(countSessionsSql(filter));
      countStatements.set(shape, statement);
    }
    return statement;
  };

  const countAnonymous = db.prepare<[{ address: string; now: number }], { n: number }>(COUNT_ANONYMOUS_SQL);
  const pageCount = db.prepare<[], { page_count: number }>("PRAGMA page_count");
  const freePages = db.prepare<[], { freelist_count: number }>("PRAGMA freelist_count");
  const pageSize = db.prepare<[], { page_size: number }>("PRAGMA page_size");

  const sessionExists = db.prepare<[string], { one: number }>("SELECT 1 AS one FROM sessions WHERE key = ?");
  const getAttribute = db.prepare<[string, string], { value: string }>(
    "SELECT value FROM attributes WHERE session_key = ? AND name = ?",
  );
  const attributeUsage = db.prepare<[string], { count: number; bytes: number }>(
    "SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes FROM attributes WHERE session_key = ?",
  );
  const attributeBytes = db.prepare<[string, string], { bytes: number }>(
    "SELECT bytes FROM attributes WHERE session_key = ? AND name = ?",
  );
  const putAttribute = db.prepare<[string, string, string, number]>(
    `INSERT INTO attributes (session_key, name, value, bytes) VALUES (?, ?, ?, ?)
    ON CONFLICT (session_key, name) DO UPDATE SET value = excluded.value, bytes = excluded.bytes`,
  );
  const deleteAttribute = db.prepare<[string, string]>("DELETE FROM attributes WHERE session_key = ? AND name = ?");
  const listAttributes = db.prepare<[string], { name: string; value: string }>(
    "SELECT name, value FROM attributes WHERE session_key = ? ORDER BY name",
  );

  const realmByName = db.prepare<[string], RealmRow>("SELECT * FROM realms WHERE name = ?");
  const realmById = db.prepare<[string], RealmRow>("SELECT * FROM realms WHERE id = ?");
  // No realm's name is empty, so "" stands for "no cursor"; a negative LIMIT is no limit in SQLite.
  const listRealms = db.prepare<[string, number], RealmRow>(
    "SELECT * FROM realms WHERE name > ? ORDER BY name LIMIT ?",
  );
  const deleteRealm = db.prepare<[string]>("DELETE FROM realms WHERE name = ?");
  const deleteRealmUsers = db.prepare<[string]>("DELETE FROM users WHERE realm = ?");
  const deleteRealmGroups = db.prepare<[string]>("DELETE FROM groups WHERE realm = ?");
  const putRealm = db.prepare<[RealmRow]>(
    `INSERT INTO realms (name, id, default_locale, supported_locales, idle_timeout_seconds, max_idle_timeout_seconds,
      max_lifetime_seconds, max_sessions_per_user, max_sessions_policy, allow_self_registration,
      lockout_after_failures)
    VALUES (@name, @id, @default_locale, @supported_locales, @idle_timeout_seconds, @max_idle_timeout_seconds,
      @max_lifetime_seconds, @max_sessions_per_user, @max_sessions_policy, @allow_self_registration,
      @lockout_after_failures)
    ON CONFLICT (name) DO UPDATE SET id = excluded.id, default_locale = excluded.default_locale,
      supported_locales = excluded.supported_locales, idle_timeout_seconds = excluded.idle_timeout_seconds,
      max_idle_timeout_seconds = excluded.max_idle_timeout_seconds,
      max_lifetime_seconds = excluded.max_lifetime_seconds, max_sessions_per_user = excluded.max_sessions_per_user,
      max_sessions_policy = excluded.max_sessions_policy, allow_self_registration = excluded.allow_self_registration,
      lockout_after_failures = excluded.lockout_after_failures`,
  );

  const userByName = db.prepare<[string, string], UserRow>("SELECT * FROM users WHERE realm = ? AND name = ?");
  const userByNumber = db.prepare<[string, number], UserRow>("SELECT * FROM users WHERE realm = ? AND number = ?");
  const listUsers = db.prepare<[string, number, number], UserRow>(
    "SELECT * FROM users WHERE realm = ? AND number > ? ORDER BY number LIMIT ?",
  );
  const putUser = db.prepare<[UserRow]>(
    `INSERT INTO users (realm, name, number, full_name, password_hash, groups_json, privileges, disabled, created_at)
    VALUES (@realm, @name, @number, @full_name, @password_hash, @groups_json, @privileges, @disabled, @created_at)
    ON CONFLICT (realm, name) DO UPDATE SET number = excluded.number, full_name = excluded.full_name,
      password_hash = excluded.password_hash, groups_json = excluded.groups_json, privileges = excluded.privileges,
      disabled = excluded.disabled, created_at = excluded.created_at`,
  );
  const deleteUser = db.prepare<[string, string]>("DELETE FROM users WHERE realm = ? AND name = ?");
  // A name search: one statement per table and shape of range, prepared when first used.
  const nameSearches = new Map<string, Database.Statement<[NameSearchParams], UserRow | GroupRow>>();
  const searchByName = <Row extends UserRow | GroupRow>(
    table: "users" | "groups",
    realm: string,
    prefix: string,
    after: string | null | undefined,
    limit: number | undefined,
  ): Row[] => {
    const start = nameSearchStart(prefix, after);
    const upper = prefix === "" ? null : prefixSuccessor(prefix);
    const sql = listByNameSql(table, start.inclusive, upper !== null);
    let statement = nameSearches.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      nameSearches.set(sql, statement);
    }
    const limitParam = limit === undefined ? -1 : Math.max(0, limit);
    return statement.all({ realm, from: start.from, limit: limitParam, ...(upper === null ? {} : { upper }) }) as Row[];
  };

  const groupByName = db.prepare<[string, string], GroupRow>("SELECT * FROM groups WHERE realm = ? AND name = ?");
  const listGroups = db.prepare<[string, number, number], GroupRow>(
    "SELECT * FROM groups WHERE realm = ? AND number > ? ORDER BY number LIMIT ?",
  );
  const putGroup = db.prepare<[GroupRow]>(
    `INSERT INTO groups (realm, name, number, privileges) VALUES (@realm, @name, @number, @privileges)
    ON CONFLICT (realm, name) DO UPDATE SET number = excluded.number, privileges = excluded.privileges`,
  );
  const deleteGroup = db.prepare<[string, string]>("DELETE FROM groups WHERE realm = ? AND name = ?");

  const insertTicket = db.prepare<[TicketRow]>(
    `INSERT INTO tickets (digest, kind, realm, user_name, session_key, expires_at)
    VALUES (@digest, @kind, @realm, @user_name, @session_key, @expires_at)`,
  );
  const takeLiveTicket = db.prepare<[string, string, number], TicketRow>(
    "DELETE FROM tickets WHERE digest = ? AND kind = ? AND expires_at > ? RETURNING *",
  );
  const deleteExpiredTicket = db.prepare<[string, number]>("DELETE FROM tickets WHERE digest = ? AND expires_at <= ?");
  const deleteExpiredTickets = db.prepare<[number]>("DELETE FROM tickets WHERE expires_at <= ?");

  const loginFailure = db.prepare<[string], LoginFailureRow>("SELECT * FROM login_failures WHERE key = ?");
  const addLoginFailure = db.prepare<[{ key: string; now: number; forgetBefore: number }], LoginFailureRow>(
    `INSERT INTO login_failures (key, failures, last_failure_at) VALUES (@key, 1, @now)
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN last_failure_at >= @forgetBefore THEN failures + 1 ELSE 1 END,
      last_failure_at = max(last_failure_at, excluded.last_failure_at)
    RETURNING *`,
  );
  const clearLoginFailures = db.prepare<[string]>("DELETE FROM login_failures WHERE key = ?");
  const pruneLoginFailures = db.prepare<[number]>("DELETE FROM login_failures WHERE last_failure_at < ?");
  const addLoginFailuresTx = db.transaction((keys: readonly string[], now: number, forgetBefore: number) =>
    keys.map((key) => loginFailureFromRow(addLoginFailure.get({ key, now, forgetBefore }) as LoginFailureRow)),
  );

  const getSetting = db.prepare<[string], { value: string }>("SELECT value FROM settings WHERE name = ?");
  const settingNames = db.prepare<[], { name: string }>("SELECT name FROM settings ORDER BY name");
  const reserveNumbers = db.prepare<[number]>(
    "UPDATE counters SET value = max(value, ?) WHERE name = 'session_number'",
  );
  const putSetting = db.prepare<[string, string]>(
    "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
  );
  const deleteSetting = db.prepare<[string]>("DELETE FROM settings WHERE name = ?");
  // The stored text is what JSON.stringify made of the value, and a value read back stringifies to the
  // same text (JSON.parse keeps key order), so comparing texts compares values.
  const replaceSettingIf = db.prepare<[string, string, string]>(
    "UPDATE settings SET value = ? WHERE name = ? AND value = ?",
  );
  const addSetting = db.prepare<[string, string]>(
    "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
  );

  const appendAudit = db.prepare<[Omit<AuditRow, "id">]>(
    `INSERT INTO audit (at, type, realm, user_name, session_key, actor, ip_address, protocol, detail)
    VALUES (@at, @type, @realm, @user_name, @session_key, @actor, @ip_address, @protocol, @detail)`,
  );
  // One statement per filter shape, prepared when first used, as for sessions.
  type AuditParams = {
    after: number;
    limit: number;
    realm?: string;
    user_name?: string;
    type?: string;
    session_key?: string;
  };
  const auditStatements = new Map<string, Database.Statement<[AuditParams], AuditRow>>();
  const auditStatement = (filter: AuditFilter) => {
    const sql = listAuditSql(filter);
    let statement = auditStatements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      auditStatements.set(sql, statement);
    }
    return statement;
  };
  const countAuditOfType = db.prepare<[string, number], { n: number }>(COUNT_AUDIT_SQL);

  // --- Transactions ---

  const deleteRealmTx = db.transaction((name: string): boolean => {
    deleteRealmUsers.run(name);
    deleteRealmGroups.run(name);
    return deleteRealm.run(name).changes > 0;
  });

  const applyActivityTx = db.transaction((deltas: readonly ActivityDelta[]) => {
    for (const d of deltas) {
      applyDelta.run({ key: d.key, last_active_at: d.lastActiveAt, calls: d.calls, user_active_at: d.userActiveAt });
    }
  });

  const putAttributesTx = db.transaction(
    (key: string, entries: readonly AttributeEntry[], limits: AttributeLimits): PutAttributeResult => {
      if (!sessionExists.get(key)) return "no-session";
      const writes = new Map(entries);
      let { count, bytes } = attributeUsage.get(key) as { count: number; bytes: number };
      const sizes = new Map<string, number>();
      for (const [name, value] of writes) {
        const old = attributeBytes.get(key, name);
        if (old) bytes -= old.bytes;
        else count += 1;
        const size = Buffer.byteLength(name, "utf8") + Buffer.byteLength(value, "utf8");
        sizes.set(name, size);
        bytes += size;
      }
      if (count > limits.maxCount || bytes > limits.maxTotalBytes) return "limit";
      for (const [name, value] of writes) putAttribute.run(key, name, value, sizes.get(name) ?? 0);
      return "ok";
    },
  );

  // A user's other sessions, oldest first, for a capped write; the realm-and-user index finds them.
  const userSessions = db.prepare<[string, string, string], SessionRow>(USER_SESSIONS_SQL);

  /** Deletes the oldest of `others` so that, with the session just written, at most `max` remain. */
  function evict(others: SessionRow[], max: number): SessionRecord[] {
    const victims = others.slice(0, Math.max(0, others.length + 1 - max));
    return victims.map((row) => sessionFromRow(takeSession.get(row.key) ?? row));
  }

  const insertCappedTx = db.transaction((record: SessionRecord, cap: SessionCap): CappedWrite => {
    const others = record.userName === null ? [] : userSessions.all(record.realm, record.userName, record.key);
    if (others.length >= cap.max && cap.policy === "deny") return { session: null, denied: true, evicted: [] };
    insertSession.run(sessionToRow(record));
    return { session: record, denied: false, evicted: evict(others, cap.max) };
  });

  const updateCappedTx = db.transaction((key: string, patch: SessionPatch, cap: SessionCap): CappedWrite => {
    const current = sessionByKey.get(key);
    if (!current) return { session: null, denied: false, evicted: [] };
    const userName = patch.userName ?? null;
    const realm = patch.realm ?? current.realm;
    const others = userName === null ? [] : userSessions.all(realm, userName, key);
    if (others.length >= cap.max && cap.policy === "deny") return { session: null, denied: true, evicted: [] };
    const updated = mapRow(updateSession.get(patchParams(key, patch)), sessionFromRow);
    return { session: updated, denied: false, evicted: evict(others, cap.max) };
  });

  const takeTicketTx = db.transaction((digest: string, kind: TicketKind, now: number): TicketRecord | null => {
    const row = takeLiveTicket.get(digest, kind, now);
    if (row) return ticketFromRow(row);
    deleteExpiredTicket.run(digest, now);
    return null;
  });

  function filterParams(filter: SessionFilter): FilterParams {
    const params: FilterParams = {};
    if (filter.realm !== undefined) params.realm = filter.realm;
    if (filter.userName !== undefined) params.user_name = filter.userName;
    if (filter.protocol !== undefined) params.protocol = filter.protocol;
    return params;
  }

  function patchParams(key: string, patch: SessionPatch): Record<string, string | number | null> {
    const params: Record<string, string | number | null> = { key };
    const fields: [keyof SessionPatch, string][] = [
      ["userName", "user_name"],
      ["impersonatedBy", "impersonated_by"],
      ["loginAt", "login_at"],
      ["locale", "locale"],
      ["messageLocale", "message_locale"],
      ["expiresAt", "expires_at"],
      ["realm", "realm"],
      ["idleTimeoutMs", "idle_timeout_ms"],
      ["secretDigest", "secret_digest"],
    ];
    for (const [field, column] of fields) {
      const value = patch[field];
      params[`set_${column}`] = value === undefined ? 0 : 1;
      params[column] = value ?? null;
    }
    return params;
  }

  const outbox = sqliteOutbox(db);
  const store: Store = {
    driver: "sqlite",
    // One process holds the file: several nodes need the postgres driver.
    shared: false,

    nextSessionNumber: () => settle(() => (nextNumber.get() as { value: number }).value),

    reserveSessionNumbers: (atLeast) =>
      settle(() => {
        reserveNumbers.run(Math.floor(atLeast));
      }),

    insertSession: (record) =>
      settle(() => {
        insertSession.run(sessionToRow(record));
      }),

    getSessionByDigest: (digest) => settle(() => mapRow(sessionByDigest.get(digest), sessionFromRow)),
    getSessionByKey: (key) => settle(() => mapRow(sessionByKey.get(key), sessionFromRow)),
    getSessionByNumber: (number) => settle(() => mapRow(sessionByNumber.get(number), sessionFromRow)),
    getSessionsByKeys: (keys) =>
      settle(() => {
        const found: SessionRecord[] = [];
        for (const key of new Set(keys)) {
          const row = sessionByKey.get(key);
          if (row) found.push(sessionFromRow(row));
        }
        return found;
      }),

    insertSessionCapped: (record, cap) => settle(() => insertCappedTx.immediate(record, cap)),

    updateSessionCapped: (key, patch, cap) => settle(() => updateCappedTx.immediate(key, patch, cap)),

    updateSession: (key, patch) => settle(() => mapRow(updateSession.get(patchParams(key, patch)), sessionFromRow)),

    applyActivity: (deltas) =>
      settle(() => {
        if (deltas.length > 0) applyActivityTx(deltas);
      }),

    takeSession: (key) => settle(() => mapRow(takeSession.get(key), sessionFromRow)),

    takeExpiredSessions: (now, limit, grace) =>
      settle(() => {
        const terms = grace ? idleGraceTerms(grace) : { floorMs: 0, capMs: 0, divisor: 1, extraMs: 0 };
        return takeExpired
          .all({
            now,
            limit: Math.max(0, limit),
            floor: terms.floorMs,
            cap: terms.capMs,
            divisor: terms.divisor,
            extra: terms.extraMs,
          })
          .map(sessionFromRow)
          .sort((a, b) => a.number - b.number);
      }),

    takeSessionsByBinding: (prefix) =>
      settle(() => {
        const length = Array.from(prefix).length;
        const upper = prefix === "" ? null : prefixSuccessor(prefix);
        const rows =
          upper === null
            ? takeByBindingFrom.all(prefix, length, prefix)
            : takeByBindingRange.all(prefix, upper, length, prefix);
        return rows.map(sessionFromRow).sort((a, b) => a.number - b.number);
      }),

    listSessions: (filter, after, limit) =>
      settle((): SessionPage => {
        const take = Math.max(0, limit);
        const rows = listStatement(filter).all({
          ...filterParams(filter),
          after: after ?? BEFORE_ALL,
          limit: take + 1,
        });
        const sessions = rows.slice(0, take).map(sessionFromRow);
        const last = sessions[sessions.length - 1];
        return { sessions, nextAfter: rows.length > take && last ? last.number : null };
      }),

    countSessions: (filter) => settle(() => (countStatement(filter).get(filterParams(filter)) as { n: number }).n),

    countAnonymousSessions: (address, now) => settle(() => countAnonymous.get({ address, now })?.n ?? 0),

    // Pages in use: free pages are reused before the file grows, so this is what new data competes for.
    databaseBytes: () =>
      settle(() => {
        const pages = (pageCount.get()?.page_count ?? 0) - (freePages.get()?.freelist_count ?? 0);
        return pages * (pageSize.get()?.page_size ?? 0);
      }),

    getAttribute: (key, name) => settle(() => getAttribute.get(key, name)?.value ?? null),

    putAttributes: (key, entries, limits) => settle(() => putAttributesTx(key, entries, limits)),

    deleteAttribute: (key, name) => settle(() => deleteAttribute.run(key, name).changes > 0),

    listAttributes: (key) =>
      settle(() => {
        const result: Record<string, string> = {};
        for (const row of listAttributes.all(key)) result[row.name] = row.value;
        return result;
      }),

    getRealm: (name) => settle(() => mapRow(realmByName.get(name), realmFromRow)),
    getRealmById: (id) => settle(() => mapRow(realmById.get(id), realmFromRow)),
    listRealms: (after, limit) =>
      settle(() => listRealms.all(after ?? "", limit === undefined ? -1 : Math.max(0, limit)).map(realmFromRow)),
    deleteRealm: (name) => settle(() => deleteRealmTx(name)),
    putRealm: (realm) =>
      settle(() => {
        putRealm.run({
          name: realm.name,
          id: realm.id,
          default_locale: realm.defaultLocale,
          supported_locales: JSON.stringify(realm.supportedLocales),
          idle_timeout_seconds: realm.idleTimeoutSeconds,
          max_idle_timeout_seconds: realm.maxIdleTimeoutSeconds,
          max_lifetime_seconds: realm.maxLifetimeSeconds,
          max_sessions_per_user: realm.maxSessionsPerUser,
          max_sessions_policy: realm.maxSessionsPolicy,
          allow_self_registration: realm.allowSelfRegistration ? 1 : 0,
          lockout_after_failures: realm.lockoutAfterFailures,
        });
      }),

    getUser: (realm, name) => settle(() => mapRow(userByName.get(realm, name), userFromRow)),
    getUserByNumber: (realm, number) => settle(() => mapRow(userByNumber.get(realm, number), userFromRow)),
    listUsers: (realm, after, limit) =>
      settle(() =>
        listUsers.all(realm, after ?? BEFORE_ALL, limit === undefined ? -1 : Math.max(0, limit)).map(userFromRow),
      ),
    listUsersByName: (realm, prefix, after, limit) =>
      settle(() => searchByName<UserRow>("users", realm, prefix, after, limit).map(userFromRow)),
    putUser: (user) =>
      settle(() => {
        putUser.run({
          realm: user.realm,
          name: user.name,
          number: user.number,
          full_name: user.fullName,
          password_hash: user.passwordHash,
          groups_json: JSON.stringify(user.groups),
          privileges: JSON.stringify(user.privileges),
          disabled: user.disabled ? 1 : 0,
          created_at: user.createdAt,
        });
      }),
    deleteUser: (realm, name) => settle(() => deleteUser.run(realm, name).changes > 0),

    getGroup: (realm, name) => settle(() => mapRow(groupByName.get(realm, name), groupFromRow)),
    listGroups: (realm, after, limit) =>
      settle(() =>
        listGroups.all(realm, after ?? BEFORE_ALL, limit === undefined ? -1 : Math.max(0, limit)).map(groupFromRow),
      ),
    listGroupsByName: (realm, prefix, after, limit) =>
      settle(() => searchByName<GroupRow>("groups", realm, prefix, after, limit).map(groupFromRow)),
    putGroup: (group) =>
      settle(() => {
        putGroup.run({
          realm: group.realm,
          name: group.name,
          number: group.number,
          privileges: JSON.stringify(group.privileges),
        });
      }),
    deleteGroup: (realm, name) => settle(() => deleteGroup.run(realm, name).changes > 0),

    insertTicket: (ticket) =>
      settle(() => {
        insertTicket.run({
          digest: ticket.digest,
          kind: ticket.kind,
          realm: ticket.realm,
          user_name: ticket.userName,
          session_key: ticket.sessionKey,
          expires_at: ticket.expiresAt,
        });
      }),
    takeTicket: (digest, kind, now) => settle(() => takeTicketTx(digest, kind, now)),
    deleteExpiredTickets: (now) => settle(() => deleteExpiredTickets.run(now).changes),

    getLoginFailures: (keys) =>
      settle(() =>
        keys.flatMap((key) => {
          const row = loginFailure.get(key);
          return row ? [loginFailureFromRow(row)] : [];
        }),
      ),
    addLoginFailure: (keys, now, forgetBefore) => settle(() => addLoginFailuresTx(keys, now, forgetBefore)),
    clearLoginFailures: (key) =>
      settle(() => {
        clearLoginFailures.run(key);
      }),
    pruneLoginFailures: (before) => settle(() => pruneLoginFailures.run(before).changes),

    getSetting: (name) =>
      settle(() => {
        const row = getSetting.get(name);
        return row ? (JSON.parse(row.value) as unknown) : null;
      }),
    listSettingNames: () => settle(() => settingNames.all().map((row) => row.name)),

    deleteSetting: (name) => settle(() => deleteSetting.run(name).changes > 0),

    replaceSettingIf: (name, expected, value) =>
      settle(
        () => replaceSettingIf.run(JSON.stringify(value ?? null), name, JSON.stringify(expected ?? null)).changes > 0,
      ),

    putSetting: (name, value) =>
      settle(() => {
        putSetting.run(name, JSON.stringify(value ?? null));
      }),

    putSettingIfAbsent: (name, value) =>
      settle(() => {
        addSetting.run(name, JSON.stringify(value ?? null));
        const row = getSetting.get(name);
        return row ? (JSON.parse(row.value) as unknown) : null;
      }),

    appendAudit: (entry) =>
      settle(() => {
        appendAudit.run({
          at: entry.at,
          type: entry.type,
          realm: entry.realm,
          user_name: entry.userName,
          session_key: entry.sessionKey,
          actor: entry.actor,
          ip_address: entry.ipAddress,
          protocol: entry.protocol,
          detail: entry.detail,
        });
      }),
    listAudit: (after, limit, filter = {}) =>
      settle(() =>
        auditStatement(filter)
          .all({
            after: after ?? 0,
            limit: Math.max(0, limit),
            ...(filter.realm === undefined ? {} : { realm: filter.realm }),
            ...(filter.userName === undefined ? {} : { user_name: filter.userName }),
            ...(filter.type === undefined ? {} : { type: filter.type }),
            ...(filter.sessionKey === undefined ? {} : { session_key: filter.sessionKey }),
          })
          .map(auditFromRow),
      ),
    countAudit: <K extends AuditKind>(kinds: readonly K[], since: number) =>
      settle(() => {
        const counts = {} as Record<K, number>;
        for (const kind of kinds) counts[kind] = countAuditOfType.get(kind, since)?.n ?? 0;
        return counts;
      }),

    enqueueOutbox: (entries) => settle(() => outbox.enqueueOutbox(entries)),
    claimOutbox: (now, leaseUntil, limit, claim) => settle(() => outbox.claimOutbox(now, leaseUntil, limit, claim)),
    completeOutbox: (id, claim) => settle(() => outbox.completeOutbox(id, claim)),
    retryOutbox: (id, claim, dueAt, error) => settle(() => outbox.retryOutbox(id, claim, dueAt, error)),
    countOutbox: () => settle(() => outbox.countOutbox()),

    async close() {
      await checkpointer?.stop();
      await settle(() => {
        if (db.open) db.close();
      });
    },
  };
  return store;
}

/** The conditions of a session filter, in named parameters. */
function filterConditions(filter: SessionFilter): string[] {
  const where: string[] = [];
  if (filter.realm !== undefined) where.push("realm = @realm");
  if (filter.userName !== undefined) where.push("user_name = @user_name");
  if (filter.protocol !== undefined) where.push("protocol = @protocol");
  return where;
}

/** A filter's shape: which fields it gives, the key of its prepared statements. */
function filterShape(filter: SessionFilter): string {
  return filterConditions(filter).join(",");
}

/** The statement `listSessions` prepares for a filter of this shape; exported for the query-plan test. */
export function listSessionsSql(filter: SessionFilter): string {
  const where = ["number > @after", ...filterConditions(filter)].join(" AND ");
  return `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ${where} ORDER BY number LIMIT @limit`;
}

/** The statement `countSessions` prepares for a filter of this shape; exported for the query-plan test. */
export function countSessionsSql(filter: SessionFilter): string {
  const where = filterConditions(filter);
  return `SELECT count(*) AS n FROM sessions${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}`;
}

/**
 * How many entries of one kind the log holds from a time on: a range of the (type, at) index, which
 * holds both columns, so the table itself is not read. Exported for the query-plan test.
 */
export const COUNT_AUDIT_SQL = "SELECT count(*) AS n FROM audit WHERE type = ? AND at >= ?";

type NameSearchParams = { realm: string; from: string; upper?: string; limit: number };

/**
 * The statement of a name search (`listUsersByName`, `listGroupsByName`): a range of the (realm, name)
 * primary key from the prefix, or past the page cursor, to the prefix's successor (none for the empty
 * prefix). Exported for the query-plan test.
 */
export function listByNameSql(table: "users" | "groups", inclusive: boolean, bounded: boolean): string {
  const where = ["realm = @realm", `name ${inclusive ? ">=" : ">"} @from`];
  if (bounded) where.push("name < @upper");
  return `SELECT * FROM ${table} WHERE ${where.join(" AND ")} ORDER BY name LIMIT @limit`;
}

/**
 * The statement `listAudit` prepares for a filter of this shape; exported for the query-plan test.
 * Every shape has an index of its fields followed by `id`, so a page reads only the entries it returns.
 */
export function listAuditSql(filter: AuditFilter): string {
  const where = ["id > @after"];
  if (filter.sessionKey !== undefined) where.push("session_key = @session_key");
  if (filter.realm !== undefined) where.push("realm = @realm");
  if (filter.userName !== undefined) where.push("user_name = @user_name");
  if (filter.type !== undefined) where.push("type = @type");
  // A session's trail comes from its own index, whatever else the filter names (see `AuditFilter`):
  // without statistics SQLite would take the index with the most equal columns, which may hold every
  // login of the user rather than the session's few entries.
  const from = filter.sessionKey === undefined ? "audit" : "audit INDEXED BY audit_session";
  return `SELECT * FROM ${from} WHERE ${where.join(" AND ")} ORDER BY id LIMIT @limit`;
}

/**
 * How many anonymous sessions one address holds whose deadline has not passed: the partial index on the
 * address of anonymous sessions finds them. Exported for the query-plan test.
 */
export const COUNT_ANONYMOUS_SQL = `SELECT count(*) AS n FROM sessions
  WHERE user_name IS NULL AND json_extract(client, '$.ipAddress') = @address
    AND (deadline_at IS NULL OR deadline_at > @now)`;

/**
 * A user's other sessions, oldest first: what a capped write counts and evicts from. Exported for the
 * query-plan test.
 */
export const USER_SESSIONS_SQL = `SELECT ${SESSION_COLUMNS} FROM sessions WHERE realm = ? AND user_name = ? AND key <> ?
    ORDER BY coalesce(login_at, created_at), number`;

/**
 * The sweep: the deadline index finds what is due; within that range the idle deadline is moved by the
 * grace (all terms 0 without one), so each sweep reads what expired or lies within its grace.
 */
export const TAKE_EXPIRED_SQL = `DELETE FROM sessions WHERE number IN (
  SELECT number FROM sessions
  WHERE deadline_at <= @now
    AND (expires_at <= @now
      OR last_active_at + idle_timeout_ms + max(@floor, min(@cap, idle_timeout_ms / @divisor)) + @extra <= @now)
  ORDER BY deadline_at LIMIT @limit
) RETURNING ${SESSION_COLUMNS}`;

function mapRow<Row, T>(row: Row | undefined, map: (row: Row) => T): T | null {
  return row === undefined ? null : map(row);
}
