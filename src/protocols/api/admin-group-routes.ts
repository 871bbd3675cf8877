/**
 * The admin routes of groups, under `/api/v1/realms/:realm/groups`: list a realm's groups, create,
 * read, change and delete one (`Directory.Manage`). A change of a group's privileges holds for its
 * members at once.
 *
 * @module
 */

import type { FastifyInstance } from "fastify";
import * as ops from "../../core/ops/index.ts";
import {
  adminRoute,
  bodyAndPathOf,
  directoryPageOf,
  type NamedPath,
  pathOf,
  type RealmPath,
  type RunAsCaller,
} from "./admin-route-kit.ts";
import * as a from "./admin-schemas.ts";

const TAG = "directory: groups";

export function registerAdminGroupRoutes(app: FastifyInstance, run: RunAsCaller): void {
  app.get<{ Params: RealmPath }>(
    "/realms/:realm/groups",
    adminRoute(ops.listGroups, TAG, {
      summary:
        "List a realm's groups, in number order; with `prefix`, search the whole realm by name prefix, in name order (needs Directory.Manage)",
      params: pathOf(ops.listGroups, ["realm"]),
      querystring: a.directoryPageQuery,
      response: { 200: a.directoryPageOf("groups", "Group") },
    }),
    async (request) => run(ops.listGroups, request, directoryPageOf(request)),
  );

  app.post<{ Params: RealmPath }>(
    "/realms/:realm/groups",
    adminRoute(ops.putGroup, TAG, {
      summary: "Create a group (needs Directory.Manage); the number defaults to the next free one",
      params: pathOf(ops.putGroup, ["realm"]),
      body: a.createGroupBody,
      response: { 201: { $ref: "Group#" } },
    }),
    async (request, reply) =>
      reply.code(201).send(await run(ops.putGroup, request, bodyAndPathOf(request, { mode: "create" }))),
  );

  app.get<{ Params: NamedPath }>(
    "/realms/:realm/groups/:name",
    adminRoute(ops.getGroup, TAG, {
      summary: "One group (needs Directory.Manage)",
      params: pathOf(ops.getGroup, ["realm", "name"]),
      response: { 200: { $ref: "Group#" } },
    }),
    async (request) => run(ops.getGroup, request, request.params),
  );

  app.patch<{ Params: NamedPath }>(
    "/realms/:realm/groups/:name",
    adminRoute(ops.putGroup, TAG, {
      summary: "Change a group (needs Directory.Manage); its members' privileges change at once",
      params: pathOf(ops.putGroup, ["realm", "name"]),
      body: a.updateGroupBody,
      response: { 200: { $ref: "Group#" } },
    }),
    async (request) => run(ops.putGroup, request, bodyAndPathOf(request, { mode: "update" })),
  );

  app.delete<{ Params: NamedPath }>(
    "/realms/:realm/groups/:name",
    adminRoute(ops.deleteGroup, TAG, {
      summary: "Delete a group and strike it from its members (needs Directory.Manage)",
      params: pathOf(ops.deleteGroup, ["realm", "name"]),
      response: { 200: { type: "object", properties: { membersUpdated: { type: "integer" } } } },
    }),
    async (request) => run(ops.deleteGroup, request, request.params),
  );
}
