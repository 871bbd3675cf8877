/**
 * The admin routes of users, under `/api/v1/realms/:realm/users`: list a realm's users, create, read,
 * change and delete one, disable or enable it, set its password and issue it a one-time login ticket
 * (`Directory.Manage`; a caller may set its own password without it).
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

const TAG = "directory: users";

export function registerAdminUserRoutes(app: FastifyInstance, run: RunAsCaller): void {
  app.get<{ Params: RealmPath }>(
    "/realms/:realm/users",
    adminRoute(ops.listUsers, TAG, {
      summary:
        "List a realm's users, in number order; with `prefix`, search the whole realm by name prefix, in name order (needs Directory.Manage)",
      params: pathOf(ops.listUsers, ["realm"]),
      querystring: a.directoryPageQuery,
      response: { 200: a.directoryPageOf("users", "User") },
    }),
    async (request) => run(ops.listUsers, request, directoryPageOf(request)),
  );

  app.post<{ Params: RealmPath }>(
    "/realms/:realm/users",
    adminRoute(ops.putUser, TAG, {
      summary: "Create a user (needs Directory.Manage); the number defaults to the next free one",
      params: pathOf(ops.putUser, ["realm"]),
      body: a.createUserBody,
      response: { 201: { $ref: "User#" } },
    }),
    async (request, reply) =>
      reply.code(201).send(await run(ops.putUser, request, bodyAndPathOf(request, { mode: "create" }))),
  );

  app.get<{ Params: NamedPath }>(
    "/realms/:realm/users/:name",
    adminRoute(ops.getUser, TAG, {
      summary: "One user (needs Directory.Manage)",
      params: pathOf(ops.getUser, ["realm", "name"]),
      response: { 200: { $ref: "User#" } },
    }),
    async (request) => run(ops.getUser, request, request.params),
  );

  app.patch<{ Params: NamedPath }>(
    "/realms/:realm/users/:name",
    adminRoute(ops.putUser, TAG, {
      summary:
        "Change a user (needs Directory.Manage); fields not given keep their value, and disabling ends its sessions",
      params: pathOf(ops.putUser, ["realm", "name"]),
      body: a.updateUserBody,
      response: { 200: { $ref: "User#" } },
    }),
    async (request) => run(ops.putUser, request, bodyAndPathOf(request, { mode: "update" })),
  );

  app.delete<{ Params: NamedPath }>(
    "/realms/:realm/users/:name",
    adminRoute(ops.deleteUser, TAG, {
      summary: "Delete a user and end its sessions (needs Directory.Manage)",
      params: pathOf(ops.deleteUser, ["realm", "name"]),
      response: { 200: a.sessionsEndedSchema },
    }),
    async (request) => run(ops.deleteUser, request, request.params),
  );

  for (const [action, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    app.post<{ Params: NamedPath }>(
      `/realms/:realm/users/:name/${action}`,
      adminRoute(ops.setUserDisabled, TAG, {
        summary: disabled
          ? "Disable a user: it cannot log in, and its sessions end at once (needs Directory.Manage)"
          : "Enable a disabled user (needs Directory.Manage)",
        params: pathOf(ops.setUserDisabled, ["realm", "name"]),
        response: {
          200: { type: "object", properties: { user: { $ref: "User#" }, ...a.sessionsEndedSchema.properties } },
        },
      }),
      async (request) => run(ops.setUserDisabled, request, { ...request.params, disabled }),
    );
  }

  app.put<{ Params: NamedPath }>(
    "/realms/:realm/users/:name/password",
    adminRoute(ops.setPassword, TAG, {
      summary:
        "Set a user's password (needs Directory.Manage, unless it is the caller's own); the user's other sessions end",
      params: pathOf(ops.setPassword, ["realm", "name"]),
      body: a.passwordBody,
      response: { 200: a.sessionsEndedSchema },
    }),
    async (request) => run(ops.setPassword, request, bodyAndPathOf(request)),
  );

  app.post<{ Params: NamedPath }>(
    "/realms/:realm/users/:name/login-ticket",
    {
      ...adminRoute(ops.issueLoginTicket, TAG, {
        summary:
          "A one-time login ticket: the user's password for one login, shown only in this answer (needs Directory.Manage)",
        params: pathOf(ops.issueLoginTicket, ["realm", "name"]),
        body: a.loginTicketBody,
        response: { 201: a.loginTicketSchema },
      }),
      // The body is optional: a bodiless POST asks for a ticket of the default lifetime.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
    },
    async (request, reply) => reply.code(201).send(await run(ops.issueLoginTicket, request, bodyAndPathOf(request))),
  );
}
