/**
 * The storage contract the core defines and every driver in `src/store/` implements: the file every
 * driver author reads first.
 *
 * It is split by concern, so that a driver can be written and tested a part at a time (the shared
 * suite in `test/store/contract/` has one part per file) and a deployment could put parts in
 * different engines:
 *
 * - `SessionStore` (`sessions.ts`): sessions and their attributes;
 * - `DirectoryStore` (`directory.ts`): realms, users and groups;
 * - `TicketStore` (`tickets.ts`): single-use tickets;
 * - `SettingsStore` and `AuditStore` (`settings.ts`): server-wide settings and the audit log;
 * - `LoginFailureStore` (`login-failures.ts`): failed-login counts for the brute-force throttle;
 * - `OutboxStore` (`outbox.ts`): events waiting to be delivered to webhooks;
 * - `ClusterStore` (`cluster.ts`), only for stores several nodes share: leases and hints.
 *
 * @module
 */

import type { ClusterStore } from "./cluster.ts";
import type { DirectoryStore } from "./directory.ts";
import type { LoginFailureStore } from "./login-failures.ts";
import type { OutboxStore } from "./outbox.ts";
import type { SessionStore } from "./sessions.ts";
import type { AuditStore, SettingsStore } from "./settings.ts";
import type { TicketStore } from "./tickets.ts";

export type StoreDriverName = "memory" | "sqlite" | "postgres";

/** A whole store: every part of the contract, in one backend. */
export interface Store
  extends SessionStore,
    DirectoryStore,
    TicketStore,
    SettingsStore,
    AuditStore,
    LoginFailureStore,
    OutboxStore {
  readonly driver: StoreDriverName;
  /**
   * True when other nodes may write the same store (PostgreSQL). The engine then trusts what it has
   * cached for a bounded time only, and never ends a session as idle within its grace (activity other
   * nodes have not written yet may keep it alive).
   */
  readonly shared: boolean;
  /** Leases, dead nodes' sessions and hints, when several nodes share the store (`shared`). */
  readonly cluster?: ClusterStore;
  /**
   * How many bytes the store's data takes, for `/healthz` and the cap on what strangers may make the
   * server hold (`sessions.maxDatabaseBytes`). SQLite: its pages in use (`page_count` less the free
   * list, times `page_size`), which falls again as sessions end. PostgreSQL: `pg_database_size` of the
   * database, which falls only once the space is vacuumed. Memory: an estimate of what its sessions and
   * attributes hold.
   */
  databaseBytes(): Promise<number>;
  /** Releases connections and handles. Idempotent. */
  close(): Promise<void>;
}
