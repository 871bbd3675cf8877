/**
 * The JSON API front door, `/api/v1`: a Fastify scope that maps routes to engine operations.
 *
 * The caller's secret travels as `Authorization: Bearer <secret>`. Bodies are validated by the route
 * schemas, which also generate the OpenAPI document (`/api/v1/openapi.json`, rendered at
 * `/api/v1/docs`). Errors are `{"error":{"code","id","message"}}` with the status from `errors.ts`.
 *
 * @module
 */

import swagger from "@fastify/swagger";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import type { CallContext, Operation } from "../../core/operation.ts";
import type { SessionRef } from "../../core/ops/index.ts";
import * as ops from "../../core/ops/index.ts";
import { type HttpRequestLike, httpCallContext } from "../kit/call-context.ts";
import { frameworkFailure } from "../kit/framework-errors.ts";
import { registerAdminRoutes } from "./admin-routes.ts";
import { renderDocsPage } from "./docs-page.ts";
import { errorBody, errorHeaders, INTERNAL_ERROR, statusOf } from "./errors.ts";
import { closeAllStreams, openEventStream } from "./events.ts";
import * as s from "./schemas.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The operation a route calls: its input schema is the route's (see `schemas.ts`, `bodyOf`). */
    operation?: Pick<Operation<unknown, unknown>, "name" | "input">;
  }
}

export interface ApiPluginOptions {
  engine: Engine;
}

export const API_PREFIX = "/api/v1";

/** The secret of an `Authorization: Bearer <secret>` header, or undefined. */
export function bearerFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+(\S{1,512})\s*$/i.exec(header);
  return match?.[1];
}

/** The engine's view of one JSON API request (the fast path makes the same). */
export function apiContext(request: HttpRequestLike): CallContext {
  return httpCallContext("api", request, { secret: bearerFromHeader(request.headers.authorization) });
}

const API_WORDS = {
  unreadable: "The request body is not valid JSON.",
  mediaType: "Send request bodies as application/json.",
};

/** Maps any error to the JSON error form; internals are logged, never sent. */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let sessionError: SessionError;
  let status: number | undefined;
  const framework = error instanceof SessionError ? undefined : frameworkFailure(error, API_WORDS);
  if (error instanceof SessionError) {
    sessionError = error;
  } else if (framework) {
    sessionError = framework.error;
    status = framework.status;
  } else {
    request.log.error({ err: error }, "Unexpected error in the JSON API");
    sessionError = INTERNAL_ERROR;
  }
  const challenge = errorHeaders(sessionError);
  if (challenge) reply.headers(challenge);
  return reply.code(status ?? statusOf(sessionError.code)).send(errorBody(sessionError));
}

