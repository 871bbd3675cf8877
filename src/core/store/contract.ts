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
 * - `ClusterStore` (`cluster.ts`), only for stores several nodes share: leases and hints.
 *
 * @module
 */

import type { ClusterStore } from "./cluster.ts";
import type { DirectoryStore } from "./directory.ts";
import type { SessionStore } from "./sessions.ts";
import type { AuditStore, SettingsStore } from "./settings.ts";
import type { TicketStore } from "./tickets.ts";

export type StoreDriverName = "memory" | "sqlite" | "postgres";

/** A whole store: every part of the contract, in one backend. */
export interface Store extends SessionStore, DirectoryStore, TicketStore, SettingsStore, AuditStore {
  readonly driver: StoreDriverName;
  /**
   * True when other nodes may write the same store (PostgreSQL). The engine then trusts what it has
   * cached for a bounded time only, and never ends a session as idle within its grace (activity other
   * nodes have not written yet may keep it alive).
   */
  readonly shared: boolean;
  /** Leases, dead nodes' sessions and hints, when several nodes share the store (`shared`). */
  readonly cluster?: ClusterStore;
  /** Releases connections and handles. Idempotent. */
  close(): Promise<void>;
}
