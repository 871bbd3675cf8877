/**
 * The service message, per locale, with a preview of what each front door shows a new login in each
 * locale before it is saved. Needs `Sessions.GlobalMessage`; saving pushes it to every live session
 * with a push channel at once (the core emits `message-updated`).
 *
 * @module
 */

import type { FastifyInstance } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { isWellFormedLocale } from "../../core/locale.ts";
import { getServiceMessage, listRealms, updateServiceMessage } from "../../core/ops/index.ts";
import { localizedMessage } from "../../core/service-message.ts";
import type { ServiceMessage } from "../../core/types.ts";
import { field, guarded, queryParam, seeOther } from "./handlers.ts";
import { type Html, html } from "./html.ts";
import { csrfField, PREFIX, page, when } from "./layout.ts";
import type { Operator } from "./operator.ts";

/** Where each front door shows the message of a new login. */
const SHOWN_BY = [
  "JSON API: `serviceMessage` of POST /api/v1/login, and the `service-message` event",
  "vSphere: SessionManager.message",
];

/** The locales to offer: those with a text, and those the realms support (when the operator may read realms). */
async function localesToOffer(operator: Operator, message: ServiceMessage): Promise<string[]> {
  const locales = new Set(Object.keys(message.byLocale));
  if (operator.may("Directory.Manage")) {
    const realms = await operator.scope.run(listRealms, { limit: 1000 });
    for (const realm of realms.realms) for (const locale of realm.supportedLocales) locales.add(locale);
  }
  return [...locales].sort();
}

/** The message a form describes: the default text and each locale's text that is not empty. */
function messageFromForm(body: unknown, locales: string[]): { text: string; byLocale: Record<string, string> } {
  const byLocale: Record<string, string> = {};
  for (const locale of locales) {
    const text = field(body, `locale_${locale}`);
    if (text !== undefined) byLocale[locale] = text;
  }
  const extraLocale = field(body, "newLocale");
  const extraText = field(body, "newText");
  if (extraLocale !== undefined && extraText !== undefined) byLocale[extraLocale] = extraText;
  return { text: field(body, "text") ?? "", byLocale };
}

function localesInForm(body: unknown): string[] {
  return Object.keys((body as Record<string, unknown> | undefined) ?? {})
    .filter((name) => name.startsWith("locale_"))
    .map((name) => name.slice("locale_".length))
    .filter(isWellFormedLocale);
}

function preview(message: { text: string; byLocale: Record<string, string> }, locales: string[]): Html {
  const full: ServiceMessage = { ...message, updatedAt: null, updatedBy: null };
  const rows = ["(default)", ...locales].map((locale) => {
    const text = locale === "(default)" ? message.text : localizedMessage(full, locale);
    return html`<tr><th scope="row">${locale}</th><td>${text === "" ? html`<span class="muted">no message</span>` : text}</td></tr>`;
  });
  return html`<div id="preview"><h2>Preview</h2>
<p class="muted">What a new login sees in each locale, in: ${SHOWN_BY.join("; ")}.</p>
<table><thead><tr><th scope="col">Locale</th><th scope="col">Message shown</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function registerMessagePage(app: FastifyInstance, engine: Engine): void {
  app.get(
    "/message",
    guarded(engine, "/message", async (request, _reply, operator) => {
      const message = await operator.scope.run(getServiceMessage);
      const locales = await localesToOffer(operator, message);
      const body = html`<p class="muted">Last changed ${when(message.updatedAt)} by ${message.updatedBy ?? "nobody"}.</p>
<form method="post" action="${PREFIX}/message" hx-post="${PREFIX}/message/preview" hx-trigger="input delay:400ms" hx-target="#preview" hx-swap="outerHTML">
${csrfField(operator)}
<label class="block">Message for every locale without its own text <textarea name="text">${message.text}</textarea></label>
${locales.map(
  (locale) =>
    html`<label class="block">Message in ${locale} <textarea name="locale_${locale}">${message.byLocale[locale] ?? ""}</textarea></label>`,
)}
<fieldset><legend>Another locale</legend>
<label>Locale <input name="newLocale" size="6" placeholder="fr"></label>
<label class="block">Message in that locale <textarea name="newText"></textarea></label></fieldset>
<div class="actions"><button type="submit">Save service message</button>
<button type="submit" formaction="${PREFIX}/message/preview" class="plain">Preview service message</button></div>
</form>
${preview(message, locales)}`;
      const notice = queryParam(request, "notice") === "saved" ? "The service message was saved." : undefined;
      return page(operator, "Service message", body, { current: "/message", notice });
    }),
  );

  app.post(
    "/message",
    guarded(engine, "/message", async (request, reply, operator) => {
      await operator.scope.run(updateServiceMessage, messageFromForm(request.body, localesInForm(request.body)));
      seeOther(reply, "/message?notice=saved");
      return undefined;
    }),
  );

  app.post(
    "/message/preview",
    guarded(engine, "/message", async (request, _reply, operator) => {
      const message = messageFromForm(request.body, localesInForm(request.body));
      const shown = preview(message, Object.keys(message.byLocale).sort());
      if (request.headers["hx-request"]) return shown;
      return page(
        operator,
        "Service message preview",
        html`${shown}<p><a href="${PREFIX}/message">Back to the service message</a></p>`,
        {
          current: "/message",
        },
      );
    }),
  );
}
