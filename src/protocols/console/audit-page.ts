/**
 * The audit log: logins, failed logins, endings with their reason, terminations and who did them,
 * directory and service-message changes, filtered by realm, user, kind and session and paged by
 * entry id, oldest first as the core's `audit.list` answers. Needs `Audit.Read`.
 *
 * @module
 */

import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { listAudit } from "../../core/ops/index.ts";
import { AUDIT_KINDS } from "../../core/types.ts";
import type { AuditEntryView } from "../../core/views.ts";
import { guarded, queryParam } from "./handlers.ts";
import { type Html, html } from "./html.ts";
import { PREFIX, page, when } from "./layout.ts";

const PAGE_SIZE = 100;

export function auditTable(entries: AuditEntryView[]): Html {
  if (entries.length === 0) return html`<p>No entries match.</p>`;
  return html`<table><caption class="muted">Times are UTC.</caption>
<thead><tr><th scope="col">Id</th><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Realm</th>
<th scope="col">User</th><th scope="col">Session</th><th scope="col">By</th><th scope="col">Address</th>
<th scope="col">Protocol</th><th scope="col">Detail</th></tr></thead>
<tbody>${entries.map(
    (e) => html`<tr><td>${e.id}</td><td>${when(e.at)}</td><td>${e.kind}</td><td>${e.realm ?? "—"}</td>
<td>${e.userName ?? "—"}</td><td>${e.sessionKey ? html`<code>${e.sessionKey.slice(0, 8)}</code>` : "—"}</td>
<td>${e.actor ?? "—"}</td><td>${e.ipAddress ?? "—"}</td><td>${e.protocol ?? "—"}</td><td>${e.detail ?? ""}</td></tr>`,
  )}</tbody></table>`;
}

function filtersOf(request: FastifyRequest) {
  const after = queryParam(request, "after");
  return {
    realm: queryParam(request, "realm"),
    userName: queryParam(request, "user"),
    kind: queryParam(request, "kind"),
    sessionKey: queryParam(request, "session"),
    after: after !== undefined && /^\d{1,15}$/.test(after) ? Number(after) : undefined,
  };
}

export function registerAuditPage(app: FastifyInstance, engine: Engine): void {
  app.get(
    "/audit",
    guarded(engine, "/audit", async (request, _reply, operator) => {
      const filters = filtersOf(request);
      const result = await operator.scope.run(listAudit, {
        ...(filters.realm ? { realm: filters.realm } : {}),
        ...(filters.userName ? { userName: filters.userName } : {}),
        ...(filters.kind ? { kind: filters.kind } : {}),
        ...(filters.sessionKey ? { sessionKey: filters.sessionKey } : {}),
        ...(filters.after === undefined ? {} : { after: filters.after }),
        limit: PAGE_SIZE,
      });
      const next = new URLSearchParams();
      if (filters.realm) next.set("realm", filters.realm);
      if (filters.userName) next.set("user", filters.userName);
      if (filters.kind) next.set("kind", filters.kind);
      if (filters.sessionKey) next.set("session", filters.sessionKey);
      if (result.nextAfter !== null) next.set("after", String(result.nextAfter));
      const body = html`<form method="get" action="${PREFIX}/audit" class="actions" role="search">
<label>Realm <input name="realm" value="${filters.realm ?? ""}" size="12"></label>
<label>User <input name="user" value="${filters.userName ?? ""}" size="12"></label>
<label>Kind <select name="kind"><option value="">any</option>${AUDIT_KINDS.map(
        (kind) => html`<option value="${kind}"${filters.kind === kind ? html` selected` : ""}>${kind}</option>`,
      )}</select></label>
<label>Session key <input name="session" value="${filters.sessionKey ?? ""}" size="12"></label>
<button type="submit">Filter entries</button> <a href="${PREFIX}/audit">Clear filters</a></form>
${auditTable(result.entries)}
${result.nextAfter === null ? html`<p class="muted">End of the log.</p>` : html`<p><a href="${PREFIX}/audit?${next.toString()}">Next page</a></p>`}`;
      return page(operator, "Audit log", body, { current: "/audit" });
    }),
  );
}
