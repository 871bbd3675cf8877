/**
 * The store contract suite, part three: single-use tickets (`TicketStore`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { TicketStore } from "../../../src/core/store/index.ts";
import { type Closable, type ContractOptions, rejectsWith, ticket } from "./fixtures.ts";

export function ticketStoreContract(
  name: string,
  make: () => Promise<TicketStore & Closable>,
  options: ContractOptions = {},
): void {
  describe(`Store contract, tickets: ${name}`, { skip: options.skip }, () => {
    let store: TicketStore & Closable;

    beforeEach(async () => {
      store = await make();
    });

    afterEach(async () => {
      await store.close();
    });

    describe("tickets", () => {
      it("takeTicket returns a stored ticket exactly once", async () => {
        const t = ticket("d1");
        const local = ticket("d2", { kind: "local", sessionKey: null });
        await store.insertTicket(t);
        await store.insertTicket(local);
        assert.deepEqual(await store.takeTicket("d1", "clone", 5_000), t);
        assert.equal(await store.takeTicket("d1", "clone", 5_000), null);
        assert.deepEqual(await store.takeTicket("d2", "local", 5_000), local);
      });

      it("takeTicket of an unknown digest returns null", async () => {
        assert.equal(await store.takeTicket("nope", "local", 0), null);
      });

      it("takeTicket gives the ticket to at most one of several concurrent callers", async () => {
        await store.insertTicket(ticket("d1"));
        const results = await Promise.all(Array.from({ length: 5 }, () => store.takeTicket("d1", "clone", 5_000)));
        assert.equal(results.filter((r) => r !== null).length, 1);
      });

      it("insertTicket rejects a duplicate digest with ALREADY_EXISTS", async () => {
        await store.insertTicket(ticket("d1"));
        await rejectsWith(store.insertTicket(ticket("d1", { kind: "local", userName: "mallory" })), "ALREADY_EXISTS");
        assert.deepEqual(await store.takeTicket("d1", "clone", 5_000), ticket("d1"));
      });

      it("takeTicket of the wrong kind returns null and leaves the ticket for its own kind", async () => {
        await store.insertTicket(ticket("d1", { kind: "local", sessionKey: null }));
        assert.equal(await store.takeTicket("d1", "clone", 5_000), null);
        assert.deepEqual(
          await store.takeTicket("d1", "local", 5_000),
          ticket("d1", { kind: "local", sessionKey: null }),
        );
      });

      it("takeTicket of an expired ticket (expiresAt <= now) returns null and deletes it", async () => {
        await store.insertTicket(ticket("d1", { expiresAt: 10_000 }));
        assert.equal(await store.takeTicket("d1", "clone", 10_000), null);
        // Gone: even an earlier clock cannot take it any more.
        assert.equal(await store.takeTicket("d1", "clone", 0), null);
        assert.equal(await store.deleteExpiredTickets(Number.MAX_SAFE_INTEGER), 0);
      });

      it("takeTicket just before expiresAt still succeeds", async () => {
        await store.insertTicket(ticket("d1", { expiresAt: 10_000 }));
        assert.deepEqual(await store.takeTicket("d1", "clone", 9_999), ticket("d1", { expiresAt: 10_000 }));
      });

      it("deleteExpiredTickets deletes tickets with expiresAt <= now and returns how many", async () => {
        await store.insertTicket(ticket("d1", { expiresAt: 100 }));
        await store.insertTicket(ticket("d2", { expiresAt: 200 }));
        await store.insertTicket(ticket("d3", { expiresAt: 300 }));
        assert.equal(await store.deleteExpiredTickets(50), 0);
        assert.equal(await store.deleteExpiredTickets(200), 2);
        assert.equal(await store.deleteExpiredTickets(200), 0);
        assert.equal(await store.takeTicket("d2", "clone", 0), null);
        assert.deepEqual(await store.takeTicket("d3", "clone", 0), ticket("d3", { expiresAt: 300 }));
      });
    });
  });
}
