/**
 * The webhook endpoints a node sends to: those of the configuration file, which only a change of the
 * file changes, and those added over the admin API, which live in the store so that every node sends
 * to the same ones.
 *
 * An added endpoint is one setting, named from its URL (`webhook:` and a digest of the URL), so that
 * two nodes adding the same URL at once cannot both succeed (`putSettingIfAbsent`), and so that adding
 * one endpoint never rewrites another. Its signing secret is stored as given: it is a key the sender
 * signs with and the receiver checks with, not a secret to verify, so it cannot be a digest. Whoever
 * can read the store can forge this server's webhooks, never its sessions.
 *
 * Each node holds the list in memory and reads it again when an endpoint changes: at once on the node
 * that changed it, and on the others when its hint arrives (the engine reloads the list whenever the
 * directory changes anywhere), or at the latest after `RELOAD_INTERVAL_MS`.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { SettingsStore } from "./store/index.ts";
import type { WebhookEndpoint } from "./webhook-settings.ts";

/** Settings whose name starts with this hold one added endpoint each. */
export const WEBHOOK_SETTING_PREFIX = "webhook:";

/** How long a node may go without reading the added endpoints, even without a hint. */
export const RELOAD_INTERVAL_MS = 30_000;

/** An endpoint added over the admin API, as stored. */
export interface StoredWebhook extends WebhookEndpoint {
  id: string;
  createdAt: number;
  /** Who added it (`user@realm`). */
  createdBy: string;
  updatedAt: number;
}

/** An endpoint as the admin API shows it: never its secret. */
export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  /** `config`: from the configuration file, changed only there; `api`: added over the admin API. */
  source: "config" | "api";
  createdAt: number | null;
  createdBy: string | null;
  updatedAt: number | null;
}

/** An endpoint's id: the same for the same URL on every node, whichever way it was configured. */
export function webhookIdOf(url: string): string {
  return `wh_${createHash("sha256").update(url).digest("hex").slice(0, 24)}`;
}

/**
 * A URL's origin, which is what logs and the audit log name an endpoint by: its path or query may
 * hold a token (chat services put their credential there).
 */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(unreadable url)";
  }
}

export function webhookSettingName(id: string): string {
  return `${WEBHOOK_SETTING_PREFIX}${id}`;
}

export function viewOfWebhook(endpoint: WebhookEndpoint | StoredWebhook, source: "config" | "api"): WebhookView {
  const stored = "createdAt" in endpoint ? endpoint : null;
  return {
    id: stored?.id ?? webhookIdOf(endpoint.url),
    url: endpoint.url,
    events: [...endpoint.events],
    source,
    createdAt: stored?.createdAt ?? null,
    createdBy: stored?.createdBy ?? null,
    updatedAt: stored?.updatedAt ?? null,
  };
}

/** Every endpoint added over the admin API, in id order. */
export async function readStoredWebhooks(
  store: Pick<SettingsStore, "getSetting" | "listSettingNames">,
): Promise<StoredWebhook[]> {
  const names = (await store.listSettingNames()).filter((name) => name.startsWith(WEBHOOK_SETTING_PREFIX));
  const stored: StoredWebhook[] = [];
  for (const name of names) {
    const value = (await store.getSetting(name)) as StoredWebhook | null;
    if (value) stored.push(value);
  }
  return stored;
}

/** The endpoints one node sends to. */
export interface WebhookEndpointList {
  /** Those of the configuration file. */
  readonly configured: readonly WebhookEndpoint[];
  /** Every endpoint, configured ones first, as last read. */
  current(): readonly WebhookEndpoint[];
  /** The endpoint of an outbox entry, by its URL, as last read. */
  byUrl(url: string): WebhookEndpoint | undefined;
  /** Reads the added endpoints from the store again; resolves once `current()` shows them. */
  reload(): Promise<void>;
  /** Told after each reload that changed the list. */
  onChange(listener: () => void): void;
}

export function createWebhookEndpointList(
  configured: readonly WebhookEndpoint[],
  store: Pick<SettingsStore, "getSetting" | "listSettingNames">,
): WebhookEndpointList {
  const configuredUrls = new Set(configured.map((endpoint) => endpoint.url));
  let all: readonly WebhookEndpoint[] = configured;
  let byUrl = new Map(configured.map((endpoint) => [endpoint.url, endpoint]));
  const listeners: (() => void)[] = [];
  // Reloads that overlap share one read, and one asked for during a read runs after it, so the list
  // never ends up older than the last change anyone asked about.
  let reading: Promise<void> | undefined;
  let again = false;

  async function read(): Promise<void> {
    try {
      do {
        again = false;
        const stored = await readStoredWebhooks(store);
        // A URL in both places is the file's: the file wins, as it did when the endpoint was added.
        const added = stored.filter((endpoint) => !configuredUrls.has(endpoint.url));
        const next = [...configured, ...added.map(({ url, secret, events }) => ({ url, secret, events }))];
        const changed = JSON.stringify(next) !== JSON.stringify(all);
        all = next;
        byUrl = new Map(next.map((endpoint) => [endpoint.url, endpoint]));
        if (changed) for (const listener of listeners) listener();
      } while (again);
    } finally {
      // Cleared in the same step as the last check of `again`, so that no reload asked for after
      // that check is handed this read's (older) result.
      reading = undefined;
    }
  }

  return {
    configured,
    current: () => all,
    byUrl: (url) => byUrl.get(url),
    reload() {
      if (reading !== undefined) {
        again = true;
        return reading;
      }
      reading = read();
      return reading;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
