/**
 * The console's static files: htmx, read from its npm package in `node_modules` (never a CDN: the
 * machines that run sessiond are often offline), and the console's own stylesheet and script. The
 * two are kept here as text rather than as files next to this module, so that they ship inside the
 * compiled package without a copy step.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export interface Asset {
  type: string;
  body: string;
}

const require = createRequire(import.meta.url);

/** Light and dark follow the system setting; focus is always visible for keyboard users. */
const STYLESHEET = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1b1f; --muted: #5d5d66; --line: #d6d6de; --accent: #1f5fbf;
  --accent-fg: #fff; --danger: #b3261e; --ok: #1e7b34; --panel: #f5f6f8; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15161a; --fg: #e8e8ee; --muted: #a0a0ab; --line: #34353d; --accent: #7fb0ff; --accent-fg: #0b1220;
    --danger: #ff8a80; --ok: #7ddc8f; --panel: #1e1f25; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1rem;
  border-bottom: 1px solid var(--line); background: var(--panel); }
header .brand { font-weight: 700; margin-right: 1rem; }
nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration: underline; }
header form { margin-left: auto; }
main { padding: 1rem; max-width: 1400px; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
form.inline { display: inline; }
fieldset { border: 1px solid var(--line); margin: 0 0 1rem; padding: .6rem .8rem; }
label { display: inline-block; margin: .2rem 1rem .2rem 0; }
label.block { display: block; }
input, select, textarea, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line);
  border-radius: 4px; padding: .3rem .5rem; }
textarea { width: 100%; min-height: 4rem; }
button { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); cursor: pointer; }
button.danger { background: var(--danger); border-color: var(--danger); color: var(--bg); }
button.plain { background: transparent; color: var(--accent); }
.notice { padding: .6rem .8rem; border-left: 4px solid var(--ok); background: var(--panel); margin-bottom: 1rem; }
.error { padding: .6rem .8rem; border-left: 4px solid var(--danger); background: var(--panel); margin-bottom: 1rem; }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; margin-bottom: 1rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; min-width: 14rem; background: var(--panel); }
.card h2 { font-size: 1rem; margin: 0 0 .4rem; }
#live-log { font-size: 13px; color: var(--muted); max-height: 8rem; overflow: auto; }
.sign-in { max-width: 24rem; margin: 3rem auto; }
.sign-in label { display: block; margin-bottom: .6rem; }
.sign-in input { width: 100%; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0 1rem; }
`;

/**
 * Live updates: a page that names an event stream (`data-live-events`) opens it, logs each event in
 * the live region and asks every element marked `data-refresh-on-event` to reload (htmx `refresh`),
 * keeping the rows the operator had selected. Loaded from the server, as the CSP allows no inline script.
 */
const SCRIPT = `"use strict";
(function () {
  var page = document.querySelector("[data-live-events]");
  var kept = [];
  document.body.addEventListener("htmx:beforeSwap", function () {
    kept = Array.prototype.map.call(document.querySelectorAll("input[name=key]:checked"), function (box) { return box.value; });
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    kept.forEach(function (key) {
      var box = document.querySelector('input[name=key][value="' + CSS.escape(key) + '"]');
      if (box) box.checked = true;
    });
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || !target.matches || !target.matches("[data-select-all]")) return;
    document.querySelectorAll("input[name=key]").forEach(function (box) { box.checked = target.checked; });
  });
  if (!page || typeof EventSource === "undefined") return;
  var source = new EventSource(page.getAttribute("data-live-events"));
  var pending = null;
  source.addEventListener("session", function (event) {
    var data = JSON.parse(event.data);
    var log = document.getElementById("live-log");
    if (log) {
      var item = document.createElement("li");
      item.textContent = data.text;
      log.insertBefore(item, log.firstChild);
      while (log.children.length > 20) log.removeChild(log.lastChild);
    }
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      document.querySelectorAll("[data-refresh-on-event]").forEach(function (element) { htmx.trigger(element, "refresh"); });
    }, 150);
  });
  source.addEventListener("signed-out", function () {
    source.close();
    window.location.assign(page.getAttribute("data-sign-in"));
  });
})();
`;

function htmxSource(): string {
  return readFileSync(require.resolve("htmx.org/dist/htmx.min.js"), "utf8");
}

let cache: Map<string, Asset> | undefined;

/** The asset of this name, or undefined. */
export function assetNamed(name: string): Asset | undefined {
  cache ??= new Map([
    ["htmx.min.js", { type: "text/javascript; charset=utf-8", body: htmxSource() }],
    ["console.js", { type: "text/javascript; charset=utf-8", body: SCRIPT }],
    ["console.css", { type: "text/css; charset=utf-8", body: STYLESHEET }],
  ]);
  return cache.get(name);
}
