/**
 * How a console route runs: it finds the operator (or sends the browser to sign in), refuses a
 * state-changing request without the session's CSRF token, and shows an engine error as a page in
 * the console's words. Forms arrive URL-encoded; `field` and `fields` read them.
 *
 * @module
 */

import type { FastifyReply, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { CSRF_FIELD, CSRF_HEADER, sameToken } from "./credentials.ts";
import { CONSOLE_ERRORS } from "./errors.ts";
import { type Html, html } from "./html.ts";
import { PREFIX, page } from "./layout.ts";
import { type Operator, operatorOf } from "./operator.ts";

export type FormBody = Record<string, string | string[]>;

export type PageHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  operator: Operator,
) => Promise<Html | undefined>;

/** The one value of a form field (the first, if repeated), trimmed; undefined when absent or empty. */
export function field(body: unknown, name: string): string | undefined {
  const value = (body as FormBody | undefined)?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** Every value of a repeated form field (checkboxes), without empty ones. */
export function fields(body: unknown, name: string): string[] {
  const value = (body as FormBody | undefined)?.[name];
  const all = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return all.map((v) => v.trim()).filter((v) => v !== "");
}

/** The query string's parameter, or undefined when absent or empty. */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The page's notice named by `?notice=`, when the page has one of that name: an own property only, so
 * that `?notice=constructor` names nothing.
 */
export function noticeOf<T>(notices: Readonly<Record<string, T>>, request: FastifyRequest): T | undefined {
  const name = queryParam(request, "notice");
  return name !== undefined && Object.hasOwn(notices, name) ? notices[name] : undefined;
}

/** The path parameter (Fastify decodes it). */
export function pathParam(request: FastifyRequest, name: string): string {
  return String((request.params as Record<string, unknown>)[name] ?? "");
}

export function sendPage(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  return reply.code(status).type("text/html; charset=utf-8").send(body.text);
}

/** Redirects after a change (post/redirect/get), so that reloading the page does not repeat it. */
export function seeOther(reply: FastifyReply, path: string): FastifyReply {
  return reply.redirect(`${PREFIX}${path}`, 303);
}

const CHANGES_STATE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A route for signed-in operators. */
export function guarded(engine: Engine, section: string, handler: PageHandler) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const operator = await operatorOf(engine, request);
    if (!operator) {
      if (request.headers["hx-request"]) return reply.code(401).header("hx-redirect", `${PREFIX}/login`).send();
      const next = request.method === "GET" ? `?next=${encodeURIComponent(request.url)}` : "";
      return reply.redirect(`${PREFIX}/login${next}`, 303);
    }
    if (CHANGES_STATE.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      const given = field(request.body, CSRF_FIELD) ?? (typeof header === "string" ? header : undefined);
      if (!sameToken(operator.csrf, given)) {
        const body = html`<p>This form was not sent from this console session (its security token is missing or
wrong), so nothing was changed. Reload the page and try again.</p>`;
        return sendPage(reply, page(operator, "Request refused", body, { current: section }), 403);
      }
    }
    try {
      const out = await handler(request, reply, operator);
      if (out !== undefined) sendPage(reply, out);
      return reply;
    } catch (error) {
      if (!(error instanceof SessionError)) throw error;
      const { status, heading } = CONSOLE_ERRORS[error.code];
      const body = html`<p>${error.message}</p><p><a href="${PREFIX}${section === "/" ? "" : section}">Back</a></p>`;
      return sendPage(reply, page(operator, heading, body, { current: section }), status);
    }
  };
}
