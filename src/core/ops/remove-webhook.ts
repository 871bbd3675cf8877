/**
 * Removes a webhook endpoint added over the API (JSON `DELETE /webhooks/{id}`). Needs
 * `Webhooks.Manage`. Entries still in the outbox for it are abandoned when next claimed (counted in
 * `sessiond_webhook_deliveries_total{outcome="abandoned"}`), not sent.
 */

import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { originOf, webhookSettingName } from "../webhook-endpoints.ts";
import { storedWebhook } from "./_webhooks.ts";
import { WEBHOOK_ID } from "./update-webhook.ts";

export const removeWebhook = defineOperation({
  name: "webhooks.remove",
  auth: "user",
  privilege: "Webhooks.Manage",
  input: Type.Object({ id: WEBHOOK_ID }, { additionalProperties: false }),
  async run(ctx, input): Promise<{ removed: true }> {
    const existing = await storedWebhook(ctx, input.id);
    await ctx.store.deleteSetting(webhookSettingName(input.id));
    await ctx.audit("webhook-removed", { realm: null, detail: `${input.id} ${originOf(existing.url)}` });
    return { removed: true };
  },
});
