/**
 * The store contract, part five, for stores that several nodes share (PostgreSQL): node leases, the
 * sessions bound to a node, and hints from node to node. A store that one process holds alone (SQLite,
 * memory) has no such part.
 *
 * The row is the truth; hints only say "look again". Every node reads and writes the same rows, and a
 * hint that is lost delays what it announces by the engine's periodic re-check, never loses it.
 *
 * Beside the hints, which nodes send after a change, the store itself announces every change or
 * deletion of a session row in the transaction that makes it (`sessions-changed`), and passes on a
 * node's `ping` in order with those announcements. A node that hears its own ping sent at time t
 * has heard of every session change committed before t: that is what lets it trust its cached
 * sessions beyond the staleness bound without reading each of them again (`session-cache.ts`).
 *
 * Lease times are the store's own clock (`clockNow`), so that nodes whose clocks disagree a little
 * still agree on whose lease has run out.
 *
 * @module
 */

import type { SessionEvent } from "../events.ts";
import type { SessionRecord } from "../types.ts";

/** A node's registration: `epoch` is new at each start, and only its holder may renew it. */
export interface NodeLease {
  nodeId: string;
  epoch: number;
  /** When the lease runs out unless renewed, epoch ms on the store's clock. */
  expiresAt: number;
}

/** What one node tells the others. Never holds a secret. */
export type StoreHint =
  /** A session event (an ending, login, logout, locale change, service message) another node emitted. */
  | { kind: "event"; event: SessionEvent }
  /** Realms, users or groups changed: directory caches are stale. */
  | { kind: "directory-changed" };

/** What a node's subscription receives. */
export type ClusterMessage =
  | { kind: "hint"; hint: StoreHint; from: string }
  /**
   * Session rows were changed or deleted, announced by the store in the same transaction: delivered
   * only once committed, and never lost while the listening connection stays up.
   */
  | { kind: "sessions-changed"; keys: string[] }
  /** Every session row may have changed (the table was emptied at once): forget them all. */
  | { kind: "all-sessions-changed" }
  /** A node's `ping`, delivered after every announcement committed before it was sent. */
  | { kind: "ping"; from: string; seq: number }
  /** The listening connection was lost and is back: hints may have been missed meanwhile. */
  | { kind: "reconnected" };

export interface ClusterStore {
  /** The store's clock now, epoch ms; a node compares its own with it before it starts. */
  clockNow(): Promise<number>;

  /**
   * Registers a node under a new epoch with a lease of `ttlMs` from now. Answers null, changing
   * nothing, while another epoch's lease on `nodeId` is still live: two live nodes never share an id.
   * For the store's own `nodeId`, the new epoch is also the one its bound inserts are fenced by.
   */
  registerNode(nodeId: string, ttlMs: number): Promise<NodeLease | null>;

  /**
   * Extends the lease of this epoch to `ttlMs` from now. Answers null when the lease has run out or
   * another epoch holds the id: the node must then fence itself (stop acting on its bound sessions).
   */
  renewNode(nodeId: string, epoch: number, ttlMs: number): Promise<NodeLease | null>;

  /** Ends this epoch's lease at once (a clean stop). Idempotent. */
  releaseNode(nodeId: string, epoch: number): Promise<void>;

  /**
   * Deletes and returns up to `limit` sessions bound to a node (`binding.node`) that holds no live
   * lease: a node that died or stopped. Each such session goes to exactly one of several concurrent
   * callers, on any node.
   */
  takeSessionsOfDeadNodes(limit: number): Promise<SessionRecord[]>;

  /**
   * Sends a hint to every node sharing the store, this one included; a subscriber tells its own by
   * `from`. At most once, in the order sent; lost when nobody listens. An event's `detail` may be left
   * out when the hint would be too large to send.
   */
  publish(hint: StoreHint): Promise<void>;

  /**
   * Sends a ping numbered `seq` from this node to every subscriber, this node's own included. It is
   * delivered after every `sessions-changed` committed before it was sent, so a node that hears its
   * own ping knows it has heard of all of them.
   */
  ping(seq: number): Promise<void>;

  /** This node's id in `from` of its own hints. */
  readonly nodeId: string;

  /**
   * Listens for hints; returns the function that stops listening. The listener is also told when the
   * listening connection came back after a loss (`reconnected`).
   */
  subscribe(listener: (message: ClusterMessage) => void): () => void;
}
