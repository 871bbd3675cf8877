/**
 * Webhooks on a shared PostgreSQL store: two nodes write events into one outbox and drain it at the
 * same time. Each event reaches the receiver once, and each session's events in the order they were
 * written, although each node writes a session's events without waiting between them (as the engine
 * emits them) over a pool of connections.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { createManualClock } from "../../src/core/clock.ts";
import { parseConfig } from "../../src/core/config.ts";
import type { SessionEvent } from "../../src/core/events.ts";
import type { EventType } from "../../src/core/types.ts";
import { createWebhookSender } from "../../src/server/webhook-sender.ts";
import { openPostgresStore } from "../../src/store/postgres/index.ts";
import { testPostgres } from "../helpers/postgres.ts";
import { startWebhookReceiver, verifyStandardWebhook } from "../helpers/webhook-receiver.ts";

const pg = await testPostgres();
const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const SESSIONS = 20;
const quiet = { warn() {}, error() {} };

function event(type: EventType, session: number, at: number): SessionEvent {
  return {
    type,
    at,
    sessionKey: `00000000-0000-4000-8000-${String(session).padStart(12, "0")}`,
    sessionNumber: session,
    realm: "default",
    userName: "alice",
    protocol: "api",
    actor: null,
    ipAddress: "127.0.0.1",
    detail: null,
  };
}

describe("webhooks on a shared PostgreSQL store", { skip: pg.skip }, () => {
  it("two nodes drain one outbox: every event once, each session's in order", async (t) => {
    const url = await pg.freshUrl();
    const receiver = await startWebhookReceiver();
    t.after(() => receiver.close());
    const clock = createManualClock();
    const { webhooks } = parseConfig({
      webhooks: [{ url: receiver.url, secret: SECRET, events: ["session.login", "session.logout", "session.ended"] }],
      webhookDelivery: { concurrency: 4 },
    });
    const nodes = await Promise.all(
      ["a", "b"].map(async (nodeId) => {
        const store = await openPostgresStore({ url, nodeId, poolSize: 4 });
        return { store, sender: createWebhookSender({ store, clock, settings: webhooks, nodeId, log: quiet }) };
      }),
    );
    t.after(async () => {
      for (const node of nodes) {
        await node.sender.stop();
        await node.store.close();
      }
    });

    const writes: (Promise<void> | undefined)[] = [];
    for (let session = 1; session <= SESSIONS; session++) {
      const node = nodes[session % 2];
      assert.ok(node);
      for (const type of ["login", "logout", "terminated"] as const) {
        writes.push(node.sender.outbox.recordEvent(event(type, session, clock.now())));
      }
    }
    await Promise.all(writes);
    for (const node of nodes) node.sender.start();
    await receiver.waitFor(() => receiver.deliveries.length >= SESSIONS * 3);
    await Promise.all(nodes.map((node) => node.sender.drain()));

    const ids = receiver.deliveries.map((delivery) => delivery.id);
    assert.equal(ids.length, SESSIONS * 3);
    assert.equal(new Set(ids).size, ids.length, "no event twice");
    for (let session = 1; session <= SESSIONS; session++) {
      const types = receiver.deliveries
        .filter((delivery) => delivery.json.data.sessionNumber === session)
        .map((delivery) => delivery.json.type);
      assert.deepEqual(types, ["session.login", "session.logout", "session.ended"], `session ${session}`);
    }
    assert.ok(receiver.deliveries.every((delivery) => verifyStandardWebhook(SECRET, delivery)));
    const delivered = nodes.reduce((sum, node) => sum + node.sender.stats().delivered, 0);
    assert.equal(delivered, SESSIONS * 3);
    assert.equal(await nodes[0]?.store.countOutbox(), 0);
  });
});
