/**
 * The webhooks' settings: the endpoints events are sent to (`webhooks`, a list), and how the outbox
 * is drained (`webhookDelivery`). Read with the readers of `config-readers.ts`, so that a wrong
 * setting is refused in the words of every other.
 *
 * @module
 */

import { checkKnownSettings, failSetting, integerSetting, settingsObject, textSetting } from "./config-readers.ts";

/** The events an endpoint may subscribe to (`webhook-events.ts` says which engine events they are). */
export const WEBHOOK_EVENTS = [
  "session.created",
  "session.login",
  "session.logout",
  "session.ended",
  "login.failed",
  "login.throttled",
  "user.changed",
] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookEndpoint {
  /** Where events are POSTed: an http or https URL. Also the endpoint's identity in the outbox. */
  url: string;
  /** The signing secret: `whsec_` and base64 (Standard Webhooks), or any other text, used as it is. */
  secret: string;
  /** The events sent to it. */
  events: WebhookEventName[];
}

export interface WebhookDelivery {
  /**
   * Most entries the outbox holds; events past it are not written (counted as `refused` and logged),
   * so that a dead receiver cannot fill the store. @default 100000
   */
  maxBacklog: number;
  /** Attempts at one entry before it is abandoned. @default 15 */
  maxAttempts: number;
  /** Age past which an entry that fails again is abandoned, in seconds. @default 86400 */
  maxAgeSeconds: number;
  /** Wait before the first retry, in ms; it doubles with each failure. @default 1000 */
  firstRetryMs: number;
  /** Longest wait between retries, in ms. @default 3600000 */
  maxRetryMs: number;
  /** Time a receiver has to answer one delivery, in ms. @default 10000 */
  timeoutMs: number;
  /** How often the outbox is looked at for due entries when nothing new was written, in ms. @default 1000 */
  pollMs: number;
  /** Deliveries in flight at once, from this node. @default 16 */
  concurrency: number;
}

export interface WebhookSettings {
  endpoints: WebhookEndpoint[];
  delivery: WebhookDelivery;
}

export const DEFAULT_WEBHOOK_DELIVERY: WebhookDelivery = {
  maxBacklog: 100_000,
  maxAttempts: 15,
  maxAgeSeconds: 86_400,
  firstRetryMs: 1000,
  maxRetryMs: 3_600_000,
  timeoutMs: 10_000,
  pollMs: 1000,
  concurrency: 16,
};

/** The `webhooks` list and the `webhookDelivery` block of a raw configuration (either may be absent). */
export function parseWebhookSettings(endpoints: unknown, delivery: unknown): WebhookSettings {
  const settings: WebhookSettings = { endpoints: [], delivery: { ...DEFAULT_WEBHOOK_DELIVERY } };
  if (endpoints !== undefined) {
    if (!Array.isArray(endpoints)) failSetting("webhooks", "must be a list");
    settings.endpoints = endpoints.map((raw, i) => parseEndpoint(raw, `webhooks[${i}]`));
    const urls = new Set<string>();
    for (const [i, endpoint] of settings.endpoints.entries()) {
      if (urls.has(endpoint.url)) failSetting(`webhooks[${i}].url`, "repeats the url of an earlier webhook");
      urls.add(endpoint.url);
    }
  }
  if (delivery !== undefined) {
    const raw = settingsObject(delivery, "webhookDelivery");
    const names = Object.keys(DEFAULT_WEBHOOK_DELIVERY) as (keyof WebhookDelivery)[];
    checkKnownSettings(raw, "webhookDelivery", names);
    for (const name of names) {
      if (raw[name] !== undefined) settings.delivery[name] = integerSetting(raw[name], `webhookDelivery.${name}`, 1);
    }
    if (settings.delivery.firstRetryMs > settings.delivery.maxRetryMs) {
      failSetting("webhookDelivery.firstRetryMs", "must be at most webhookDelivery.maxRetryMs");
    }
  }
  return settings;
}

function parseEndpoint(value: unknown, path: string): WebhookEndpoint {
  const raw = settingsObject(value, path);
  checkKnownSettings(raw, path, ["url", "secret", "events"]);
  const url = textSetting(raw.url, `${path}.url`, { max: MAX_WEBHOOK_URL });
  if (!isWebhookUrl(url)) failSetting(`${path}.url`, WEBHOOK_URL_EXPECTATION);
  const secret = textSetting(raw.secret, `${path}.secret`, { max: MAX_WEBHOOK_SECRET });
  const weakness = secretWeakness(secret);
  if (weakness !== null) failSetting(`${path}.secret`, weakness);
  if (!Array.isArray(raw.events) || raw.events.length === 0) {
    failSetting(`${path}.events`, `must be a non-empty list of ${WEBHOOK_EVENTS.join(", ")}`);
  }
  const events = raw.events.map((event: unknown, i: number) => {
    if (!WEBHOOK_EVENTS.includes(event as WebhookEventName)) {
      failSetting(`${path}.events[${i}]`, `must be one of ${WEBHOOK_EVENTS.join(", ")}`);
    }
    return event as WebhookEventName;
  });
  return { url, secret, events: [...new Set(events)] };
}

export const MAX_WEBHOOK_URL = 2048;
export const MAX_WEBHOOK_SECRET = 1024;
export const WEBHOOK_URL_EXPECTATION = "must be an http:// or https:// URL without a user name or password";

/** What is wrong with a signing secret (in the words of "must …"), or null when it will do. */
export function secretWeakness(secret: string): string | null {
  if (secret.startsWith("whsec_")) {
    return signingKey(secret).length < 16 ? "must hold at least 16 bytes of base64 after whsec_" : null;
  }
  return secret.length < 16 ? "must be at least 16 characters" : null;
}

/** An http or https URL, with no credentials in it (they would be logged and shown with the URL). */
export function isWebhookUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}

/**
 * The HMAC key of a secret: the bytes after `whsec_` (Standard Webhooks' form), or the secret's
 * UTF-8 bytes when it has another form.
 */
export function signingKey(secret: string): Buffer {
  return secret.startsWith("whsec_")
    ? Buffer.from(secret.slice("whsec_".length), "base64")
    : Buffer.from(secret, "utf8");
}
