/**
 * The httpkom front door: jskom and other httpkom clients work against sessiond unchanged. A Fastify
 * scope mounted at `httpkom.prefix` (default `/httpkom`); a `server_id` is a realm name.
 *
 * The connection id (`Httpkom-Connection` header, or query parameter) is the session's secret, a
 * random UUID; `session_no` is the session's public number. Every route maps to one engine
 * operation; the request's realm travels in the call context, so an unknown `server_id` is 404 and a
 * connection id of another realm counts as none (403) without ending that session.
 *
 * @module
 */

import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import * as ops from "../../core/ops/index.ts";
import { httpCallContext } from "../kit/call-context.ts";
import { frameworkFailure } from "../kit/framework-errors.ts";
import {
  BadRequest,
  type Body,
  connectionIdOf,
  encodeJson,
  headerConnectionId,
  objectOf,
  parseCreateSessionBody,
  parseLoginBody,
  parsePersonBody,
  personBody,
  queryConnectionId,
  readBody,
  whoAmIBody,
} from "./codec.ts";
import { httpkomErrorBody, protocolAErrorBody, type WireOptions, wireError } from "./errors.ts";
import type { HttpkomSettings } from "./settings.ts";

export interface HttpkomPluginOptions {
  engine: Engine;
  settings: HttpkomSettings;
}

const CORS_METHODS = "GET, POST, PUT, DELETE, OPTIONS, HEAD";
const CORS_ALLOW_HEADERS = "Origin, Accept, Content-Type, X-Requested-With, Cache-Control, Httpkom-Connection";
const CORS_EXPOSE_HEADERS = "Cache-Control, Httpkom-Connection";
/** Methods a route may be asked with; those it does not serve answer 405. */
const METHODS: HTTPMethods[] = ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"];

type Params = { server_id: string; session_no: string };
type Handler = (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => Promise<FastifyReply>;

interface RouteSpec {
  method: "GET" | "POST" | "DELETE";
  url: string;
  /** Whether the URL names a server (realm). */
  server: boolean;
  handler: Handler;
}

/** JSON as httpkom sends it: `Content-Type: application/json` exactly (a Buffer, so Fastify adds no charset). */
function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .code(status)
    .type("application/json")
    .send(Buffer.from(encodeJson(body), "utf8"));
}

function sendEmpty(reply: FastifyReply, status: number): FastifyReply {
  return reply.code(status).send();
}

/** Any error in httpkom's wire form; internals are logged, never sent. */
export function sendError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  options: WireOptions = {},
): FastifyReply {
  if (error instanceof SessionError) {
    const { status, body } = wireError(error, options);
    return body === undefined ? sendEmpty(reply, status) : sendJson(reply, status, body);
  }
  if (error instanceof BadRequest) return sendJson(reply, error.status, error.body);
  // What the framework refused before a route ran: httpkom answers it with an empty body.
  const framework = frameworkFailure(error);
  if (framework) return sendEmpty(reply, framework.status === 413 ? 413 : 400);
  request.log.error({ err: error }, "Unexpected error in the httpkom front door");
  return sendJson(reply, 500, httpkomErrorBody("Unknown error"));
}

