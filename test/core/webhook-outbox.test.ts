/**
 * The outbox writer (`core/webhook-outbox.ts`): which events it writes for which endpoints, what their
 * bodies leave out, the backlog limit, and writes made one after the other, in order, those that
 * arrive together going in one store call.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createManualClock } from "../../src/core/clock.ts";
import type { SessionEvent } from "../../src/core/events.ts";
import type { NewOutboxEntry, OutboxStore } from "../../src/core/store/index.ts";
import type { EventType } from "../../src/core/types.ts";
import { createWebhookEndpointList } from "../../src/core/webhook-endpoints.ts";
import { createWebhookOutbox } from "../../src/core/webhook-outbox.ts";
import type { WebhookEndpoint } from "../../src/core/webhook-settings.ts";
import { createMemoryStore } from "../../src/store/memory/index.ts";

const LOGINS: WebhookEndpoint = { url: "http://127.0.0.1:9/logins", secret: "s".repeat(16), events: ["session.login"] };
const ENDINGS: WebhookEndpoint = {
  url: "http://127.0.0.1:9/endings",
  secret: "s".repeat(16),
  events: ["session.ended", "login.failed", "user.changed"],
};

function event(type: EventType, overrides: Partial<SessionEvent> = {}): SessionEvent {
  return {
    type,
    at: Date.UTC(2026, 10, 22, 12),
    sessionKey: "00000000-0000-4000-8000-000000000001",
    sessionNumber: 1,
    realm: "default",
    userName: "alice",
    protocol: "api",
    actor: null,
    ipAddress: "127.0.0.1",
    detail: null,
    ...overrides,
  };
}

/** A store whose outbox writes are recorded, and held until the test lets them finish. */
function recordingStore() {
  const store = createMemoryStore();
  const calls: NewOutboxEntry[][] = [];
  const held: (() => void)[] = [];
  const outbox: OutboxStore = {
    ...store,
    enqueueOutbox: async (entries) => {
      calls.push([...entries]);
      await new Promise<void>((resolve) => held.push(resolve));
      await store.enqueueOutbox(entries);
    },
    claimOutbox: (...args) => store.claimOutbox(...args),
  };
  const release = () => {
    for (const resolve of held.splice(0)) resolve();
  };
  return { store, outbox, calls, release };
}

function outboxOver(store: OutboxStore, maxBacklog = 1000, warnings: string[] = []) {
  return createWebhookOutbox({
    store,
    clock: createManualClock(),
    endpoints: createWebhookEndpointList([LOGINS, ENDINGS], createMemoryStore()),
    maxBacklog,
    warn: (_object, message) => warnings.push(message),
  });
}

describe("webhook outbox", () => {
  it("writes an event for each endpoint that subscribed to it, and nothing for the others", async () => {
    const store = createMemoryStore();
    const outbox = outboxOver(store);
    await outbox.recordEvent(event("login"));
    await outbox.recordEvent(event("expired-idle"));
    await outbox.recordEvent(event("locale-changed"));
    await outbox.recordEvent(event("created"));
    await outbox.recordEvent(event("terminated", { remote: true }));
    await outbox.recordChange({
      at: 1,
      change: "password-changed",
      realm: "default",
      userName: "alice",
      actor: null,
      detail: null,
    });
    await outbox.recordChange({
      at: 1,
      change: "group-created",
      realm: "default",
      userName: null,
      actor: null,
      detail: "g",
    });
    const claimed = await store.claimOutbox(Number.MAX_SAFE_INTEGER, 0, 100, "test");
    assert.deepEqual(
      claimed.map((entry) => [entry.endpoint, entry.eventType, entry.orderKey]),
      [
        [LOGINS.url, "session.login", "00000000-0000-4000-8000-000000000001"],
        [ENDINGS.url, "session.ended", "00000000-0000-4000-8000-000000000001"],
        [ENDINGS.url, "user.changed", "user:default/alice"],
      ],
    );
    assert.deepEqual(JSON.parse(claimed[1]?.payload ?? ""), {
      type: "session.ended",
      timestamp: "2026-11-22T12:00:00.000Z",
      data: {
        reason: "expired-idle",
        sessionKey: "00000000-0000-4000-8000-000000000001",
        sessionNumber: 1,
        realm: "default",
        userName: "alice",
        protocol: "api",
        ipAddress: "127.0.0.1",
        actor: null,
        detail: null,
      },
    });
    assert.equal(outbox.backlog, 3);
  });

  it("never sends the name typed in a failed login when no user has it", async () => {
    const store = createMemoryStore();
    await outboxOver(store).recordEvent(
      event("login-failed", { userName: null, unknownUserName: "correct horse battery staple" }),
    );
    const [entry] = await store.claimOutbox(Number.MAX_SAFE_INTEGER, 0, 100, "test");
    assert.ok(entry);
    assert.doesNotMatch(entry.payload, /correct horse/);
    assert.equal(JSON.parse(entry.payload).data.userName, null);
  });

  it("writes one call at a time, in order; what arrives meanwhile goes in the next call, together", async () => {
    const { store, outbox, calls, release } = recordingStore();
    const writer = outboxOver(outbox);
    const written = Array.from({ length: 50 }, (_, n) =>
      writer.recordEvent(event("login", { sessionNumber: n, sessionKey: `session-${n}` })),
    );
    assert.equal(calls.length, 1, "the first write is in flight; the others wait");
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.length, 2);
    assert.equal(calls[1]?.length, 49);
    release();
    await Promise.all(written);
    const numbers = (await store.claimOutbox(Number.MAX_SAFE_INTEGER, 0, 100, "test")).map(
      (entry) => JSON.parse(entry.payload).data.sessionNumber,
    );
    assert.deepEqual(
      numbers,
      Array.from({ length: 50 }, (_, n) => n),
    );
  });

  it("refuses events past the backlog limit, counts them, and warns at the first and every maxBacklog more", async () => {
    const store = createMemoryStore();
    const warnings: string[] = [];
    const outbox = outboxOver(store, 2, warnings);
    for (let n = 0; n < 5; n++) await outbox.recordEvent(event("login"));
    assert.equal(await store.countOutbox(), 2);
    assert.equal(outbox.refused, 3);
    assert.deepEqual(warnings, [
      "The webhook outbox is full: events are not sent",
      "The webhook outbox is full: events are not sent",
    ]);
    outbox.counted(0);
    await outbox.recordEvent(event("login"));
    assert.equal(await store.countOutbox(), 3, "room again once a count shows it");
  });
});
