/**
 * Signing a webhook delivery the Standard Webhooks way (https://www.standardwebhooks.com): the
 * signature is the base64 HMAC-SHA256, under the endpoint's secret, of `<id>.<timestamp>.<body>`,
 * sent as `webhook-signature: v1,<signature>` beside `webhook-id` and `webhook-timestamp` (whole
 * seconds since the epoch). A receiver recomputes it over the body as received and compares.
 *
 * @module
 */

import { createHmac } from "node:crypto";
import { signingKey } from "../core/webhook-settings.ts";

export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): WebhookHeaders {
  const timestamp = String(timestampSeconds);
  const signature = createHmac("sha256", signingKey(secret)).update(`${id}.${timestamp}.${body}`).digest("base64");
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` };
}
