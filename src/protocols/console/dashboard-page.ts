/**
 * The dashboard: live sessions per realm and per protocol (reloaded on every session event), logins
 * and failed logins over the last hour, and the store's health. A plain user's counts are of their
 * own sessions, as `session.list` answers them; the store's health needs `System.Read`. The login
 * counts are read from the audit log (`audit.count`), so every node of a shared store shows the same
 * numbers, failed logins on other nodes and before this node started included; they need
 * `Audit.Read`, without which the dashboard leaves them out.
 *
 * @module
 */

import type { FastifyInstance } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { countAudit, listSessions } from "../../core/ops/index.ts";
import type { SessionView } from "../../core/views.ts";
import { guarded } from "./handlers.ts";
import { type Html, html } from "./html.ts";
import { PREFIX, page } from "./layout.ts";
import type { Operator } from "./operator.ts";

/** Sessions counted at most; past it the dashboard says "at least". */
const COUNT_LIMIT = 20_000;

/** The window of the login counts. */
const HOUR_MS = 3_600_000;

function countBy(sessions: SessionView[], key: (s: SessionView) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const s of sessions) counts.set(key(s), (counts.get(key(s)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function countTable(caption: string, counts: [string, number][]): Html {
  if (counts.length === 0) return html`<p>No live sessions.</p>`;
  return html`<table><thead><tr><th scope="col">${caption}</th><th scope="col">Live sessions</th></tr></thead>
<tbody>${counts.map(([name, count]) => html`<tr><td>${name}</td><td>${count}</td></tr>`)}</tbody></table>`;
}

async function sessionCounts(operator: Operator): Promise<Html> {
  const sessions: SessionView[] = [];
  let after: number | null = null;
  do {
    const page: { sessions: SessionView[]; nextAfter: number | null } = await operator.scope.run(listSessions, {
      limit: 1000,
      ...(after === null ? {} : { after }),
    });
    sessions.push(...page.sessions);
    after = page.nextAfter;
  } while (after !== null && sessions.length < COUNT_LIMIT);
  const total = `${after === null ? "" : "at least "}${sessions.length}`;
  return html`<div class="cards">
<section class="card"><h2>Live sessions</h2><p><strong>${total}</strong></p></section>
<section class="card"><h2>Per realm</h2>${countTable(
    "Realm",
    countBy(sessions, (s) => s.realm),
  )}</section>
<section class="card"><h2>Per protocol</h2>${countTable(
    "Protocol",
    countBy(sessions, (s) => s.protocol),
  )}</section>
</div>`;
}

/** Logins and failed logins over the last hour, from the audit log, or nothing without `Audit.Read`. */
async function loginCounts(engine: Engine, operator: Operator): Promise<Html | string> {
  if (!operator.may("Audit.Read")) return "";
  const { counts } = await operator.scope.run(countAudit, {
    kinds: ["login", "login-failed"],
    since: Math.max(0, engine.clock.now() - HOUR_MS),
  });
  return html`<section class="card"><h2>Last hour</h2><p>Logins: <strong>${counts.login ?? 0}</strong><br>
Failed logins: <strong>${counts["login-failed"] ?? 0}</strong></p><p class="muted">From the audit log: every node's.</p></section>`;
}

async function storeHealth(engine: Engine): Promise<Html> {
  const state = engine.nodeState();
  let bytes: number | null = null;
  let reachable = true;
  try {
    await engine.store.getSetting("healthz");
    bytes = await engine.store.databaseBytes();
  } catch {
    reachable = false;
  }
  return html`<section class="card"><h2>Store</h2><p>Driver: ${engine.store.driver}<br>
Status: <strong>${reachable ? "reachable" : "unreachable"}</strong><br>
Node: ${engine.nodeId} (${state === "alone" ? "single node" : state})<br>
Size: ${bytes === null ? "unknown" : `${Math.round(bytes / 1024)} KiB`}</p></section>`;
}

export function registerDashboard(app: FastifyInstance, engine: Engine): void {
  app.get(
    "/",
    guarded(engine, "/", async (_request, _reply, operator) => {
      const body = html`<div id="counts" hx-get="${PREFIX}/dashboard/counts" hx-trigger="refresh" data-refresh-on-event>
${await sessionCounts(operator)}</div>
<div class="cards">
${await loginCounts(engine, operator)}
${operator.may("System.Read") ? await storeHealth(engine) : ""}
</div>
<h2>Live changes</h2><ul id="live-log" aria-live="polite"></ul>`;
      return page(operator, "Dashboard", body, { current: "/", live: true });
    }),
  );
  app.get(
    "/dashboard/counts",
    guarded(engine, "/", async (_request, _reply, operator) => sessionCounts(operator)),
  );
}
