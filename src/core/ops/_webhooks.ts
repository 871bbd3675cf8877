/**
 * What the webhook operations share: the node's endpoint list, which an engine without an outbox does
 * not have, and the stored endpoint an id names.
 */

import { SessionError } from "../errors.ts";
import type { OpContext } from "../operation.ts";
import { type StoredWebhook, type WebhookEndpointList, webhookIdOf, webhookSettingName } from "../webhook-endpoints.ts";

export function endpointsOf(ctx: OpContext): WebhookEndpointList {
  if (!ctx.webhooks) throw new SessionError("NOT_SUPPORTED", "This server sends no webhooks.");
  return ctx.webhooks;
}

/** The endpoint added over the API with this id; a configured one is refused, as it is the file's. */
export async function storedWebhook(ctx: OpContext, id: string): Promise<StoredWebhook> {
  const list = endpointsOf(ctx);
  if (list.configured.some((endpoint) => webhookIdOf(endpoint.url) === id)) {
    throw new SessionError(
      "INVALID_REQUEST",
      "This webhook is set in the configuration file: change it there and restart the server.",
    );
  }
  const stored = (await ctx.store.getSetting(webhookSettingName(id))) as StoredWebhook | null;
  if (!stored) throw new SessionError("NOT_FOUND", "No such webhook.", { details: { id } });
  return stored;
}
