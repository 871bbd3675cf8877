/**
 * Signing in and out. The console's session is an ordinary session (protocol `console`) made by the
 * core's `login`, with a password or a local ticket: `sessiond console-link` asks the running server
 * for a local ticket and prints a one-time URL whose page offers "Log in" with it. That page only
 * shows a form: the ticket is spent when the operator presses the button, never by a GET that a link
 * preview could send.
 *
 * @module
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { endSession, login } from "../../core/ops/index.ts";
import { cookieHeader, newSignInToken, readCookie, SESSION_COOKIE, SIGN_IN_COOKIE, sameToken } from "./credentials.ts";
import { CONSOLE_ERRORS } from "./errors.ts";
import { field, guarded, queryParam, seeOther, sendPage } from "./handlers.ts";
import { type Html, html } from "./html.ts";
import { PREFIX, page } from "./layout.ts";
import { consoleContext, operatorOf, overTls } from "./operator.ts";

/** Where to go after signing in: a console page, never another site. */
function safeNext(next: string | undefined): string {
  if (next === undefined || !/^\/console(\/[A-Za-z0-9/_.~%?&=@+-]*)?$/.test(next) || next.includes("//")) {
    return PREFIX;
  }
  return next;
}

interface SignInForm {
  userName?: string | undefined;
  /** A local ticket from a console link: sent as the password, never shown. */
  ticket?: string | undefined;
  next?: string | undefined;
  error?: Html | undefined;
}

function signInPage(reply: FastifyReply, request: FastifyRequest, form: SignInForm, status = 200): FastifyReply {
  const token = newSignInToken();
  reply.header("set-cookie", cookieHeader(SIGN_IN_COOKIE, token, overTls(request)));
  const hidden = html`<input type="hidden" name="signInToken" value="${token}">
<input type="hidden" name="next" value="${safeNext(form.next)}">`;
  const body = form.ticket
    ? html`<form class="sign-in" method="post" action="${PREFIX}/login">${hidden}
<p>This one-time link logs you in as <strong>${form.userName}</strong>.</p>
<input type="hidden" name="userName" value="${form.userName}">
<input type="hidden" name="password" value="${form.ticket}">
<button type="submit">Log in as ${form.userName}</button></form>`
    : html`<form class="sign-in" method="post" action="${PREFIX}/login">${hidden}
<label>User name <input name="userName" autocomplete="username" required autofocus value="${form.userName ?? ""}"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<p class="muted">Use <code>name@realm</code> for a user of another realm than the default.</p>
<button type="submit">Log in</button></form>`;
  return sendPage(reply, page(null, "Log in", body, { error: form.error }), status);
}

export function registerSignIn(app: FastifyInstance, engine: Engine): void {
  app.get("/login", async (request, reply) => {
    if (await operatorOf(engine, request)) return reply.redirect(safeNext(queryParam(request, "next")), 303);
    return signInPage(reply, request, { next: queryParam(request, "next") });
  });

  app.get("/link", async (request, reply) => {
    const userName = queryParam(request, "user");
    const ticket = queryParam(request, "ticket");
    if (!userName || !ticket) {
      return signInPage(
        reply,
        request,
        { error: html`This link is incomplete. Run <code>sessiond console-link</code> again.` },
        400,
      );
    }
    return signInPage(reply, request, { userName, ticket });
  });

  app.post("/login", async (request, reply) => {
    const userName = field(request.body, "userName");
    const next = field(request.body, "next");
    const expected = readCookie(request.headers, SIGN_IN_COOKIE);
    if (expected === undefined || !sameToken(expected, field(request.body, "signInToken"))) {
      const error = html`The sign-in form had expired or did not come from this console. Please try again.`;
      return signInPage(reply, request, { userName, next, error }, 403);
    }
    try {
      const context = consoleContext(request);
      delete context.secret;
      const result = await engine.call(login, context, {
        userName: userName ?? "",
        password: (request.body as Record<string, unknown> | undefined)?.password ?? "",
        newSession: true,
        client: { name: "sessiond-console" },
      });
      if (result.secret === undefined) throw new SessionError("INTERNAL");
      const secure = overTls(request);
      reply.header("set-cookie", [
        cookieHeader(SESSION_COOKIE, result.secret, secure),
        cookieHeader(SIGN_IN_COOKIE, null, secure),
      ]);
      return reply.redirect(safeNext(next), 303);
    } catch (error) {
      if (!(error instanceof SessionError)) throw error;
      const { status, heading } = CONSOLE_ERRORS[error.code];
      return signInPage(
        reply,
        request,
        { userName, next, error: html`<strong>${heading}.</strong> ${error.message}` },
        status,
      );
    }
  });

  app.post(
    "/logout",
    guarded(engine, "/", async (request, reply, operator) => {
      await operator.scope.run(endSession);
      reply.header("set-cookie", cookieHeader(SESSION_COOKIE, null, overTls(request)));
      seeOther(reply, "/login");
      return undefined;
    }),
  );
}
