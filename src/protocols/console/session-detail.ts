/**
 * One session: its fields, its attributes (names only until the operator reveals the values, which
 * the core writes to the audit log) and its audit trail.
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

/** Audit entries read at most to find one session's trail (the log is filtered by its user). */
const TRAIL_SCAN_LIMIT = 2000;

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

async function trailOf(operator: Operator, session: SessionView): Promise<AuditEntryView[]> {
  if (!operator.may("Audit.Read")) return [];
  const trail: AuditEntryView[] = [];
  let after: number | null = null;
  let scanned = 0;
  do {
    const page: { entries: AuditEntryView[]; nextAfter: number | null } = await operator.scope.run(listAudit, {
      realm: session.realm,
      ...(session.userName === null ? {} : { userName: session.userName }),
      limit: 500,
      ...(after === null ? {} : { after }),
    });
    trail.push(...page.entries.filter((entry) => entry.sessionKey === session.key));
    scanned += page.entries.length;
    after = page.nextAfter;
  } while (after !== null && scanned < TRAIL_SCAN_LIMIT);
  return trail;
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
${operator.may("Audit.Read") ? html`<h2>Audit trail</h2>${auditTable(trail)}` : ""}`;
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
