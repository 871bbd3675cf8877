/**
 * The store contract, part three: single-use tickets (local, clone and service tickets), stored by the
 * digest of their secret and consumed atomically.
 *
 * @module
 */

import type { TicketKind, TicketRecord } from "../types.ts";

export interface TicketStore {
  /** Stores a ticket. Rejects with `ALREADY_EXISTS` on a duplicate digest. */
  insertTicket(ticket: TicketRecord): Promise<void>;

  /**
   * Consumes a ticket atomically: deletes it and returns it when it exists, has this kind and
   * `expiresAt > now`; otherwise returns null (an expired ticket is deleted too). Of several
   * concurrent callers at most one gets the ticket.
   */
  takeTicket(digest: string, kind: TicketKind, now: number): Promise<TicketRecord | null>;

  /** Deletes tickets with `expiresAt <= now`; returns how many. */
  deleteExpiredTickets(now: number): Promise<number>;
}
