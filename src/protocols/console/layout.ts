/**
 * The page around every console page: the navigation (only the pages the operator's privileges
 * allow), a "Log out" button, a notice or an error, and the scripts, all from this server.
 *
 * @module
 */

import type { Privilege } from "../../core/privileges.ts";
import { CSRF_FIELD } from "./credentials.ts";
import { type Html, html } from "./html.ts";
import type { Operator } from "./operator.ts";

export const PREFIX = "/console";

interface NavItem {
  path: string;
  label: string;
  needs?: Privilege;
}

const NAV: readonly NavItem[] = [
  { path: "/", label: "Dashboard" },
  { path: "/sessions", label: "Sessions" },
  { path: "/users", label: "Users", needs: "Directory.Manage" },
  { path: "/groups", label: "Groups", needs: "Directory.Manage" },
  { path: "/realms", label: "Realms", needs: "Directory.Manage" },
  { path: "/message", label: "Service message", needs: "Sessions.GlobalMessage" },
  { path: "/audit", label: "Audit log", needs: "Audit.Read" },
];

export interface PageOptions {
  /** Which navigation entry is this page's. */
  current?: string;
  notice?: string | undefined;
  error?: Html | undefined;
  /** Opens the live event stream on this page. */
  live?: boolean;
}

function navigation(operator: Operator, current: string | undefined): Html {
  const items = NAV.filter((item) => item.needs === undefined || operator.may(item.needs));
  return html`<nav aria-label="Console"><ul>${items.map(
    (item) =>
      html`<li><a href="${PREFIX}${item.path === "/" ? "" : item.path}"${
        item.path === current ? html` aria-current="page"` : ""
      }>${item.label}</a></li>`,
  )}</ul></nav>`;
}

/** A hidden field with the CSRF token, for every form that changes something. */
export function csrfField(operator: Operator): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${operator.csrf}">`;
}

export function page(operator: Operator | null, title: string, body: Html, options: PageOptions = {}): Html {
  const header = operator
    ? html`<header><span class="brand">sessiond console</span>${navigation(operator, options.current)}
<form method="post" action="${PREFIX}/logout">${csrfField(operator)}
<span class="muted">${operator.user.name}@${operator.user.realm}</span> <button type="submit" class="plain">Log out</button></form></header>`
    : html`<header><span class="brand">sessiond console</span></header>`;
  const live =
    options.live && operator ? html` data-live-events="${PREFIX}/events" data-sign-in="${PREFIX}/login"` : "";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}'>
<title>${title} · sessiond</title>
<link rel="stylesheet" href="${PREFIX}/assets/console.css">
<script src="${PREFIX}/assets/htmx.min.js" defer></script>
<script src="${PREFIX}/assets/console.js" defer></script>
</head>
<body${operator ? html` hx-headers='{"x-csrf-token":"${operator.csrf}"}'` : ""}${live}>
${header}
<main id="main">
<h1>${title}</h1>
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ""}
${options.error ? html`<div class="error" role="alert">${options.error}</div>` : ""}
${body}
</main>
</body>
</html>`;
}

/** A time for a table cell, in UTC so that every operator reads the same. */
export function when(at: number | null): string {
  if (at === null) return "—";
  return new Date(at).toISOString().replace("T", " ").slice(0, 19);
}

/** A duration in words for a table cell. */
export function duration(ms: number | null): string {
  if (ms === null) return "—";
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
