/**
 * The vSphere JSON API (vCenter 8.0U1 and later, protocols.md 1.11) over the same sessions and the
 * same method table as SOAP: `GET /sdk/vim25/{release}/{type}/{id}/{property}` reads a property and
 * `POST /sdk/vim25/{release}/{type}/{id}/{method}` calls a method with its parameters as a JSON object.
 *
 * The secret travels in the `vmware-api-session-id` header (the `vmware_soap_session` cookie works
 * too); a login answers it in the same header. Values are JSON with `_typeName` on data objects; a
 * void result or an unset property is `204`. Faults are `500` with the fault object as the body,
 * `{"_typeName":"InvalidLogin","faultstring":"…"}`, which govmomi's JSON client expects.
 *
 * @module
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { SessionError } from "../../core/errors.ts";
import { argsFromJson } from "./call.ts";
import { faultOf, INTERNAL_FAULT, type WireFault } from "./errors.ts";
import { requestFacts, SESSION_COOKIE, transportFault, vsphereContext } from "./http.ts";
import { type Invoker, serviceTicketScopes } from "./methods.ts";
import type { VsphereSettings } from "./settings.ts";
import { cookieValue } from "./soap.ts";
import { dataObject, moRef, toJson } from "./values.ts";

export interface VsphereJsonApiOptions {
  invoker: Invoker;
  settings: VsphereSettings;
}

export const SESSION_HEADER = "vmware-api-session-id";

/** `8.0.1.0`, `8.0.2.0`, `9.0.0.0`: any release path names the same API here. */
const RELEASE = /^\d{1,2}(\.\d{1,3}){1,3}$/;
const SEGMENT = /^[A-Za-z_][A-Za-z0-9_.:[\]-]{0,199}$/;

type Params = { release: string; type: string; id: string; name: string };

function sendFault(reply: FastifyReply, fault: WireFault): FastifyReply {
  const body = { ...(toJson(dataObject(fault.type, fault.fields)) as object), faultstring: fault.message };
  return reply.code(500).type("application/json").send(JSON.stringify(body));
}

function malformed(message: string): WireFault {
  return faultOf(new SessionError("MALFORMED_REQUEST", message), undefined) ?? INTERNAL_FAULT;
}

export async function vsphereJsonApi(app: FastifyInstance, options: VsphereJsonApiOptions): Promise<void> {
  const { invoker, settings } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: settings.maxRequestBytes }, (_request, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((error, request, reply) =>
    sendFault(reply, transportFault(error, request, settings.maxRequestBytes)),
  );
  app.setNotFoundHandler((_request, reply) =>
    sendFault(reply, malformed("No such JSON API path: use /sdk/vim25/{release}/{type}/{id}/{name}.")),
  );

  const secretOf = (request: FastifyRequest): string | undefined => {
    const header = request.headers[SESSION_HEADER];
    const value = Array.isArray(header) ? header[0] : header;
    return value?.trim() || cookieValue(request.headers.cookie, SESSION_COOKIE);
  };

  const checkPath = (params: Params): WireFault | undefined => {
    if (!RELEASE.test(params.release)) return malformed("The release in the path must look like 8.0.3.0.");
    if (![params.type, params.id, params.name].every((s) => SEGMENT.test(s)))
      return malformed("The path is malformed.");
    return undefined;
  };

  app.get<{ Params: Params }>("/:release/:type/:id/:name", async (request, reply) => {
    const bad = checkPath(request.params);
    if (bad) return sendFault(reply, bad);
    const { type, id, name } = request.params;
    const path = request.url.split("?")[0] ?? "";
    const outcome = await invoker.read({
      ...requestFacts(request, reply),
      context: vsphereContext(request, secretOf(request), serviceTicketScopes("GET", path)),
      target: moRef(type, id),
      name,
      issueSession: () => {},
    });
    if (!outcome.ok) return sendFault(reply, outcome.fault);
    if (outcome.value === undefined) return reply.code(204).send();
    return reply
      .code(200)
      .type("application/json")
      .send(JSON.stringify(toJson(outcome.value)));
  });

  app.post<{ Params: Params }>("/:release/:type/:id/:name", async (request, reply) => {
    const bad = checkPath(request.params);
    if (bad) return sendFault(reply, bad);
    const { type, id, name } = request.params;
    const text = typeof request.body === "string" ? request.body.trim() : "";
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      return sendFault(reply, malformed("The request body is not valid JSON."));
    }
    const path = request.url.split("?")[0] ?? "";
    let issued: string | undefined;
    const outcome = await invoker.call({
      ...requestFacts(request, reply),
      context: vsphereContext(request, secretOf(request), serviceTicketScopes("POST", path, { type, name })),
      target: moRef(type, id),
      name,
      readArgs: (spec) => argsFromJson(spec, body),
      issueSession: (secret) => {
        issued = secret;
      },
    });
    if (!outcome.ok) return sendFault(reply, outcome.fault);
    if (issued !== undefined) reply.header(SESSION_HEADER, issued);
    if (outcome.value === undefined) return reply.code(204).send();
    return reply
      .code(200)
      .type("application/json")
      .send(JSON.stringify(toJson(outcome.value)));
  });
}
