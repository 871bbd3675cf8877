/**
 * The sessions page: a table of live sessions, paged by session number and filtered by realm, user
 * and protocol, reloaded (htmx) whenever the event stream reports a change. Operators end one
 * session, the selected ones, all of a user's or all of a realm's, each after a confirmation page.
 * A plain user sees only their own sessions: the core's `session.list` decides that, not this page.
 *
 * @module
 */

import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { inspectSession, listSessions, terminateSessions } from "../../core/ops/index.ts";
import { PROTOCOLS } from "../../core/types.ts";
import type { SessionView } from "../../core/views.ts";
import { field, fields, guarded, noticeOf, queryParam, seeOther } from "./handlers.ts";
import { type Html, html } from "./html.ts";
import { csrfField, duration, PREFIX, page, when } from "./layout.ts";
import type { Operator } from "./operator.ts";

const PAGE_SIZE = 50;

interface SessionFilters {
  realm?: string | undefined;
  userName?: string | undefined;
  protocol?: string | undefined;
  after?: number | undefined;
}

function filtersOf(request: FastifyRequest): SessionFilters {
  const after = queryParam(request, "after");
  return {
    realm: queryParam(request, "realm"),
    userName: queryParam(request, "user"),
    protocol: queryParam(request, "protocol"),
    after: after !== undefined && /^\d{1,15}$/.test(after) ? Number(after) : undefined,
  };
}

function queryOf(filters: SessionFilters, after?: number | null): string {
  const params = new URLSearchParams();
  if (filters.realm) params.set("realm", filters.realm);
  if (filters.userName) params.set("user", filters.userName);
  if (filters.protocol) params.set("protocol", filters.protocol);
  if (after !== undefined && after !== null) params.set("after", String(after));
  const text = params.toString();
  return text ? `?${text}` : "";
}

function idleDeadline(session: SessionView): number | null {
  return session.idleTimeoutMs === null ? null : session.lastActiveAt + session.idleTimeoutMs;
}

/** Every live session matching the filter, page by page (for ending all of a user's or a realm's). */
async function allSessions(operator: Operator, filter: { realm?: string; userName?: string }): Promise<SessionView[]> {
  const found: SessionView[] = [];
  let after: number | null = null;
  do {
    const page: { sessions: SessionView[]; nextAfter: number | null } = await operator.scope.run(listSessions, {
      ...filter,
      limit: 1000,
      ...(after === null ? {} : { after }),
    });
    found.push(...page.sessions);
    after = page.nextAfter;
  } while (after !== null);
  return found;
}

/** The selected sessions that are still live and that the operator may see. */
async function selectedSessions(operator: Operator, keys: string[]): Promise<SessionView[]> {
  const found: SessionView[] = [];
  for (const key of new Set(keys)) {
    const result = await operator.scope.run(inspectSession, { key }).catch((error: unknown) => {
      if (error instanceof SessionError && error.code === "NOT_FOUND") return null;
      throw error;
    });
    if (result?.session) found.push(result.session);
  }
  return found;
}

/**
 * Where a session lives: a bound one on its node (it ends with that node's connection or process), an
 * unbound one in the store, served by whichever node a request reaches.
 */
function nodeCell(s: SessionView): Html {
  if (s.node === null) return html`<span class="muted">any</span>`;
  return html`${s.node}<br><span class="muted">${s.binding ?? ""}-bound</span>`;
}

