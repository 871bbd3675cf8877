/**
 * The admin routes of realms, under `/api/v1/realms`: list, create, read, change and delete one
 * (`Directory.Manage`). A realm's path field is `realm`, but the operations call it `name`, so these
 * routes state their path with `realmParams` rather than `pathOf`.
 *
 * @module
 */

import type { FastifyInstance } from "fastify";
import * as ops from "../../core/ops/index.ts";
import { adminRoute, bodyFields, integerOf, type Query, type RealmPath, type RunAsCaller } from "./admin-route-kit.ts";
import * as a from "./admin-schemas.ts";

const TAG = "directory: realms";

export function registerAdminRealmRoutes(app: FastifyInstance, run: RunAsCaller): void {
  app.get(
    "/realms",
    adminRoute(ops.listRealms, TAG, {
      summary: "List the realms with their settings, in name order (needs Directory.Manage)",
      querystring: a.realmPageQuery,
      response: { 200: a.pageOf("realms", "Realm", "string") },
    }),
    async (request) => {
      const query = request.query as Query;
      return run(ops.listRealms, request, { after: query.after, limit: integerOf(query.limit) });
    },
  );

  app.post(
    "/realms",
    adminRoute(ops.putRealm, TAG, {
      summary: "Create a realm (needs Directory.Manage); settings not given take their defaults",
      body: a.createRealmBody,
      response: { 201: { $ref: "Realm#" } },
    }),
    async (request, reply) =>
      reply.code(201).send(await run(ops.putRealm, request, { ...bodyFields(request), mode: "create" })),
  );

  app.get<{ Params: RealmPath }>(
    "/realms/:realm",
    adminRoute(ops.getRealm, TAG, {
      summary: "One realm with its settings (needs Directory.Manage)",
      params: a.realmParams,
      response: { 200: { $ref: "Realm#" } },
    }),
    async (request) => run(ops.getRealm, request, { name: request.params.realm }),
  );

  app.patch<{ Params: RealmPath }>(
    "/realms/:realm",
    adminRoute(ops.putRealm, TAG, {
      summary: "Change a realm's settings (needs Directory.Manage); settings not given keep their value",
      params: a.realmParams,
      body: a.updateRealmBody,
      response: { 200: { $ref: "Realm#" } },
    }),
    async (request) =>
      run(ops.putRealm, request, { ...bodyFields(request), name: request.params.realm, mode: "update" }),
  );

  app.delete<{ Params: RealmPath }>(
    "/realms/:realm",
    adminRoute(ops.deleteRealm, TAG, {
      summary: "Delete a realm with its users and groups, ending its sessions (needs Directory.Manage)",
      params: a.realmParams,
      response: { 200: a.sessionsEndedSchema },
    }),
    async (request) => run(ops.deleteRealm, request, { name: request.params.realm }),
  );
}
