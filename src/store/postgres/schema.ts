/**
 * The PostgreSQL store's schema, as a list of migrations: `POSTGRES_MIGRATIONS[i]` takes a database at
 * schema version i to i + 1, and index 0 creates everything. `migrate.ts` runs them.
 *
 * The tables are SQLite's (`src/store/sqlite.ts`), with these differences and why:
 *
 * - **Session numbers from a sequence** (`session_numbers`, `CACHE 1`): every node draws from it, so
 *   numbers are unique and increasing across nodes and restarts. A cache above 1 would hand each
 *   connection a block of numbers, and numbers drawn on two connections would no longer increase in the
 *   order they were drawn.
 * - **`bigint` for every epoch-ms column** (and numbers, counts, timeouts); `integer` ends in 2038.
 * - **`deadline_at`, a stored generated column**, the earlier of `expires_at` and the idle deadline
 *   (`LEAST` skips NULLs, so it is NULL only when neither is set), indexed where not NULL: the sweep is a
 *   range scan on it. Being generated, it can never disagree with the columns it is made of.
 * - **`binding` in the "C" collation**, so that the index orders bindings byte-wise and a prefix is a
 *   range `binding >= prefix AND binding < successor(prefix)`, as in SQLite; no LIKE, whose `%` and `_`
 *   would need escaping.
 * - **`binding_node`, generated from `binding`**: the node id between `kind:` and the first `/`
 *   (`server:<node>/`, `connection:<node>/<id>`; node ids hold no `/`). Indexed, so that the dead-node
 *   reaper finds a node's bound sessions without parsing every binding.
 * - **An index per filter shape, each ending in `number`**, the listing order, as in SQLite's version 3.
 * - **`nodes`**: one row per node id with its current lease (`epoch`, `expires_at` on the database's
 *   clock); epochs come from their own sequence, so a new registration always has a new epoch.
 * - **`sessiond_now_ms()`**, the database's clock in epoch ms (`clock_timestamp()`, the time of the call,
 *   not of the transaction's start): leases are judged by one clock, whatever the nodes' clocks say.
 * - **Anonymous sessions by address** (version 2): a partial index on `client->>'ipAddress'` of sessions
 *   without a user, for the engine's cap on what one address may hold, as in SQLite's version 4.
 * - **An index per audit filter shape, each ending in `id`** (versions 4 and 5), as in SQLite's
 *   versions 6 and 7.
 * - **The webhook outbox** (version 6), as in SQLite's version 8; its claims are \`FOR UPDATE SKIP
 *   LOCKED\` (\`outbox.ts\`), so that several nodes drain it without sending an entry twice at once.
 * - **User and group names in the "C" collation** (version 7), as realm names always were: a name search
 *   is the range `name >= prefix AND name < successor(prefix)` of the (realm, name) index, which is
 *   right only when the index orders names by code point. Equality is the same in every deterministic
 *   collation, so no lookup changes.
 * - **Audit by (type, at) and by (session_key, id)** (version 7), as in SQLite's version 9: the
 *   dashboard's counts of logins since a time, and one session's trail.
 * - **Every change of session rows announced by triggers** (version 8): after rows are deleted, or
 *   updated in anything but their activity (`last_active_at`, `call_count`, `user_active_at`),
 *   `pg_notify('sessiond', 's <key> <key>...')` in the same transaction, and `'s *'` after a TRUNCATE
 *   (`hints.ts`). Triggers rather than the driver's statements, so that no write path can forget
 *   them, an operator's hand-written SQL included: nodes trust their cached sessions on these notices
 *   (`session-cache.ts`). The channel and prefix are `HINT_CHANNEL` and `SESSIONS_CHANGED_PREFIX`.
 * - **jsonb and text[]** where SQLite keeps JSON text: the client info, settings, and lists of locales,
 *   groups and privileges, so that an operator can query them.
 *
 * @module
 */

/** The schema version this code reads and writes. */
export const POSTGRES_SCHEMA_VERSION = 8;

/**
 * The columns of `sessions` whose update is announced (version 8): all but the activity
 * (`last_active_at`, `call_count`, `user_active_at`) and the generated ones. Frozen with the migration
 * that names them: a later migration that adds a column must recreate the trigger with it.
 */
export const SESSION_ANNOUNCED_COLUMNS: readonly string[] = [
  "number",
  "key",
  "secret_digest",
  "realm",
  "user_name",
  "impersonated_by",
  "protocol",
  "created_at",
  "login_at",
  "locale",
  "message_locale",
  "client",
  "idle_timeout_ms",
  "idle_timeout_chosen",
  "expires_at",
  "binding",
];