/** The table of sessions, or a sentence when there are none. */
export function sessionTable(
  operator: Operator,
  sessions: SessionView[],
  options: { selectable: boolean; endButtons: boolean },
): Html {
  const { selectable, endButtons } = options;
  if (sessions.length === 0) return html`<p>No live sessions match.</p>`;
  const rows = sessions.map((s) => {
    const own = s.key === operator.session.key;
    return html`<tr data-session-key="${s.key}">
${selectable ? html`<td>${own ? "" : html`<input type="checkbox" name="key" value="${s.key}" form="end-selected" aria-label="Select session ${s.number}">`}</td>` : ""}
<td><a href="${PREFIX}/sessions/${s.key}">${s.number}</a>${own ? html` <span class="muted">(this console)</span>` : ""}</td>
<td>${s.realm}</td>
<td>${s.userName ?? html`<span class="muted">anonymous</span>`}</td>
<td>${s.protocol}</td>
<td>${nodeCell(s)}</td>
<td>${s.client.ipAddress ?? "—"}<br><span class="muted">${s.client.userAgent ?? s.client.name ?? ""}</span></td>
<td>${when(s.createdAt)}</td>
<td>${when(s.lastActiveAt)}</td>
<td>${when(idleDeadline(s))}<br><span class="muted">${duration(s.idleTimeoutMs)}</span></td>
<td>${when(s.expiresAt)}</td>
<td>${s.callCount}</td>
<td>${s.impersonatedBy ?? "—"}</td>
${endButtons ? html`<td>${own ? "" : html`<button type="submit" form="end-one" name="key" value="${s.key}" class="danger">End session</button>`}</td>` : ""}
</tr>`;
  });
  return html`<table>
<caption class="muted">Times are UTC.</caption>
<thead><tr>${selectable ? html`<th scope="col"><input type="checkbox" data-select-all aria-label="Select all sessions shown"></th>` : ""}
<th scope="col">Number</th><th scope="col">Realm</th><th scope="col">User</th><th scope="col">Protocol</th>
<th scope="col">Node</th><th scope="col">Client address and agent</th><th scope="col">Created</th>
<th scope="col">Last active</th><th scope="col">Idle deadline</th><th scope="col">Absolute deadline</th>
<th scope="col">Calls</th><th scope="col">Impersonated by</th>${endButtons ? html`<th scope="col">Action</th>` : ""}</tr></thead>
<tbody>${rows}</tbody></table>`;
}

async function tableFragment(operator: Operator, filters: SessionFilters): Promise<Html> {
  const result = await operator.scope.run(listSessions, {
    ...(filters.realm ? { realm: filters.realm } : {}),
    ...(filters.userName ? { userName: filters.userName } : {}),
    ...(filters.protocol ? { protocol: filters.protocol } : {}),
    ...(filters.after === undefined ? {} : { after: filters.after }),
    limit: PAGE_SIZE,
  });
  const next =
    result.nextAfter === null
      ? ""
      : html`<p><a href="${PREFIX}/sessions${queryOf(filters, result.nextAfter)}">Next page</a></p>`;
  return html`${sessionTable(operator, result.sessions, { selectable: true, endButtons: true })}${next}`;
}

const NOTICES: Record<string, (count: number) => string> = {
  ended: (count) => `${count} session${count === 1 ? "" : "s"} ended.`,
};

function endedNotice(request: FastifyRequest): string | undefined {
  const count = Number(queryParam(request, "count") ?? "0");
  return noticeOf(NOTICES, request)?.(Number.isSafeInteger(count) ? count : 0);
}

function sessionsPage(operator: Operator, filters: SessionFilters, table: Html, notice?: string): Html {
  const protocolOptions = PROTOCOLS.map(
    (p) => html`<option value="${p}"${filters.protocol === p ? html` selected` : ""}>${p}</option>`,
  );
  const bulk = [
    filters.userName
      ? html`<form method="post" action="${PREFIX}/sessions/end" class="inline">${csrfField(operator)}
<input type="hidden" name="user" value="${filters.userName}"><input type="hidden" name="realm" value="${filters.realm ?? ""}">
<button type="submit" class="danger">End all sessions of ${filters.userName}</button></form>`
      : "",
    filters.realm && !filters.userName
      ? html`<form method="post" action="${PREFIX}/sessions/end" class="inline">${csrfField(operator)}
<input type="hidden" name="realm" value="${filters.realm}">
<button type="submit" class="danger">End all sessions of realm ${filters.realm}</button></form>`
      : "",
  ];
  const body = html`<form method="get" action="${PREFIX}/sessions" class="actions" role="search">
<label>Realm <input name="realm" value="${filters.realm ?? ""}" size="12"></label>
<label>User <input name="user" value="${filters.userName ?? ""}" size="12"></label>
<label>Protocol <select name="protocol"><option value="">any</option>${protocolOptions}</select></label>
<button type="submit">Filter sessions</button> <a href="${PREFIX}/sessions">Clear filters</a></form>
<div class="actions">${bulk}</div>
<form id="end-one" method="post" action="${PREFIX}/sessions/end">${csrfField(operator)}</form>
<form id="end-selected" method="post" action="${PREFIX}/sessions/end">${csrfField(operator)}</form>
<div id="sessions" hx-get="${PREFIX}/sessions/table${queryOf(filters, filters.after)}" hx-trigger="refresh" data-refresh-on-event>
${table}
</div>
<div class="actions"><button type="submit" form="end-selected" class="danger">End selected sessions</button></div>
<h2>Live changes</h2>
<ul id="live-log" aria-live="polite"></ul>`;
  return page(operator, "Sessions", body, { current: "/sessions", live: true, notice });
}

