/**
 * Writes webhook events into the store's outbox, one entry per subscribed endpoint, while the call
 * that caused them is still open: the engine waits for `recordEvent` and `recordChange` before the
 * call answers (`engine.ts`), so an event of an answered request is in the store. The sender
 * (`server/webhook-sender.ts`) delivers entries from there, off the request path.
 *
 * The backlog is bounded by `maxBacklog`: past it, new events are not written (a dead receiver must
 * not fill the store) but counted as `refused` and logged. The count it is judged by is the store's
 * count as the sender last read it plus what this node wrote since, so with several nodes it may be
 * passed by what the others write between two counts.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import type { Clock } from "./clock.ts";
import type { SessionEvent } from "./events.ts";
import type { NewOutboxEntry, OutboxStore } from "./store/index.ts";
import type { WebhookEndpointList } from "./webhook-endpoints.ts";
import {
  type DirectoryChangeNotice,
  type WebhookMessage,
  webhookOfDirectoryChange,
  webhookOfSessionEvent,
} from "./webhook-events.ts";

/** Where the engine writes what must leave the process about its events. */
export interface EventOutbox {
  /** Writes what an event causes; undefined when it causes nothing (no endpoint takes it). */
  recordEvent(event: SessionEvent): Promise<void> | undefined;
  recordChange(notice: DirectoryChangeNotice): Promise<void> | undefined;
  /** The endpoints written for, which the webhook operations change. */
  readonly endpoints?: WebhookEndpointList;
}

export interface WebhookOutbox extends EventOutbox {
  readonly endpoints: WebhookEndpointList;
  /** Entries in the outbox: the last count plus those written since. */
  readonly backlog: number;
  /** Entries not written because the backlog was full. */
  readonly refused: number;
  /** Sets the backlog from a count of the store. */
  counted(entries: number): void;
  /** Called after entries were written (the sender wakes up). */
  onWritten(listener: () => void): void;
}

export interface WebhookOutboxOptions {
  store: OutboxStore;
  clock: Clock;
  endpoints: WebhookEndpointList;
  maxBacklog: number;
  /** Told when events are refused for a full backlog: at the first, then once per `maxBacklog` more. */
  warn: (object: unknown, message: string) => void;
}

export function createWebhookOutbox(options: WebhookOutboxOptions): WebhookOutbox {
  const { store, clock, endpoints, maxBacklog, warn } = options;
  let backlog = 0;
  let refused = 0;
  // Refusals are logged at the first, then once per `maxBacklog` more.
  let warnAt = 0;
  const listeners: (() => void)[] = [];
  // One write at a time, so that the store numbers entries in the order their events happened even
  // over a pool of connections. What comes while a write is in flight waits and goes in the next one,
  // together: a thousand sessions expiring at once cost a few writes, not a thousand round trips that
  // every request would wait behind.
  let writing = false;
  let waiting: { entries: NewOutboxEntry[]; written: Promise<void>; settle: (error?: unknown) => void } | undefined;

  function inOrder(entries: NewOutboxEntry[]): Promise<void> {
    if (!writing) return send(entries);
    if (!waiting) {
      let settle: (error?: unknown) => void = () => {};
      const written = new Promise<void>((resolve, reject) => {
        settle = (error) => (error === undefined ? resolve() : reject(error));
      });
      waiting = { entries: [], written, settle };
    }
    waiting.entries.push(...entries);
    return waiting.written;
  }

  function send(entries: NewOutboxEntry[]): Promise<void> {
    writing = true;
    const written = store.enqueueOutbox(entries);
    written.then(sendWaiting, sendWaiting);
    return written;
  }

  function sendWaiting(): void {
    writing = false;
    const next = waiting;
    waiting = undefined;
    if (!next) return;
    send(next.entries).then(
      () => next.settle(),
      (error: unknown) => next.settle(error ?? new Error("The outbox write failed")),
    );
  }

  async function write(message: WebhookMessage | null): Promise<void> {
    if (!message) return;
    const targets = endpoints.current().filter((endpoint) => endpoint.events.includes(message.type));
    if (targets.length === 0) return;
    if (backlog + targets.length > maxBacklog) {
      if (refused >= warnAt) {
        warnAt = refused + maxBacklog;
        warn(
          { backlog, maxBacklog, refused: refused + targets.length },
          "The webhook outbox is full: events are not sent",
        );
      }
      refused += targets.length;
      return;
    }
    const createdAt = clock.now();
    const entries: NewOutboxEntry[] = targets.map((endpoint) => ({
      id: `msg_${randomUUID()}`,
      endpoint: endpoint.url,
      orderKey: message.orderKey,
      eventType: message.type,
      payload: message.payload,
      createdAt,
    }));
    backlog += entries.length;
    await inOrder(entries);
    for (const listener of listeners) listener();
  }

  return {
    get backlog() {
      return backlog;
    },
    get refused() {
      return refused;
    },
    counted(entries) {
      backlog = entries;
    },
    onWritten(listener) {
      listeners.push(listener);
    },
    endpoints,
    // A relayed event was written by the node that emitted it. With no endpoint, no message is made.
    recordEvent: (event) =>
      event.remote || endpoints.current().length === 0 ? undefined : write(webhookOfSessionEvent(event)),
    recordChange: (notice) => (endpoints.current().length === 0 ? undefined : write(webhookOfDirectoryChange(notice))),
  };
}
