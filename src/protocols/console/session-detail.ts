/**
 * One session: its fields, its attributes (names only until the operator reveals the values, which
 * the core writes to the audit log) and its audit trail: the first page of the log filtered by the
 * session's key (the store's (session key, id) index), with a link to the rest on the audit page.
 *
 * @module
 */

import type { FastifyInstance } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { inspectSession, listAudit, sessionAttributes } from "../../core/ops/index.ts";
import type { AuditEntryView, SessionView } from "../../core/views.ts";
import { auditTable } from "./audit-page.ts";
import { guarded, pathParam } from "./handlers.ts";
import { type Html, html } from "./html.ts";
import { csrfField, duration, PREFIX, page, when } from "./layout.ts";
import type { Operator } from "./operator.ts";

/** A trail's entries shown here; a longer one goes on on the audit page. */
const TRAIL_PAGE = 100;

function facts(session: SessionView): Html {
  const rows: [string, string | number][] = [
    ["Key", session.key],
    ["Number", session.number],
    ["Realm", session.realm],
    ["User", session.userName ?? "anonymous"],
    ["Protocol", session.protocol],
    ["Binding", session.binding ?? "—"],
    ["Node", session.node ?? "any (unbound: every node serves it)"],
    ["Client address", session.client.ipAddress ?? "—"],
    ["Client agent", session.client.userAgent ?? session.client.name ?? "—"],
    ["Created", when(session.createdAt)],
    ["Logged in", when(session.loginAt)],
    ["Last active", when(session.lastActiveAt)],
    ["Idle timeout", duration(session.idleTimeoutMs)],
    ["Ends if idle at", when(session.idleTimeoutMs === null ? null : session.lastActiveAt + session.idleTimeoutMs)],
    ["Absolute deadline", when(session.expiresAt)],
    ["Calls", session.callCount],
    ["Locale", session.locale],
    ["Impersonated by", session.impersonatedBy ?? "—"],
  ];
  return html`<table class="facts"><tbody>${rows.map(
    ([name, value]) => html`<tr><th scope="row">${name}</th><td>${value}</td></tr>`,
  )}</tbody></table>`;
}

function attributesBlock(
  key: string,
  names: string[],
  values: Record<string, string> | null,
  operator: Operator,
): Html {
  if (names.length === 0) return html`<div id="attributes"><p>This session holds no attributes.</p></div>`;
  const rows = names.map(
    (name) =>
      html`<tr><th scope="row">${name}</th><td>${values ? (values[name] ?? "") : html`<span class="muted">hidden</span>`}</td></tr>`,
  );
  const reveal = values
    ? html`<p class="muted">Revealing the values was written to the audit log.</p>`
    : html`<form method="post" action="${PREFIX}/sessions/${key}/attributes" hx-post="${PREFIX}/sessions/${key}/attributes"
hx-target="#attributes" hx-swap="outerHTML">${csrfField(operator)}
<button type="submit">Reveal attribute values</button> <span class="muted">This is written to the audit log.</span></form>`;
  return html`<div id="attributes"><table><thead><tr><th scope="col">Name</th><th scope="col">Value</th></tr></thead>
<tbody>${rows}</tbody></table>${reveal}</div>`;
}

/** The session's trail, oldest first as the audit page shows it, and a link to the rest if it is longer. */
async function trailOf(operator: Operator, session: SessionView): Promise<Html | string> {
  if (!operator.may("Audit.Read")) return "";
  const trail: { entries: AuditEntryView[]; nextAfter: number | null } = await operator.scope.run(listAudit, {
    sessionKey: session.key,
    limit: TRAIL_PAGE,
  });
  const more =
    trail.nextAfter === null
      ? ""
      : html`<p><a href="${PREFIX}/audit?${new URLSearchParams({ session: session.key, after: String(trail.nextAfter) }).toString()}">More of this session's trail in the audit log</a></p>`;
  return html`<h2>Audit trail</h2>${auditTable(trail.entries)}${more}`;
}

async function detailPage(operator: Operator, key: string, reveal: boolean): Promise<Html> {
  const found = await operator.scope.run(inspectSession, { key });
  const session = found.session;
  if (!session) return page(operator, "Session", html`<p>The session is live, but you may not see it.</p>`);
  const own = session.key === operator.session.key;
  const attributes = operator.may("Sessions.TerminateSession")
    ? await operator.scope.run(sessionAttributes, { key, reveal })
    : null;
  const trail = await trailOf(operator, session);
  const body = html`${facts(session)}
${
  own
    ? html`<p class="muted">This is your console session.</p>`
    : html`<form method="post" action="${PREFIX}/sessions/end" class="actions">${csrfField(operator)}
<input type="hidden" name="key" value="${session.key}"><button type="submit" class="danger">End session</button></form>`
}
${attributes ? html`<h2>Attributes</h2>${attributesBlock(key, attributes.names, attributes.values, operator)}` : ""}
${trail}`;
  return page(operator, `Session ${session.number}`, body, { current: "/sessions" });
}

export function registerSessionDetail(app: FastifyInstance, engine: Engine): void {
  app.get(
    "/sessions/:key",
    guarded(engine, "/sessions", async (request, _reply, operator) =>
      detailPage(operator, pathParam(request, "key"), false),
    ),
  );
  app.post(
    "/sessions/:key/attributes",
    guarded(engine, "/sessions", async (request, _reply, operator) => {
      const key = pathParam(request, "key");
      if (!request.headers["hx-request"]) return detailPage(operator, key, true);
      const attributes = await operator.scope.run(sessionAttributes, { key, reveal: true });
      return attributesBlock(key, attributes.names, attributes.values, operator);
    }),
  );
}