/** What an ending request names, as the confirmation page repeats it. */
interface EndRequest {
  keys: string[];
  userName?: string | undefined;
  realm?: string | undefined;
}

function confirmationPage(operator: Operator, target: EndRequest, count: number, sessions: SessionView[]): Html {
  const what =
    target.keys.length > 0
      ? `${count} selected session${count === 1 ? "" : "s"}`
      : target.userName
        ? `all ${count} session${count === 1 ? "" : "s"} of ${target.userName}${target.realm ? `@${target.realm}` : ""}`
        : `all ${count} session${count === 1 ? "" : "s"} of realm ${target.realm ?? ""}`;
  const label =
    target.keys.length === 1
      ? "End session"
      : target.keys.length > 0
        ? "End selected sessions"
        : "End all these sessions";
  const body = html`<p>You are about to end ${what}. Their clients will have to log in again.</p>
${sessionTable(operator, sessions, { selectable: false, endButtons: false })}
<form method="post" action="${PREFIX}/sessions/end" class="actions">${csrfField(operator)}
${target.keys.map((key) => html`<input type="hidden" name="key" value="${key}">`)}
${target.userName ? html`<input type="hidden" name="user" value="${target.userName}">` : ""}
${target.realm ? html`<input type="hidden" name="realm" value="${target.realm}">` : ""}
<input type="hidden" name="confirmed" value="yes">
<button type="submit" class="danger">${label}</button> <a href="${PREFIX}/sessions">Cancel</a></form>`;
  return page(operator, "End sessions?", body, { current: "/sessions" });
}

export function registerSessionsPage(app: FastifyInstance, engine: Engine): void {
  app.get(
    "/sessions",
    guarded(engine, "/sessions", async (request, _reply, operator) => {
      const filters = filtersOf(request);
      return sessionsPage(operator, filters, await tableFragment(operator, filters), endedNotice(request));
    }),
  );

  app.get(
    "/sessions/table",
    guarded(engine, "/sessions", async (request, _reply, operator) => tableFragment(operator, filtersOf(request))),
  );

  app.post(
    "/sessions/end",
    guarded(engine, "/sessions", async (request, reply, operator) => {
      const target: EndRequest = {
        keys: fields(request.body, "key"),
        userName: field(request.body, "user"),
        realm: field(request.body, "realm"),
      };
      // Never the console's own session: ending it here would sign the operator out mid-task.
      const sessions = (
        target.keys.length > 0
          ? await selectedSessions(operator, target.keys)
          : target.userName || target.realm
            ? await allSessions(operator, {
                ...(target.realm ? { realm: target.realm } : {}),
                ...(target.userName ? { userName: target.userName } : {}),
              })
            : []
      ).filter((s) => s.key !== operator.session.key);
      if (field(request.body, "confirmed") !== "yes") {
        if (sessions.length === 0) return page(operator, "Nothing to end", html`<p>No live session matches.</p>`);
        return confirmationPage(operator, target, sessions.length, sessions);
      }
      let ended = 0;
      if (sessions.length > 0) {
        const result = await operator.scope.run(terminateSessions, { sessions: sessions.map((s) => s.key) });
        ended = result.results.filter((r) => r.outcome === "terminated").length;
      }
      seeOther(reply, `/sessions?notice=ended&count=${ended}`);
      return undefined;
    }),
  );
}
