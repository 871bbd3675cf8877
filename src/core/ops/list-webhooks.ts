/**
 * The webhook endpoints every node sends to (JSON `GET /webhooks`): those of the configuration file,
 * then those added over the API, never with their secrets. Needs `Webhooks.Manage`.
 */

import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { readStoredWebhooks, viewOfWebhook, type WebhookView } from "../webhook-endpoints.ts";
import { endpointsOf } from "./_webhooks.ts";

export const listWebhooks = defineOperation({
  name: "webhooks.list",
  auth: "user",
  privilege: "Webhooks.Manage",
  input: Type.Object({}, { additionalProperties: false }),
  async run(ctx): Promise<{ webhooks: WebhookView[] }> {
    const list = endpointsOf(ctx);
    const configuredUrls = new Set(list.configured.map((endpoint) => endpoint.url));
    // Read from the store, not the node's list, so that the answer holds what another node added a
    // moment ago.
    const stored = (await readStoredWebhooks(ctx.store)).filter((endpoint) => !configuredUrls.has(endpoint.url));
    return {
      webhooks: [
        ...list.configured.map((endpoint) => viewOfWebhook(endpoint, "config")),
        ...stored.map((endpoint) => viewOfWebhook(endpoint, "api")),
      ],
    };
  },
});
