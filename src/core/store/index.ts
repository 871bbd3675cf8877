/**
 * The storage contract (see `contract.ts`), re-exported from one place.
 *
 * @module
 */

export type { ClusterMessage, ClusterStore, NodeLease, StoreHint } from "./cluster.ts";
export type { Store, StoreDriverName } from "./contract.ts";
export type { DirectoryStore } from "./directory.ts";
export type { LoginFailureCount, LoginFailureStore } from "./login-failures.ts";
export type { NewOutboxEntry, OutboxEntry, OutboxStore } from "./outbox.ts";
export type {
  AttributeEntry,
  AttributeLimits,
  CappedWrite,
  PutAttributeResult,
  SessionCap,
  SessionFilter,
  SessionPage,
  SessionPatch,
  SessionStore,
} from "./sessions.ts";
export type { AuditFilter, AuditStore, SettingsStore } from "./settings.ts";
export type { TicketStore } from "./tickets.ts";
