/**
 * The admin routes of webhook endpoints, under `/api/v1/webhooks` (`Webhooks.Manage`): list them, add
 * one, read, change or remove one. Endpoints of the configuration file are listed too, marked
 * `source: "config"`, and refused for change. A secret is answered only by the call that made it.
 *
 * @module
 */

import type { FastifyInstance } from "fastify";
import * as ops from "../../core/ops/index.ts";
import { WEBHOOK_EVENTS } from "../../core/webhook-settings.ts";
import { adminRoute, bodyFields, pathOf, type RunAsCaller } from "./admin-route-kit.ts";
import { bodyOf } from "./schemas.ts";

const TAG = "webhooks";

type WebhookPath = { id: string };

const nullable = (type: string) => ({ type: [type, "null"] });

/** A webhook as answered, without its secret. */
const webhookView = {
  type: "object",
  properties: {
    id: { type: "string" },
    url: { type: "string" },
    events: { type: "array", items: { type: "string", enum: [...WEBHOOK_EVENTS] } },
    source: { type: "string", enum: ["config", "api"] },
    createdAt: nullable("integer"),
    createdBy: nullable("string"),
    updatedAt: nullable("integer"),
  },
  required: ["id", "url", "events", "source"],
};

/** A webhook with the secret its call made or was given, answered once. */
const webhookWithSecret = {
  ...webhookView,
  properties: { ...webhookView.properties, secret: { type: "string" } },
};

export function registerAdminWebhookRoutes(app: FastifyInstance, run: RunAsCaller): void {
  app.get(
    "/webhooks",
    adminRoute(ops.listWebhooks, TAG, {
      summary:
        "The webhook endpoints, from the configuration file and added here, without secrets (needs Webhooks.Manage)",
      response: {
        200: {
          type: "object",
          properties: { webhooks: { type: "array", items: webhookView } },
          required: ["webhooks"],
        },
      },
    }),
    async (request) => run(ops.listWebhooks, request, {}),
  );

  app.post(
    "/webhooks",
    adminRoute(ops.addWebhook, TAG, {
      summary:
        "Add a webhook endpoint (needs Webhooks.Manage); the secret, given or made, is answered this once. Every node sends to it within moments",
      body: bodyOf(ops.addWebhook, ["url", "events", "secret"]),
      response: { 201: webhookWithSecret },
    }),
    async (request, reply) => reply.code(201).send(await run(ops.addWebhook, request, bodyFields(request))),
  );

  app.get<{ Params: WebhookPath }>(
    "/webhooks/:id",
    adminRoute(ops.getWebhook, TAG, {
      summary: "One webhook endpoint, without its secret (needs Webhooks.Manage)",
      params: pathOf(ops.getWebhook, ["id"]),
      response: { 200: webhookView },
    }),
    async (request) => run(ops.getWebhook, request, request.params),
  );

  app.patch<{ Params: WebhookPath }>(
    "/webhooks/:id",
    adminRoute(ops.updateWebhook, TAG, {
      summary:
        "Change the events of a webhook endpoint added here, or its secret; rotateSecret makes one and answers it (needs Webhooks.Manage)",
      params: pathOf(ops.updateWebhook, ["id"]),
      body: bodyOf(ops.updateWebhook, ["events", "secret", "rotateSecret"]),
      response: { 200: webhookWithSecret },
    }),
    async (request) => run(ops.updateWebhook, request, { ...bodyFields(request), ...request.params }),
  );

  app.delete<{ Params: WebhookPath }>(
    "/webhooks/:id",
    adminRoute(ops.removeWebhook, TAG, {
      summary: "Remove a webhook endpoint added here; what its outbox still holds is not sent (needs Webhooks.Manage)",
      params: pathOf(ops.removeWebhook, ["id"]),
      response: { 200: { type: "object", properties: { removed: { type: "boolean" } } } },
    }),
    async (request) => run(ops.removeWebhook, request, request.params),
  );
}
