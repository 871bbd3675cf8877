/**
 * Delivers the webhook outbox, off the request path: claims due entries from the store with a lease,
 * POSTs each to its endpoint signed (`webhook-signature.ts`), deletes it once the receiver answered
 * 2xx, and otherwise reschedules it with exponential backoff until `maxAttempts` or `maxAgeSeconds`
 * is reached, when it is abandoned (deleted, counted and logged).
 *
 * Delivery is at least once. An entry is deleted only after its receiver took it, so a node killed
 * while sending leaves it to be claimed again once its lease has passed, by this node after a
 * restart or by any other; the receiver then gets it again with the same `webhook-id`. A receiver that
 * answers after the lease has passed may also get it twice, with the same id.
 *
 * The store hands out one entry of a session (per endpoint) at a time, so a session's events arrive
 * in the order they were written; an entry that keeps failing holds back the later ones of its session
 * until it is delivered or abandoned.
 *
 * A pass claims at most `concurrency` entries and sends them at once; passes follow each other while
 * there is work, are started at once when this node writes an entry or the endpoints change, and
 * otherwise every `pollMs` while there is any endpoint.
 * Stopping cuts the requests in flight short and leaves their entries to be claimed again once their
 * claims lapse, so that a dead receiver cannot hold up a shutdown.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import { type ClientRequest, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Clock } from "../core/clock.ts";
import type { OutboxEntry, OutboxStore, SettingsStore } from "../core/store/index.ts";
import { createWebhookEndpointList, originOf, RELOAD_INTERVAL_MS } from "../core/webhook-endpoints.ts";
import { createWebhookOutbox, type WebhookOutbox } from "../core/webhook-outbox.ts";
import type { WebhookEndpoint, WebhookSettings } from "../core/webhook-settings.ts";
import { signWebhook } from "./webhook-signature.ts";

/** What the outbox and its deliveries have done, for metrics and `/healthz`. */
export interface WebhookStats {
  /** Entries waiting in the outbox (claimed or not), as last counted plus those written since. */
  backlog: number;
  /** Deliveries a receiver took (2xx). */
  delivered: number;
  /** Delivery attempts that failed (no answer, or not 2xx). */
  failed: number;
  /** Entries given up after too many attempts or too long, or whose endpoint is no longer configured. */
  abandoned: number;
  /** Events not written because the backlog was full. */
  refused: number;
}

export interface WebhookSender {
  /** What the engine writes events into (`EngineOptions.outbox`). */
  readonly outbox: WebhookOutbox;
  stats(): WebhookStats;
  /** Reads the endpoints added over the API and starts polling the outbox while there are any. */
  start(): Promise<void>;
  /** Runs passes until none is due now; resolves when they are done (tests, and `stop`). */
  drain(): Promise<void>;
  /** Stops polling and waits for deliveries in flight. */
  stop(): Promise<void>;
}

export interface WebhookSenderOptions {
  /** Where the outbox is, and the endpoints added over the admin API. */
  store: OutboxStore & Pick<SettingsStore, "getSetting" | "listSettingNames">;
  clock: Clock;
  settings: WebhookSettings;
  nodeId: string;
  log: { warn(object: unknown, message?: string): void; error(object: unknown, message?: string): void };
}

