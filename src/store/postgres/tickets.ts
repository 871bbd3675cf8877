/**
 * Single-use tickets on PostgreSQL (`TicketStore`).
 *
 * `takeTicket` is one `DELETE ... RETURNING`: it deletes the ticket when it is live and of the asked
 * kind, or when it has expired (whatever its kind), and says which it was. Of several callers on any
 * node, only the one whose DELETE removed the row can get the ticket.
 *
 * @module
 */

import type { TicketStore } from "../../core/store/index.ts";
import type { StoreContext } from "./context.ts";
import { type TicketRow, ticketFromRow } from "./rows.ts";

export function createTicketsPart(context: StoreContext): TicketStore {
  const { run } = context;
  return {
    insertTicket: (ticket) =>
      run(async (sql) => {
        await sql`
          INSERT INTO tickets (digest, kind, realm, user_name, session_key, expires_at)
          VALUES (${ticket.digest}, ${ticket.kind}, ${ticket.realm}, ${ticket.userName}, ${ticket.sessionKey},
            ${ticket.expiresAt})`;
      }),

    takeTicket: (digest, kind, now) =>
      run(async (sql) => {
        // Expiry times are whole milliseconds: "expires_at > now" holds exactly when "> floor(now)".
        const at = Math.floor(now);
        const [row] = await sql<(TicketRow & { live: boolean })[]>`
          DELETE FROM tickets
          WHERE digest = ${digest} AND (expires_at <= ${at}::bigint OR kind = ${kind})
          RETURNING *, expires_at > ${at}::bigint AS live`;
        if (!row?.live) return null;
        const { live: _, ...ticket } = row;
        return ticketFromRow(ticket);
      }),

    deleteExpiredTickets: (now) =>
      run(async (sql) => (await sql`DELETE FROM tickets WHERE expires_at <= ${Math.floor(now)}::bigint`).count),
  };
}