export async function httpkomPlugin(app: FastifyInstance, options: HttpkomPluginOptions): Promise<void> {
  const { engine, settings } = options;
  const base = settings.prefix === "/" ? "" : settings.prefix;

  // Bodies are read as text and decoded by the routes: httpkom answers a body that is not JSON
  // ("Invalid body.") differently from JSON that does not parse (400, empty).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));

  app.addHook("onSend", async (request, reply, payload) => {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      const open = settings.allowedOrigins.length === 0 || settings.allowedOrigins.includes("*");
      if (open || settings.allowedOrigins.includes(origin)) {
        reply.header("access-control-allow-origin", open ? "*" : origin);
        reply.header("access-control-allow-methods", CORS_METHODS);
        reply.header("access-control-max-age", String(settings.corsMaxAge));
        reply.header("access-control-allow-headers", CORS_ALLOW_HEADERS);
        reply.header("access-control-expose-headers", CORS_EXPOSE_HEADERS);
      } else {
        reply.header("access-control-allow-origin", "null");
      }
    }
    // httpkom's fix for iOS 6, which cached POST answers.
    if (request.method === "POST" || !reply.hasHeader("cache-control")) reply.header("cache-control", "no-cache");
    return payload;
  });

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((_request, reply) => sendEmpty(reply, 404));

  const context = (request: FastifyRequest, realm: string | undefined, secret = connectionIdOf(request)) =>
    httpCallContext("httpkom", request, { secret, realm });

  /** 404 (as an engine error) unless the server exists. */
  const checkServer = async (request: FastifyRequest, realm: string) => {
    await engine.authenticate(context(request, realm, undefined));
  };

  /**
   * The answer to a request whose body is wrong: httpkom checks the connection first (403, 401),
   * so the 400 is given only to a caller that passes the route's guard.
   */
  const refuseBody = async (
    request: FastifyRequest,
    reply: FastifyReply,
    realm: string,
    body: Body,
    problem: BadRequest | SessionError,
    needsLogin = false,
  ) => {
    const { user } = await engine.call(ops.whoAmI, context(request, realm));
    if (needsLogin && !user) return sendEmpty(reply, 401);
    if (body.kind === "malformed") return sendEmpty(reply, 400);
    throw problem;
  };

  const routes: RouteSpec[] = [
    {
      method: "GET",
      url: "/",
      server: false,
      async handler(request, reply) {
        const realms = await engine.call(ops.listPublicRealms, context(request, undefined, undefined));
        const servers = Object.fromEntries(realms.map(({ name }, i) => [name, { id: name, name, sort_order: i }]));
        return sendJson(reply, 200, servers);
      },
    },
    {
      method: "POST",
      url: "/:server_id/sessions/",
      server: true,
      async handler(request, reply) {
        const realm = request.params.server_id;
        await checkServer(request, realm);
        if (headerConnectionId(request) !== undefined) return sendEmpty(reply, 409);
        // httpkom's quirk: an id only in the query string is answered 204, and nothing is created.
        if (queryConnectionId(request) !== undefined) return sendEmpty(reply, 204);
        const body = readBody(request);
        if (body.kind === "malformed") return sendEmpty(reply, 400);
        const client = parseCreateSessionBody(body);
        if (client instanceof BadRequest) throw client;
        const result = await engine.call(ops.createSession, context(request, realm, undefined), {
          realm,
          secretFormat: "uuid",
          client,
        });
        reply.header("httpkom-connection", result.secret);
        return sendJson(reply, 201, { connection_id: result.secret, session_no: result.session.number });
      },
    },
    {
      method: "GET",
      url: "/:server_id/sessions/current/who-am-i",
      server: true,
      async handler(request, reply) {
        const me = await engine.call(ops.whoAmI, context(request, request.params.server_id));
        return sendJson(reply, 200, whoAmIBody(me.session, me.user));
      },
    },
    {
      method: "POST",
      url: "/:server_id/sessions/current/active",
      server: true,
      async handler(request, reply) {
        await engine.call(ops.userActive, context(request, request.params.server_id));
        return sendEmpty(reply, 204);
      },
    },
    {
      method: "POST",
      url: "/:server_id/sessions/current/login",
      server: true,
      async handler(request, reply) {
        const realm = request.params.server_id;
        const body = readBody(request);
        const login = body.kind === "malformed" ? new BadRequest("Invalid body.") : parseLoginBody(body);
        if (login instanceof BadRequest) return refuseBody(request, reply, realm, body, login);
        if ("userNumber" in login && login.userNumber === 0) {
          // Protocol A has no person 0 (a user numbered 0 logs in by name here).
          await engine.call(ops.whoAmI, context(request, realm));
          return sendJson(reply, 401, protocolAErrorBody("ConferenceZero", 0));
        }
        const result = await engine.call(ops.loginPerson, context(request, realm), { realm, ...login });
        return sendJson(reply, 201, personBody(result.user));
      },
    },
    {
      method: "POST",
      url: "/:server_id/sessions/current/logout",
      server: true,
      async handler(request, reply) {
        await engine.call(ops.logout, context(request, request.params.server_id));
        return sendEmpty(reply, 204);
      },
    },
    {
      method: "POST",
      url: "/:server_id/sessions/current/working-conference",
      server: true,
      async handler(request, reply) {
        const realm = request.params.server_id;
        const body = readBody(request);
        const input = objectOf(body);
        let problem: BadRequest | undefined;
        if (!input) problem = new BadRequest("Invalid body.");
        else if (input.conf_no === undefined) problem = new BadRequest('Missing "conf_no".');
        else if (input.conf_no === null) problem = new BadRequest('"conf_no" is null.');
        // sessiond has no conferences: past the guard and the body checks, the call is not implemented.
        return refuseBody(
          request,
          reply,
          realm,
          body,
          problem ?? new SessionError("NOT_SUPPORTED", "sessiond has no conferences."),
          true,
        );
      },
    },
    {
      method: "DELETE",
      url: "/:server_id/sessions/:session_no(^\\d+$)",
      server: true,
      async handler(request, reply) {
        const number = Number(request.params.session_no);
        // Digits beyond any session number: no such route, as for any other number httpkom cannot read.
        if (!Number.isSafeInteger(number)) return sendEmpty(reply, 404);
        try {
          await engine.call(ops.disconnectSession, context(request, request.params.server_id), { number });
        } catch (error) {
          return sendError(error, request, reply, { loginFirstAsProtocolA: true });
        }
        return sendEmpty(reply, 204);
      },
    },
    {
      method: "POST",
      url: "/:server_id/persons/",
      server: true,
      async handler(request, reply) {
        const realm = request.params.server_id;
        const body = readBody(request);
        const person = body.kind === "malformed" ? new BadRequest("Invalid body.") : parsePersonBody(body);
        if (person instanceof BadRequest) return refuseBody(request, reply, realm, body, person);
        const user = await engine.call(ops.registerUser, context(request, realm), { realm, ...person });
        return sendJson(reply, 201, personBody(user));
      },
    },
  ];

  for (const route of routes) {
    app.route({ method: route.method, url: route.url, handler: route.handler as Handler });
    const allow = route.method === "GET" ? "GET, HEAD, OPTIONS" : `${route.method}, OPTIONS`;
    app.route<{ Params: Params }>({
      method: "OPTIONS",
      url: route.url,
      async handler(request, reply) {
        if (route.server) await checkServer(request, request.params.server_id);
        return reply.code(200).header("allow", allow).type("text/html; charset=utf-8").send("");
      },
    });
    // The real httpkom answers 500 here; a wrong method is 405 with the methods that work.
    const others = METHODS.filter((m) => m !== route.method && !(route.method === "GET" && m === "HEAD"));
    app.route({
      method: others,
      url: route.url,
      handler: async (_request, reply) => reply.code(405).header("allow", allow).send(),
    });
  }

  // As httpkom (Werkzeug) does: the session list without its trailing slash redirects to it.
  app.post<{ Params: Params }>("/:server_id/sessions", async (request, reply) => {
    const query = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
    const location = `${base}/${encodeURIComponent(request.params.server_id)}/sessions/${query}`;
    return reply.code(308).header("location", location).send();
  });
}
