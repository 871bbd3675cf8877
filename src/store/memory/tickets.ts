/**
 * The in-memory store's single-use tickets, by digest. Consuming one is a read and a delete in the
 * same synchronous step, which is what makes it atomic here.
 *
 * @module
 */

import type { TicketStore } from "../../core/store/index.ts";
import type { TicketKind, TicketRecord } from "../../core/types.ts";
import { alreadyExists } from "./already-exists.ts";

/** The `TicketStore` part of a memory store, empty at first. */
export class MemoryTickets implements TicketStore {
  private readonly tickets = new Map<string, TicketRecord>();

  async insertTicket(ticket: TicketRecord): Promise<void> {
    if (this.tickets.has(ticket.digest)) throw alreadyExists("A ticket with this digest");
    this.tickets.set(ticket.digest, { ...ticket });
  }

  async takeTicket(digest: string, kind: TicketKind, now: number): Promise<TicketRecord | null> {
    const ticket = this.tickets.get(digest);
    if (!ticket) return null;
    if (ticket.expiresAt <= now) {
      this.tickets.delete(digest);
      return null;
    }
    if (ticket.kind !== kind) return null;
    this.tickets.delete(digest);
    return { ...ticket };
  }

  async deleteExpiredTickets(now: number): Promise<number> {
    let deleted = 0;
    for (const [digest, ticket] of this.tickets) {
      if (ticket.expiresAt <= now) {
        this.tickets.delete(digest);
        deleted++;
      }
    }
    return deleted;
  }
}
