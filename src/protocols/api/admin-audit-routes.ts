/**
 * The admin route of the audit log, `/api/v1/audit` (`Audit.Read`): the log a page at a time,
 * filtered by realm, user, kind and session.
 *
 * @module
 */

import type { FastifyInstance } from "fastify";
import * as ops from "../../core/ops/index.ts";
import { adminRoute, integerOf, type Query, type RunAsCaller } from "./admin-route-kit.ts";
import * as a from "./admin-schemas.ts";

export function registerAdminAuditRoutes(app: FastifyInstance, run: RunAsCaller): void {
  app.get(
    "/audit",
    adminRoute(ops.listAudit, "audit", {
      summary:
        "The audit log, oldest first, a page at a time: filter by realm, user, kind and session (needs Audit.Read)",
      querystring: a.auditQuery,
      response: { 200: a.pageOf("entries", "AuditEntry", "integer") },
    }),
    async (request) => {
      const query = request.query as Query;
      return run(ops.listAudit, request, {
        realm: query.realm,
        userName: query.userName,
        kind: query.kind,
        sessionKey: query.sessionKey,
        after: integerOf(query.after),
        limit: integerOf(query.limit),
      });
    },
  );
}
