/**
 * Changes a webhook endpoint added over the API (JSON `PATCH /webhooks/{id}`): the events it is sent,
 * or its secret. Needs `Webhooks.Manage`. `rotateSecret` makes a new secret, answered this once;
 * entries already in the outbox are signed with the new one from then on. A removal at the same time
 * (on this node or another) wins: the change then answers `NOT_FOUND` rather than bring the endpoint
 * back.
 */

import { randomBytes } from "node:crypto";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { invalid } from "../validate.ts";
import { type StoredWebhook, viewOfWebhook, type WebhookView, webhookSettingName } from "../webhook-endpoints.ts";
import { secretWeakness } from "../webhook-settings.ts";
import { storedWebhook } from "./_webhooks.ts";
import { WEBHOOK_EVENT_LIST, WEBHOOK_SECRET } from "./add-webhook.ts";

/** Reads and conditional writes tried before giving up on a webhook that others keep changing. */
const MAX_ATTEMPTS = 5;

export const WEBHOOK_ID = Type.String({ pattern: "^wh_[0-9a-f]{24}$", description: "The webhook's id" });

export const updateWebhook = defineOperation({
  name: "webhooks.update",
  auth: "user",
  privilege: "Webhooks.Manage",
  input: Type.Object(
    {
      id: WEBHOOK_ID,
      events: Type.Optional(WEBHOOK_EVENT_LIST),
      secret: Type.Optional(WEBHOOK_SECRET),
      rotateSecret: Type.Optional(Type.Boolean({ description: "Make a new secret and answer it" })),
    },
    { additionalProperties: false },
  ),
  refine(input) {
    if (input.secret !== undefined && input.rotateSecret === true) {
      throw invalid("secret", "must not be given with rotateSecret");
    }
    const weakness = input.secret === undefined ? null : secretWeakness(input.secret);
    if (weakness !== null) throw invalid("secret", weakness);
    return input;
  },
  async run(ctx, input): Promise<WebhookView & { secret?: string }> {
    const secret = input.rotateSecret ? `whsec_${randomBytes(32).toString("base64")}` : input.secret;
    // Written only over the value read, so that a removal in between is not undone and two changes
    // at once both hold (the later one is made again on top of the earlier).
    let changed: StoredWebhook | undefined;
    for (let attempt = 0; changed === undefined; attempt++) {
      if (attempt === MAX_ATTEMPTS) {
        throw new SessionError("INVALID_REQUEST", "The webhook keeps changing under this call: try again.");
      }
      const existing = await storedWebhook(ctx, input.id);
      const next: StoredWebhook = {
        ...existing,
        events: input.events ? [...input.events] : existing.events,
        secret: secret ?? existing.secret,
        updatedAt: ctx.clock.now(),
      };
      if (await ctx.store.replaceSettingIf(webhookSettingName(input.id), existing, next)) changed = next;
    }
    const what = [
      ...(input.events ? [`events=${input.events.join(",")}`] : []),
      ...(secret !== undefined ? ["secret changed"] : []),
    ];
    await ctx.audit("webhook-updated", { realm: null, detail: `${input.id} ${what.join("; ") || "nothing changed"}` });
    const view = viewOfWebhook(changed, "api");
    return input.rotateSecret ? { ...view, secret: changed.secret } : view;
  },
});
