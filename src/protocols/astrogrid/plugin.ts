/**
 * The AstroGrid front door: the Astro Runtime's session manager over XML-RPC and HTTP, so that AR
 * clients (Python's `xmlrpc.client`, python-astrogrid) work against sessiond unchanged. A Fastify
 * scope mounted at `astrogrid.prefix` (default `/astrogrid`).
 *
 * The first path segment under the prefix is a *context*: the secret of the session the call runs in
 * (a 32-hex-character AstroGrid id, or any other sessiond secret). The default session is one such
 * context, made by the server at start-up. Under each context:
 *
 * - `POST xmlrpc`: XML-RPC (`GET xmlrpc` answers a small HTML page);
 * - `GET|POST <module>/<component>/<method>/plain?<param>=...`: the HTTP function-call binding
 *   (`html` instead of `plain` wraps the result in a page);
 * - `GET`, `<module>/`, `<module>/<component>/`, `<module>/<component>/<method>/`: HTML documentation.
 *
 * A context whose session is gone (disposed, expired, terminated anywhere) answers 403
 * `Astro Runtime - Forbidden`, as does everything outside a context. Every call in a context is
 * activity of its session. Method names map to engine operations in `methods.ts`.
 *
 * @module
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { httpCallContext } from "../kit/call-context.ts";
import { frameworkFailure } from "../kit/framework-errors.ts";
import { openScope, type RequestScope } from "../kit/request-scope.ts";
import { escapeXml } from "../xml.ts";
import { decodeMethodCall, encodeFault, encodeResponse, plainText, type XmlRpcValue } from "./codec.ts";
import {
  FAULT_CODE,
  Fault,
  FORBIDDEN_TEXT,
  Forbidden,
  faultString,
  isNoSession,
  notAvailable,
  wrongParameterCount,
} from "./errors.ts";
import { convertArgs, introspectionText, lookupMethod, METHODS, type MethodEnvironment } from "./methods.ts";
import type { AstrogridSettings } from "./settings.ts";

export interface AstrogridPluginOptions {
  engine: Engine;
  settings: AstrogridSettings;
  /** The server's own base URL (`http://host:port`), known once it listens. */
  baseUrl: () => string;
  /** Shared, read-only configuration served by `system.configuration`. */
  configuration: Readonly<Record<string, string>>;
}

/** What may stand as a context: AstroGrid's 32 hex characters, or another sessiond secret. */
const CONTEXT_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

type Params = { context: string; module?: string; component?: string; method?: string; kind?: string };

