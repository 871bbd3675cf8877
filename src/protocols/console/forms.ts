/**
 * Pieces the directory pages share: a confirmation page before a deletion, checkboxes for privileges,
 * and reading numbers and lists from a form so that the core's own schema judges them (a typed
 * "ten" reaches the core as text and is refused there, in the core's words).
 *
 * @module
 */

import { GRANTABLE_PRIVILEGES } from "../../core/privileges.ts";
import { field } from "./handlers.ts";
import { type Html, html } from "./html.ts";
import { csrfField, PREFIX, page } from "./layout.ts";
import type { Operator } from "./operator.ts";

export interface Confirmation {
  title: string;
  text: string;
  /** Path under the console the confirmed form posts to. */
  action: string;
  button: string;
  cancel: string;
  section: string;
}

export function confirmationPage(operator: Operator, c: Confirmation): Html {
  const body = html`<p>${c.text}</p>
<form method="post" action="${PREFIX}${c.action}" class="actions">${csrfField(operator)}
<input type="hidden" name="confirmed" value="yes">
<button type="submit" class="danger">${c.button}</button> <a href="${PREFIX}${c.cancel}">Cancel</a></form>`;
  return page(operator, c.title, body, { current: c.section });
}

export function privilegeBoxes(held: readonly string[], legend: string): Html {
  return html`<fieldset><legend>${legend}</legend>${GRANTABLE_PRIVILEGES.map(
    (p) =>
      html`<label><input type="checkbox" name="privileges" value="${p}"${held.includes(p) ? html` checked` : ""}> ${p}</label>`,
  )}</fieldset>`;
}

/** A whole number typed in a form, or the text as typed for the core to refuse; undefined when empty. */
export function numberField(body: unknown, name: string): number | string | undefined {
  const text = field(body, name);
  if (text === undefined) return undefined;
  return /^\d{1,15}$/.test(text) ? Number(text) : text;
}

/** Like `numberField`, but an empty field means "none" (null). */
export function limitField(body: unknown, name: string): number | string | null {
  return numberField(body, name) ?? null;
}

/** A comma- or space-separated list typed in a form. */
export function listField(body: unknown, name: string): string[] {
  return (field(body, name) ?? "")
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** The realm select of a directory page, which reloads the page for the realm chosen. */
export function realmPicker(path: string, realms: string[], current: string, extra: Html | string = ""): Html {
  return html`<form method="get" action="${PREFIX}${path}" class="actions" role="search">
<label>Realm <select name="realm">${realms.map(
    (name) => html`<option value="${name}"${name === current ? html` selected` : ""}>${name}</option>`,
  )}</select></label>${extra}<button type="submit">Show</button></form>`;
}