/** `POSTGRES_MIGRATIONS[i]` upgrades a database at version i to i + 1. Each runs in one transaction. */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE FUNCTION sessiond_now_ms() RETURNS bigint LANGUAGE sql VOLATILE
    AS $$ SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

  CREATE SEQUENCE session_numbers AS bigint START 1 CACHE 1;

  CREATE TABLE sessions (
    number              bigint PRIMARY KEY,
    key                 text NOT NULL,
    secret_digest       text NOT NULL,
    realm               text NOT NULL,
    user_name           text,
    impersonated_by     text,
    protocol            text NOT NULL,
    created_at          bigint NOT NULL,
    login_at            bigint,
    last_active_at      bigint NOT NULL,
    user_active_at      bigint,
    call_count          bigint NOT NULL,
    locale              text NOT NULL,
    message_locale      text NOT NULL,
    client              jsonb NOT NULL,
    idle_timeout_ms     bigint,
    idle_timeout_chosen boolean NOT NULL,
    expires_at          bigint,
    binding             text COLLATE "C",
    binding_node        text COLLATE "C" GENERATED ALWAYS AS (
      split_part(substr(binding, strpos(binding, ':') + 1), '/', 1)
    ) STORED,
    deadline_at         bigint GENERATED ALWAYS AS (
      LEAST(expires_at, last_active_at + idle_timeout_ms)
    ) STORED
  );
  CREATE UNIQUE INDEX sessions_key ON sessions (key);
  CREATE UNIQUE INDEX sessions_secret_digest ON sessions (secret_digest);
  CREATE INDEX sessions_deadline ON sessions (deadline_at) WHERE deadline_at IS NOT NULL;
  CREATE INDEX sessions_binding ON sessions (binding) WHERE binding IS NOT NULL;
  CREATE INDEX sessions_binding_node ON sessions (binding_node) WHERE binding_node IS NOT NULL;
  CREATE INDEX sessions_realm ON sessions (realm, number);
  CREATE INDEX sessions_realm_user ON sessions (realm, user_name, number);
  CREATE INDEX sessions_realm_protocol ON sessions (realm, protocol, number);
  CREATE INDEX sessions_user ON sessions (user_name, number);
  CREATE INDEX sessions_protocol ON sessions (protocol, number);

  CREATE TABLE attributes (
    session_key text NOT NULL REFERENCES sessions (key) ON DELETE CASCADE,
    name        text NOT NULL,
    value       text NOT NULL,
    bytes       integer NOT NULL,
    PRIMARY KEY (session_key, name)
  );

  CREATE TABLE realms (
    name                     text COLLATE "C" PRIMARY KEY,
    id                       text NOT NULL UNIQUE,
    default_locale           text NOT NULL,
    supported_locales        text[] NOT NULL,
    idle_timeout_seconds     bigint NOT NULL,
    max_idle_timeout_seconds bigint,
    max_lifetime_seconds     bigint,
    max_sessions_per_user    integer,
    max_sessions_policy      text NOT NULL,
    allow_self_registration  boolean NOT NULL
  );

  CREATE TABLE users (
    realm         text NOT NULL,
    name          text NOT NULL,
    number        bigint NOT NULL,
    full_name     text NOT NULL,
    password_hash text,
    groups        text[] NOT NULL,
    privileges    text[] NOT NULL,
    disabled      boolean NOT NULL,
    created_at    bigint NOT NULL,
    PRIMARY KEY (realm, name),
    UNIQUE (realm, number)
  );

  CREATE TABLE groups (
    realm      text NOT NULL,
    name       text NOT NULL,
    number     bigint NOT NULL,
    privileges text[] NOT NULL,
    PRIMARY KEY (realm, name),
    UNIQUE (realm, number)
  );

  CREATE TABLE tickets (
    digest      text PRIMARY KEY,
    kind        text NOT NULL,
    realm       text NOT NULL,
    user_name   text NOT NULL,
    session_key text,
    expires_at  bigint NOT NULL
  );
  CREATE INDEX tickets_expires_at ON tickets (expires_at);

  CREATE TABLE settings (
    name  text PRIMARY KEY,
    value jsonb NOT NULL
  );

  CREATE TABLE audit (
    id          bigserial PRIMARY KEY,
    at          bigint NOT NULL,
    type        text NOT NULL,
    realm       text,
    user_name   text,
    session_key text,
    actor       text,
    ip_address  text,
    protocol    text,
    detail      text
  );

  CREATE SEQUENCE node_epochs AS bigint START 1;

  CREATE TABLE nodes (
    node_id    text COLLATE "C" PRIMARY KEY,
    epoch      bigint NOT NULL,
    expires_at bigint NOT NULL
  );
  `,
  // 1 → 2: anonymous sessions by client address, for the cap on what one address may hold.
  `
  CREATE INDEX sessions_anonymous_address ON sessions ((client->>'ipAddress')) WHERE user_name IS NULL;
  `,
  // 2 → 3: failed-login counts for the brute-force throttle, and the realm's opt-in lockout.
  `
  CREATE TABLE login_failures (
    key             text COLLATE "C" PRIMARY KEY,
    failures        integer NOT NULL,
    last_failure_at bigint NOT NULL
  );
  CREATE INDEX login_failures_last ON login_failures (last_failure_at);
  ALTER TABLE realms ADD COLUMN lockout_after_failures integer;
  `,
  // 3 → 4: an index for each shape of audit filter (realm, user, kind), each ending in the listing
  // order, as in SQLite's version 6.
  `
  CREATE INDEX audit_realm ON audit (realm, id);
  CREATE INDEX audit_realm_user ON audit (realm, user_name, id);
  CREATE INDEX audit_realm_type ON audit (realm, type, id);
  CREATE INDEX audit_user ON audit (user_name, id);
  CREATE INDEX audit_type ON audit (type, id);
  `,
  // 4 → 5: the two audit filter shapes that name a user and a kind, as in SQLite's version 7.
  `
  CREATE INDEX audit_user_type ON audit (user_name, type, id);
  CREATE INDEX audit_realm_user_type ON audit (realm, user_name, type, id);
  `,
  // 5 → 6: the outbox of webhook deliveries (\`outbox.ts\`), as in SQLite's version 8.
  `
  CREATE TABLE webhook_outbox (
    seq        bigserial PRIMARY KEY,
    id         text NOT NULL UNIQUE,
    endpoint   text NOT NULL,
    order_key  text,
    event_type text NOT NULL,
    payload    text NOT NULL,
    created_at bigint NOT NULL,
    due_at     bigint NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    claim      text,
    last_error text
  );
  CREATE INDEX webhook_outbox_due ON webhook_outbox (due_at, seq);
  CREATE INDEX webhook_outbox_order ON webhook_outbox (endpoint, order_key, seq) WHERE order_key IS NOT NULL;
  `,
  // 6 → 7: names searched by prefix on their (realm, name) index, which needs the "C" collation (the
  // primary keys are rebuilt in it); the audit log counted by kind since a time (the dashboard) and
  // read by session (a session's trail), as in SQLite's version 9.
  `
  ALTER TABLE users ALTER COLUMN name TYPE text COLLATE "C";
  ALTER TABLE groups ALTER COLUMN name TYPE text COLLATE "C";
  CREATE INDEX audit_type_at ON audit (type, at);
  CREATE INDEX audit_session ON audit (session_key, id) WHERE session_key IS NOT NULL;
  `,
  // 7 → 8: every change of session rows but their activity announced on the hint channel in the
  // changing transaction (see the module comment). Deletions per statement, their keys 200 to a notice
  // (a key is a 36-character UUID; a payload must stay under 8000 bytes); updates per row, and only of
  // the columns listed, so that activity flushes never reach the trigger (SESSION_ANNOUNCED_COLUMNS
  // must name every column but the activity and the generated ones: a test compares it with the
  // table). ENABLE ALWAYS: replication and restores that run as replicas announce too.
  `
  CREATE FUNCTION sessiond_announce_session() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('sessiond', 's ' || NEW.key);
    RETURN NULL;
  END
  $$;
  CREATE FUNCTION sessiond_announce_deleted_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('sessiond', 's ' || string_agg(numbered.key, ' '))
    FROM (SELECT key, row_number() OVER () AS n FROM gone) AS numbered
    GROUP BY (numbered.n - 1) / 200;
    RETURN NULL;
  END
  $$;
  CREATE FUNCTION sessiond_announce_all_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('sessiond', 's *');
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER sessions_changed_announce
    AFTER UPDATE OF ${SESSION_ANNOUNCED_COLUMNS.join(", ")} ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessiond_announce_session();
  CREATE TRIGGER sessions_deleted_announce AFTER DELETE ON sessions
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sessiond_announce_deleted_sessions();
  CREATE TRIGGER sessions_truncated_announce AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION sessiond_announce_all_sessions();
  ALTER TABLE sessions ENABLE ALWAYS TRIGGER sessions_changed_announce;
  ALTER TABLE sessions ENABLE ALWAYS TRIGGER sessions_deleted_announce;
  ALTER TABLE sessions ENABLE ALWAYS TRIGGER sessions_truncated_announce;
  `,
];
