/**
 * One webhook endpoint, without its secret (JSON `GET /webhooks/{id}`). Needs `Webhooks.Manage`.
 */

import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import type { WebhookView } from "../webhook-endpoints.ts";
import { listWebhooks } from "./list-webhooks.ts";
import { WEBHOOK_ID } from "./update-webhook.ts";

export const getWebhook = defineOperation({
  name: "webhooks.get",
  auth: "user",
  privilege: "Webhooks.Manage",
  input: Type.Object({ id: WEBHOOK_ID }, { additionalProperties: false }),
  async run(ctx, input): Promise<WebhookView> {
    const { webhooks } = await listWebhooks.run(ctx, {});
    const found = webhooks.find((webhook) => webhook.id === input.id);
    if (!found) throw new SessionError("NOT_FOUND", "No such webhook.", { details: { id: input.id } });
    return found;
  },
});
