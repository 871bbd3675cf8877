/**
 * Adds a webhook endpoint (JSON `POST /webhooks`). Needs `Webhooks.Manage`, a privilege of its own:
 * an endpoint receives every session event it subscribes to, with user names and client addresses.
 *
 * The URL is the endpoint's identity, here and in the outbox, so it cannot be changed: remove the
 * endpoint and add another. Without a secret, one is made in the Standard Webhooks form (`whsec_` and
 * 32 random bytes in base64); either way it is answered this once and never shown again.
 */

import { randomBytes } from "node:crypto";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { choiceOf, Type } from "../schema.ts";
import { invalid } from "../validate.ts";
import {
  originOf,
  type StoredWebhook,
  viewOfWebhook,
  type WebhookView,
  webhookIdOf,
  webhookSettingName,
} from "../webhook-endpoints.ts";
import {
  isWebhookUrl,
  MAX_WEBHOOK_SECRET,
  MAX_WEBHOOK_URL,
  secretWeakness,
  WEBHOOK_EVENTS,
  WEBHOOK_URL_EXPECTATION,
} from "../webhook-settings.ts";
import { endpointsOf } from "./_webhooks.ts";

export const WEBHOOK_EVENT_LIST = Type.Array(choiceOf(WEBHOOK_EVENTS), {
  minItems: 1,
  maxItems: WEBHOOK_EVENTS.length,
  uniqueItems: true,
  description: "The events sent to it",
});

export const WEBHOOK_SECRET = Type.String({
  minLength: 16,
  maxLength: MAX_WEBHOOK_SECRET,
  description: "The signing secret: `whsec_` and base64 of at least 16 bytes, or any text of 16 characters or more",
});

export const addWebhook = defineOperation({
  name: "webhooks.add",
  auth: "user",
  privilege: "Webhooks.Manage",
  input: Type.Object(
    {
      url: Type.String({ minLength: 1, maxLength: MAX_WEBHOOK_URL, description: "Where events are POSTed" }),
      events: WEBHOOK_EVENT_LIST,
      secret: Type.Optional(WEBHOOK_SECRET),
    },
    { additionalProperties: false },
  ),
  refine(input) {
    if (!isWebhookUrl(input.url)) throw invalid("url", WEBHOOK_URL_EXPECTATION);
    const weakness = input.secret === undefined ? null : secretWeakness(input.secret);
    if (weakness !== null) throw invalid("secret", weakness);
    return input;
  },
  async run(ctx, input): Promise<WebhookView & { secret: string }> {
    const list = endpointsOf(ctx);
    if (list.configured.some((endpoint) => endpoint.url === input.url)) {
      throw new SessionError("ALREADY_EXISTS", "The configuration file already sends to this URL.");
    }
    const now = ctx.clock.now();
    const id = webhookIdOf(input.url);
    const endpoint: StoredWebhook = {
      id,
      url: input.url,
      secret: input.secret ?? `whsec_${randomBytes(32).toString("base64")}`,
      events: [...input.events],
      createdAt: now,
      createdBy: ctx.actor ?? "(local administrator)",
      updatedAt: now,
    };
    // One setting per URL, written only if absent: of two nodes adding the same URL at once, one wins.
    const held = (await ctx.store.putSettingIfAbsent(webhookSettingName(id), endpoint)) as StoredWebhook;
    if (held.createdAt !== endpoint.createdAt || held.secret !== endpoint.secret) {
      throw new SessionError("ALREADY_EXISTS", "A webhook with this URL exists.", { details: { id } });
    }
    await ctx.audit("webhook-added", {
      realm: null,
      detail: `${id} ${originOf(input.url)} events=${input.events.join(",")}`,
    });
    return { ...viewOfWebhook(endpoint, "api"), secret: endpoint.secret };
  },
});