export async function apiPlugin(app: FastifyInstance, options: ApiPluginOptions): Promise<void> {
  const { engine } = options;
  for (const schema of s.sharedSchemas) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "sessiond JSON API",
        version: "1",
        description: "Sessions: log in, keep state apart, expire when idle, and let operators see and end any session.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
  });

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));

  // Open event streams hold their sockets; end them when the server stops so that it can.
  const streams = new Set<() => void>();
  app.addHook("preClose", async () => closeAllStreams(streams));
  app.setNotFoundHandler((request, reply) =>
    sendError(new SessionError("UNKNOWN_METHOD", "No such route in the JSON API."), request, reply),
  );

  const call = <I, O>(op: Operation<I, O>, request: FastifyRequest, input?: unknown) =>
    engine.call(op, apiContext(request), input);

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  let docsPage: string | undefined;
  app.get("/docs", { schema: { hide: true } }, async (_request, reply) => {
    docsPage ??= renderDocsPage(app.swagger() as Parameters<typeof renderDocsPage>[0]);
    return reply.type("text/html; charset=utf-8").send(docsPage);
  });

  app.post(
    "/sessions",
    {
      // The body is optional: a bodiless POST creates a session with the realm's defaults.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      config: { operation: ops.createSession },
      schema: {
        summary: "Create an anonymous session",
        tags: ["sessions"],
        body: s.createSessionBody,
        response: {
          201: { type: "object", properties: { secret: { type: "string" }, session: { $ref: "Session#" } } },
          ...s.errorResponses,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await call(ops.createSession, request, request.body)),
  );

  app.post(
    "/login",
    {
      config: { operation: ops.login },
      schema: {
        summary: "Log in: into the caller's anonymous session when a bearer is sent, otherwise into a new one",
        tags: ["session"],
        body: s.loginBody,
        response: { 200: { $ref: "LoginResult#" }, 201: { $ref: "LoginResult#" }, ...s.errorResponses },
      },
    },
    async (request, reply) => {
      const result = await call(ops.login, request, request.body);
      // 201 only for a new session; a rotated secret belongs to the session the caller already had.
      return reply.code(result.secret === undefined || result.secretRotated ? 200 : 201).send(result);
    },
  );

  app.post(
    "/impersonate",
    {
      config: { operation: ops.impersonate },
      schema: {
        summary: "Log in as another user without their password (needs Sessions.ImpersonateUser)",
        tags: ["session"],
        security: s.bearer,
        body: s.impersonateBody,
        response: { 200: { $ref: "LoginResult#" }, 201: { $ref: "LoginResult#" }, ...s.errorResponses },
      },
    },
    async (request, reply) => {
      const result = await call(ops.impersonate, request, request.body);
      // 201 only for a new session; a rotated secret belongs to the session the caller already had.
      return reply.code(result.secret === undefined || result.secretRotated ? 200 : 201).send(result);
    },
  );

  app.post(
    "/clone",
    {
      config: { operation: ops.cloneSession },
      schema: {
        summary: "Turn a clone ticket into a new session of the same user",
        tags: ["session"],
        body: s.cloneBody,
        response: { 201: { $ref: "LoginResult#" }, ...s.errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await call(ops.cloneSession, request, request.body)),
  );

  app.get(
    "/session",
    {
      schema: {
        summary: "Who am I: the caller's session, user and privileges",
        tags: ["session"],
        security: s.bearer,
        response: { 200: s.whoAmISchema, ...s.errorResponses },
      },
    },
    async (request) => call(ops.whoAmI, request),
  );

  app.delete(
    "/session",
    {
      schema: {
        summary: "End the caller's own session",
        tags: ["session"],
        security: s.bearer,
        response: { 204: { type: "null" }, ...s.errorResponses },
      },
    },
    async (request, reply) => {
      await call(ops.endSession, request);
      return reply.code(204).send();
    },
  );

  app.post(
    "/session/logout",
    {
      schema: {
        summary: "Log out; the session stays, anonymous",
        tags: ["session"],
        security: s.bearer,
        response: { 200: { $ref: "Session#" }, ...s.errorResponses },
      },
    },
    async (request) => call(ops.logout, request),
  );

  app.post(
    "/session/active",
    {
      schema: {
        summary: "Signal that the user is active (resets the idle timer and records the user's activity)",
        tags: ["session"],
        security: s.bearer,
        response: { 200: { type: "object", properties: { userActiveAt: { type: "integer" } } }, ...s.errorResponses },
      },
    },
    async (request) => call(ops.userActive, request),
  );

  app.put(
    "/session/locale",
    {
      config: { operation: ops.setLocale },
      schema: {
        summary: "Set the session's locale (must be supported by its realm)",
        tags: ["session"],
        security: s.bearer,
        body: s.localeBody,
        response: { 200: { $ref: "Session#" }, ...s.errorResponses },
      },
    },
    async (request) => call(ops.setLocale, request, request.body),
  );

  app.post(
    "/session/clone-ticket",
    {
      schema: {
        summary: "Get a single-use ticket another client can turn into a session of the same user",
        tags: ["session"],
        security: s.bearer,
        response: {
          201: { type: "object", properties: { ticket: { type: "string" }, expiresAt: { type: "integer" } } },
          ...s.errorResponses,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await call(ops.acquireCloneTicket, request)),
  );

  app.get(
    "/session/events",
    {
      schema: {
        summary: "Server-Sent Events: the service message when it changes, and the end of this session with its reason",
        tags: ["session"],
        security: s.bearer,
        produces: ["text/event-stream"],
      },
    },
    async (request, reply) => openEventStream(streams, engine, apiContext(request), request, reply),
  );

  app.get(
    "/session/attributes",
    {
      schema: {
        summary: "All attributes of the caller's session",
        tags: ["attributes"],
        security: s.bearer,
        response: { 200: { type: "object", additionalProperties: { type: "string" } }, ...s.errorResponses },
      },
    },
    async (request) => call(ops.listAttributes, request),
  );

  app.get<{ Params: { name: string } }>(
    "/session/attributes/:name",
    {
      config: { operation: ops.getAttribute },
      schema: {
        summary: "One attribute of the caller's session",
        tags: ["attributes"],
        security: s.bearer,
        params: s.attributeParams,
        response: {
          200: { type: "object", properties: { name: { type: "string" }, value: { type: "string" } } },
          ...s.errorResponses,
        },
      },
    },
    async (request) => {
      const result = await call(ops.getAttribute, request, { name: request.params.name });
      if (result.value === null) throw new SessionError("NOT_FOUND", "The session has no attribute of this name.");
      return result;
    },
  );

  app.put<{ Params: { name: string }; Body: { value: string } }>(
    "/session/attributes/:name",
    {
      config: { operation: ops.putAttribute },
      schema: {
        summary: "Set one attribute of the caller's session",
        tags: ["attributes"],
        security: s.bearer,
        params: s.attributeParams,
        body: s.attributeBody,
        response: { 204: { type: "null" }, ...s.errorResponses },
      },
    },
    async (request, reply) => {
      await call(ops.putAttribute, request, { name: request.params.name, value: request.body.value });
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: { name: string } }>(
    "/session/attributes/:name",
    {
      config: { operation: ops.deleteAttribute },
      schema: {
        summary: "Delete one attribute of the caller's session",
        tags: ["attributes"],
        security: s.bearer,
        params: s.attributeParams,
        response: { 204: { type: "null" }, ...s.errorResponses },
      },
    },
    async (request, reply) => {
      const { deleted } = await call(ops.deleteAttribute, request, { name: request.params.name });
      if (!deleted) throw new SessionError("NOT_FOUND", "The session has no attribute of this name.");
      return reply.code(204).send();
    },
  );

  app.get(
    "/sessions",
    {
      schema: {
        summary: "List live sessions (all with Sessions.TerminateSession, otherwise one's own)",
        tags: ["sessions"],
        security: s.bearer,
        querystring: s.listSessionsQuery,
        response: {
          200: {
            type: "object",
            properties: {
              sessions: { type: "array", items: { $ref: "Session#" } },
              nextAfter: { type: ["integer", "null"] },
            },
          },
          ...s.errorResponses,
        },
      },
    },
    async (request) => {
      const query = request.query as Record<string, string | undefined>;
      const integer = (text: string | undefined) => (text === undefined ? undefined : Number(text));
      return call(ops.listSessions, request, { ...query, after: integer(query.after), limit: integer(query.limit) });
    },
  );

  app.get<{ Params: { key: string } }>(
    "/sessions/:key",
    {
      config: { operation: ops.inspectSession },
      schema: {
        summary: "Whether a session is live, and its details when the caller may see them",
        tags: ["sessions"],
        security: s.bearer,
        params: s.keyParams,
        response: {
          200: {
            type: "object",
            properties: {
              active: { type: "boolean" },
              userName: { type: ["string", "null"] },
              session: { $ref: "Session#" },
            },
          },
          ...s.errorResponses,
        },
      },
    },
    async (request) => call(ops.inspectSession, request, { key: request.params.key }),
  );

  app.delete<{ Params: { key: string } }>(
    "/sessions/:key",
    {
      config: { operation: ops.terminateSessions },
      schema: {
        summary: "Terminate one session (one's own user's, or anyone's with Sessions.TerminateSession)",
        tags: ["sessions"],
        security: s.bearer,
        params: s.keyParams,
        response: { 204: { type: "null" }, ...s.errorResponses },
      },
    },
    async (request, reply) => {
      const { results } = await call(ops.terminateSessions, request, { sessions: [request.params.key], mode: "batch" });
      const outcome = results[0]?.outcome;
      if (outcome === "not-found") throw new SessionError("NOT_FOUND", "No such live session.");
      if (outcome === "no-permission") {
        throw new SessionError(
          "NO_PERMISSION",
          "Ending another user's session needs the Sessions.TerminateSession privilege.",
          {
            details: { privilegeId: "Sessions.TerminateSession" },
          },
        );
      }
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { sessions: (string | number)[]; mode?: "batch" | "in-order" } }>(
    "/sessions/terminate",
    {
      config: { operation: ops.terminateSessions },
      schema: {
        summary: "Terminate several sessions: a result per session, or in order stopping at the first failure",
        tags: ["sessions"],
        security: s.bearer,
        body: s.terminateBody,
        response: { 200: s.terminateResultSchema, ...s.errorResponses },
      },
    },
    async (request) => {
      const { results } = await call(ops.terminateSessions, request, request.body);
      return { results: results.map((r) => ({ session: refText(r.ref), key: r.key, outcome: r.outcome })) };
    },
  );

  app.get(
    "/service-message",
    {
      schema: {
        summary: "The service message",
        tags: ["service message"],
        security: s.bearer,
        response: { 200: s.serviceMessageSchema, ...s.errorResponses },
      },
    },
    async (request) => call(ops.getServiceMessage, request),
  );

  app.put(
    "/service-message",
    {
      config: { operation: ops.updateServiceMessage },
      schema: {
        summary: "Set the service message (needs Sessions.GlobalMessage); an empty text clears it",
        tags: ["service message"],
        security: s.bearer,
        body: s.serviceMessageBody,
        response: { 200: s.serviceMessageSchema, ...s.errorResponses },
      },
    },
    async (request) => call(ops.updateServiceMessage, request, request.body),
  );

  app.post(
    "/tickets/local",
    {
      config: { operation: ops.acquireLocalTicket },
      schema: {
        summary: "A one-time password in a file only that user can read (callers on this machine only)",
        tags: ["tickets"],
        body: s.localTicketBody,
        response: {
          201: {
            type: "object",
            properties: {
              userName: { type: "string" },
              passwordFilePath: { type: "string" },
              expiresAt: { type: "integer" },
            },
          },
          ...s.errorResponses,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await call(ops.acquireLocalTicket, request, request.body)),
  );

  registerAdminRoutes(app, engine, apiContext);
}

function refText(ref: SessionRef): string | number {
  return "key" in ref ? ref.key : ref.number;
}
