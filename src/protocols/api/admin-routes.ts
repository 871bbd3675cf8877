/**
 * The admin routes of the JSON API, under `/api/v1`: realms, users and groups (`Directory.Manage`),
 * the audit log (`Audit.Read`) and webhook endpoints (`Webhooks.Manage`), one file each
 * (`admin-realm-routes.ts`, `admin-user-routes.ts`, `admin-group-routes.ts`, `admin-audit-routes.ts`,
 * `admin-webhook-routes.ts`). Each route runs one operation of the core through
 * the kit's request scope; the operation checks the privilege, validates the input and audits the
 * change, so a route only says where its input comes from (path, query, body) and what status a
 * success answers.
 *
 * Path fields are stated as the operation declares them (`pathOf`), as bodies are (`bodyOf`), so that
 * the OpenAPI document shows the operation's own limits.
 *
 * @module
 */

import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import type { CallContext } from "../../core/operation.ts";
import { registerAdminAuditRoutes } from "./admin-audit-routes.ts";
import { registerAdminGroupRoutes } from "./admin-group-routes.ts";
import { registerAdminRealmRoutes } from "./admin-realm-routes.ts";
import { runAsCaller } from "./admin-route-kit.ts";
import { adminSchemas } from "./admin-schemas.ts";
import { registerAdminUserRoutes } from "./admin-user-routes.ts";
import { registerAdminWebhookRoutes } from "./admin-webhook-routes.ts";

/**
 * Adds the admin routes to the JSON API's scope. `contextOf` is the scope's own reading of a request
 * (`apiContext`), passed in rather than imported so that these files and `plugin.ts` do not import
 * each other.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  engine: Engine,
  contextOf: (request: FastifyRequest) => CallContext,
): void {
  for (const schema of adminSchemas) app.addSchema(schema);
  const run = runAsCaller(engine, contextOf);
  registerAdminRealmRoutes(app, run);
  registerAdminUserRoutes(app, run);
  registerAdminGroupRoutes(app, run);
  registerAdminAuditRoutes(app, run);
  registerAdminWebhookRoutes(app, run);
}