function html(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeXml(title)}</title></head><body><h1>${escapeXml(title)}</h1>${body}</body></html>\n`;
}

function list(items: { href: string; text: string }[]): string {
  return `<ul>${items.map((i) => `<li><a href="${escapeXml(i.href)}">${escapeXml(i.text)}</a></li>`).join("")}</ul>`;
}

/** The three-part methods (the HTTP binding's), split. */
const HTTP_METHODS = METHODS.flatMap((m) => {
  const [module, component, method, ...rest] = m.name.split(".");
  return module && component && method && rest.length === 0 ? [{ module, component, method, spec: m }] : [];
});

export async function astrogridPlugin(app: FastifyInstance, options: AstrogridPluginOptions): Promise<void> {
  const { engine, settings } = options;
  const urlOf = (id: string) => `${options.baseUrl()}${settings.prefix}/${id}/`;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: settings.maxRequestBytes }, (_request, body, done) =>
    done(null, body),
  );

  const forbidden = (reply: FastifyReply) =>
    reply.code(403).type("text/plain; charset=utf-8").send(`${FORBIDDEN_TEXT}\n`);

  const isXmlRpc = (request: FastifyRequest) => /\/xmlrpc(\?|$)/.test(request.url);

  /** A fault's text, or undefined when the error is not one a client may see. */
  const faultText = (error: unknown, request: FastifyRequest): string => {
    if (error instanceof Fault) return error.message;
    if (error instanceof SessionError) return faultString(error);
    const framework = frameworkFailure(error, { bodyLimit: settings.maxRequestBytes });
    if (framework) return faultString(framework.error);
    request.log.error({ err: error }, "Unexpected error in the AstroGrid front door");
    return faultString(new SessionError("INTERNAL"));
  };

  const sendFailure = (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (error instanceof Forbidden || (error instanceof SessionError && isNoSession(error))) return forbidden(reply);
    const text = faultText(error, request);
    if (isXmlRpc(request) && request.method === "POST") {
      return reply.code(200).type("text/xml; charset=UTF-8").send(encodeFault(FAULT_CODE, text));
    }
    return reply.code(500).type("text/plain; charset=utf-8").send(`${text}\n`);
  };

  app.setErrorHandler((error, request, reply) => sendFailure(error, request, reply));
  app.setNotFoundHandler((_request, reply) => forbidden(reply));

  /**
   * The request's caller, authenticated once: the call of its context's session (its activity). A
   * context whose session is not live is 403, whatever the request asks.
   */
  const scopeOf = async (request: FastifyRequest<{ Params: Params }>): Promise<RequestScope> => {
    const id = request.params.context;
    if (!CONTEXT_PATTERN.test(id)) throw new Forbidden();
    const scope = await openScope(engine, httpCallContext("astrogrid", request, { secret: id }));
    if (!scope.caller.session) throw new Forbidden();
    return scope;
  };

  /** Runs one method for the request's caller; `raw` are the wire parameters in order. */
  const invoke = async (scope: RequestScope, name: string, raw: readonly unknown[]): Promise<XmlRpcValue> => {
    const method = lookupMethod(name);
    if (!method) {
      const text = raw.length === 0 ? introspectionText(name) : undefined;
      if (text !== undefined) return text;
      throw notAvailable(name);
    }
    if (raw.length !== method.params.length) throw wrongParameterCount(name, method.params.length);
    const args = convertArgs(method, raw);
    const env: MethodEnvironment = {
      scope,
      realm: settings.realm,
      configuration: options.configuration,
      xmlrpcUrl: (id) => `${urlOf(id)}xmlrpc`,
      httpUrl: urlOf,
      isSessionId: (text) => CONTEXT_PATTERN.test(text),
    };
    return method.run(env, args);
  };

  app.get("/", async (_request, reply) => forbidden(reply));

  app.post<{ Params: Params }>("/:context/xmlrpc", async (request, reply) => {
    const scope = await scopeOf(request);
    const call = decodeMethodCall(typeof request.body === "string" ? request.body : "");
    const result = await invoke(scope, call.methodName, call.params);
    return reply.code(200).type("text/xml; charset=UTF-8").send(encodeResponse(result));
  });

  app.get<{ Params: Params }>("/:context/xmlrpc", async (request, reply) => {
    await scopeOf(request);
    const page = html("Astro Runtime XML-RPC", "<p>POST XML-RPC method calls to this URL.</p>");
    return reply.type("text/html; charset=utf-8").send(page);
  });

  // Documentation pages: modules, components, methods, one method.
  app.get<{ Params: Params }>("/:context/", async (request, reply) => {
    await scopeOf(request);
    const modules = [...new Set(HTTP_METHODS.map((m) => m.module))];
    return reply
      .type("text/html; charset=utf-8")
      .send(html("Astro Runtime", list(modules.map((m) => ({ href: `${m}/`, text: m })))));
  });
  app.get<{ Params: Params }>("/:context/:module/", async (request, reply) => {
    await scopeOf(request);
    const { module } = request.params;
    const components = [...new Set(HTTP_METHODS.filter((m) => m.module === module).map((m) => m.component))];
    if (components.length === 0) throw notAvailable(String(module).slice(0, 64));
    return reply
      .type("text/html; charset=utf-8")
      .send(html(String(module), list(components.map((c) => ({ href: `${c}/`, text: c })))));
  });
  app.get<{ Params: Params }>("/:context/:module/:component/", async (request, reply) => {
    await scopeOf(request);
    const { module, component } = request.params;
    const methods = HTTP_METHODS.filter((m) => m.module === module && m.component === component);
    if (methods.length === 0) throw notAvailable(`${module}.${component}`.slice(0, 128));
    const items = methods.map((m) => ({ href: `${m.method}/`, text: `${m.method}: ${m.spec.help}` }));
    return reply.type("text/html; charset=utf-8").send(html(`${module}.${component}`, list(items)));
  });
  app.get<{ Params: Params }>("/:context/:module/:component/:method/", async (request, reply) => {
    await scopeOf(request);
    const { module, component, method } = request.params;
    const spec = HTTP_METHODS.find((m) => m.module === module && m.component === component && m.method === method);
    if (!spec) throw notAvailable(`${module}.${component}.${method}`.slice(0, 200));
    const fields = spec.spec.params.map((p) => `${escapeXml(p.name)} (${p.type}): <input name="${escapeXml(p.name)}">`);
    const form = `<p>${escapeXml(spec.spec.help)}</p><p>Returns ${spec.spec.returns}.</p><form method="post" action="plain">${fields.join("<br>")}<button>Call</button></form>`;
    return reply.type("text/html; charset=utf-8").send(html(spec.spec.name, form));
  });

  const functionCall = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const scope = await scopeOf(request);
    const { module = "", component = "", method = "", kind } = request.params;
    if (kind !== "plain" && kind !== "html") throw new Fault("The result type must be plain or html");
    const name = [module, component, method].every((s) => SEGMENT.test(s))
      ? `${module}.${component}.${method}`
      : "(invalid name)";
    const spec = lookupMethod(name);
    const query = new URLSearchParams(request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "");
    const form =
      request.method === "POST" && /^application\/x-www-form-urlencoded\b/i.test(request.headers["content-type"] ?? "")
        ? new URLSearchParams(typeof request.body === "string" ? request.body : "")
        : new URLSearchParams();
    const raw: string[] = [];
    for (const param of spec?.params ?? []) {
      const value = form.get(param.name) ?? query.get(param.name);
      if (value === null) break;
      raw.push(value);
    }
    const result = await invoke(scope, name, raw);
    const text = plainText(result);
    if (kind === "html") {
      return reply.type("text/html; charset=utf-8").send(html(name, `<pre>${escapeXml(text)}</pre>`));
    }
    return reply.type("text/plain; charset=utf-8").send(`${text}\n`);
  };
  app.get<{ Params: Params }>("/:context/:module/:component/:method/:kind", functionCall);
  app.post<{ Params: Params }>("/:context/:module/:component/:method/:kind", functionCall);
}