/** The most of a receiver's error that is kept with the entry. */
const MAX_ERROR_LENGTH = 200;

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { store, clock, settings, nodeId, log } = options;
  const delivery = settings.delivery;
  const endpoints = createWebhookEndpointList(settings.endpoints, store);
  // A claim outlives a delivery's timeout, so that no other node takes an entry still being sent.
  const leaseMs = delivery.timeoutMs * 2 + 1000;
  const outbox = createWebhookOutbox({
    store,
    clock,
    endpoints,
    maxBacklog: delivery.maxBacklog,
    warn: (object, message) => log.warn(object, message),
  });
  let delivered = 0;
  let failed = 0;
  let abandoned = 0;
  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let wakeAgain = false;
  // Requests in flight, cut short by `stop`: their entries' claims lapse and they are sent again.
  const inFlight = new Set<ClientRequest>();

  async function pass(): Promise<number> {
    outbox.counted(await store.countOutbox());
    const now = clock.now();
    const claim = `${nodeId}:${randomUUID()}`;
    const claimed = await store.claimOutbox(now, now + leaseMs, delivery.concurrency, claim);
    // An entry for an endpoint this node does not know may be for one another node added a moment
    // ago, whose hint has not arrived: read the endpoints again, once per pass, before giving any up.
    if (claimed.some((entry) => endpoints.byUrl(entry.endpoint) === undefined)) await endpoints.reload();
    await Promise.all(claimed.map(deliver));
    return claimed.length;
  }

  async function deliver(entry: OutboxEntry): Promise<void> {
    try {
      const endpoint = endpoints.byUrl(entry.endpoint);
      if (!endpoint) {
        await abandon(entry, "its endpoint is no longer configured");
        return;
      }
      const error = await post(endpoint, entry);
      if (stopped && error !== null) return;
      if (error === null) {
        delivered += 1;
        await store.completeOutbox(entry.id, entry.claim);
        return;
      }
      failed += 1;
      const now = clock.now();
      if (entry.attempts >= delivery.maxAttempts || now - entry.createdAt >= delivery.maxAgeSeconds * 1000) {
        await abandon(entry, error);
        return;
      }
      await store.retryOutbox(entry.id, entry.claim, now + backoffMs(entry.attempts), error);
    } catch (error) {
      // The store failed: the claim lapses and the entry is claimed again later.
      log.error({ err: error, webhookId: entry.id }, "Could not record a webhook delivery; it will be retried");
    }
  }

  async function abandon(entry: OutboxEntry, reason: string): Promise<void> {
    abandoned += 1;
    log.warn(
      // The endpoint by its origin only: a path or query may hold a token.
      {
        webhookId: entry.id,
        endpoint: originOf(entry.endpoint),
        event: entry.eventType,
        attempts: entry.attempts,
        reason,
      },
      "A webhook delivery was abandoned",
    );
    await store.completeOutbox(entry.id, entry.claim);
  }

  /** The wait after the n-th failed attempt: doubling from `firstRetryMs`, at most `maxRetryMs`. */
  function backoffMs(attempts: number): number {
    return Math.min(delivery.maxRetryMs, delivery.firstRetryMs * 2 ** Math.min(attempts - 1, 40));
  }

  /** POSTs one entry; answers null when the receiver took it, or what went wrong. */
  function post(endpoint: WebhookEndpoint, entry: OutboxEntry): Promise<string | null> {
    const body = Buffer.from(entry.payload, "utf8");
    const headers = signWebhook(endpoint.secret, entry.id, Math.floor(clock.now() / 1000), entry.payload);
    const url = new URL(endpoint.url);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const request = send(
        url,
        {
          method: "POST",
          headers: {
            ...headers,
            "content-type": "application/json",
            "content-length": body.length,
            "user-agent": "sessiond-webhooks",
          },
          timeout: delivery.timeoutMs,
        },
        (response) => {
          response.resume();
          const status = response.statusCode ?? 0;
          response.on("end", () => resolve(status >= 200 && status < 300 ? null : `HTTP ${status}`));
          response.on("error", (error) => resolve(describe(error)));
        },
      );
      inFlight.add(request);
      request.on("close", () => inFlight.delete(request));
      request.on("timeout", () => request.destroy(new Error(`no answer within ${delivery.timeoutMs} ms`)));
      request.on("error", (error) => resolve(describe(error)));
      request.end(body);
    });
  }

  function wake(): void {
    // With no endpoint, nothing is polled, unless entries are left of endpoints removed since.
    if (stopped || !started || (endpoints.current().length === 0 && outbox.backlog === 0)) return;
    if (running !== undefined) {
      wakeAgain = true;
      return;
    }
    clearTimeout(timer);
    running = passes().finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(wake, delivery.pollMs).unref();
    });
  }

  async function passes(): Promise<void> {
    try {
      do {
        wakeAgain = false;
        if ((await pass()) === 0 && !wakeAgain) break;
      } while (!stopped);
    } catch (error) {
      log.error({ err: error }, "Could not read the webhook outbox; will retry");
    }
  }

  outbox.onWritten(wake);
  endpoints.onChange(wake);
  let reloading: NodeJS.Timeout | undefined;
  async function refresh(): Promise<void> {
    await reload();
    if (endpoints.current().length === 0) {
      try {
        outbox.counted(await store.countOutbox());
      } catch (error) {
        log.error({ err: error }, "Could not count the webhook outbox; will retry");
      }
    }
    wake();
  }

  function reload(): Promise<void> {
    return endpoints.reload().catch((error: unknown) => {
      log.error({ err: error }, "Could not read the webhook endpoints; will retry");
    });
  }

  return {
    outbox,
    stats: () => ({ backlog: outbox.backlog, delivered, failed, abandoned, refused: outbox.refused }),
    async start() {
      if (started) return;
      started = true;
      // Endpoints added over the admin API are read now, and again now and then in case a hint from
      // another node was missed (`webhook-endpoints.ts`).
      // With no endpoint the outbox is counted too: entries left for endpoints removed since (by this
      // node before a restart, or by a node that died) are then claimed and given up.
      reloading = setInterval(() => void refresh(), RELOAD_INTERVAL_MS).unref();
      await refresh();
    },
    async drain() {
      wake();
      while (running !== undefined) await running;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(reloading);
      for (const request of inFlight) request.destroy(new Error("the server is stopping"));
      await running;
    },
  };
}

function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const text = typeof code === "string" ? `${code}: ${error.message}` : error.message;
  return text.slice(0, MAX_ERROR_LENGTH);
}
