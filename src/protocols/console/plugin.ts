/**
 * The console's Fastify scope at `/console`: URL-encoded forms, security headers on every answer
 * (a Content-Security-Policy that allows scripts, styles and connections from this server only and
 * no inline script), errors as pages, the static assets, the live event stream and the pages.
 *
 * @module
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { frameworkFailure } from "../kit/framework-errors.ts";
import { assetNamed } from "./assets.ts";
import { registerAuditPage } from "./audit-page.ts";
import { registerDashboard } from "./dashboard-page.ts";
import { CONSOLE_ERRORS } from "./errors.ts";
import { registerGroupsPages } from "./groups-page.ts";
import { type FormBody, pathParam, sendPage } from "./handlers.ts";
import { html } from "./html.ts";
import { PREFIX, page } from "./layout.ts";
import { openLiveEvents } from "./live-events.ts";
import { registerMessagePage } from "./message-page.ts";
import { operatorOf } from "./operator.ts";
import { registerRealmsPages } from "./realms-page.ts";
import { registerSessionDetail } from "./session-detail.ts";
import { registerSessionsPage } from "./sessions-page.ts";
import { registerSignIn } from "./sign-in.ts";
import { registerUsersPages } from "./users-page.ts";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

export interface ConsolePluginOptions {
  engine: Engine;
}

function parseForm(text: string): FormBody {
  const form: FormBody = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const before = form[name];
    form[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return form;
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let failure: SessionError;
  if (error instanceof SessionError) failure = error;
  else {
    const framework = frameworkFailure(error);
    if (framework) failure = framework.error;
    else {
      request.log.error({ err: error }, "Unexpected error in the console");
      failure = new SessionError("INTERNAL");
    }
  }
  const { status, heading } = CONSOLE_ERRORS[failure.code];
  return sendPage(
    reply,
    page(null, heading, html`<p>${failure.message}</p><p><a href="${PREFIX}">Go to the console</a></p>`),
    status,
  );
}

export async function consolePlugin(app: FastifyInstance, { engine }: ConsolePluginOptions): Promise<void> {
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) =>
    done(null, parseForm(String(body))),
  );
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    if (!reply.getHeader("cache-control")) reply.header("cache-control", "no-store");
    return payload;
  });
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(new SessionError("UNKNOWN_METHOD", "The console has no such page."), request, reply),
  );

  const streams = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const close of [...streams]) close();
  });

  app.get("/assets/:name", async (request, reply) => {
    const asset = assetNamed(pathParam(request, "name"));
    if (!asset) throw new SessionError("NOT_FOUND", "No such file.");
    return reply.type(asset.type).header("cache-control", "public, max-age=3600").send(asset.body);
  });

  app.get("/events", async (request, reply) => {
    const operator = await operatorOf(engine, request);
    if (!operator) throw new SessionError("NOT_AUTHENTICATED", "Log in to the console first.");
    // The hijacked answer bypasses onSend: its headers are set here.
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(name, value);
    openLiveEvents(streams, engine, operator, request, reply);
  });

  registerSignIn(app, engine);
  registerDashboard(app, engine);
  registerSessionsPage(app, engine);
  registerSessionDetail(app, engine);
  registerUsersPages(app, engine);
  registerGroupsPages(app, engine);
  registerRealmsPages(app, engine);
  registerMessagePage(app, engine);
  registerAuditPage(app, engine);
}
