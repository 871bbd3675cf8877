/**
 * Realms: list them, create one and edit its policy (locales, timeouts, caps, self-registration,
 * lockout) or delete it. The policy is checked by the core exactly as in the configuration file.
 * Needs `Directory.Manage`, which the core checks on every call.
 *
 * @module
 */

import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { deleteRealm, getRealm, listRealms, putRealm } from "../../core/ops/index.ts";
import type { RealmView } from "../../core/views.ts";
import { confirmationPage, limitField, listField, numberField } from "./forms.ts";
import { field, guarded, noticeOf, pathParam, queryParam, seeOther } from "./handlers.ts";
import { type Html, html } from "./html.ts";
import { csrfField, PREFIX, page } from "./layout.ts";
import type { Operator } from "./operator.ts";

const NOTICES: Record<string, string> = {
  created: "The realm was created.",
  saved: "The realm's policy was saved.",
  deleted: "The realm was deleted.",
};

function realmPath(name: string): string {
  return `/realms/${encodeURIComponent(name)}`;
}

function limit(value: number | null): string {
  return value === null ? "none" : String(value);
}

function policyForm(operator: Operator, realm: RealmView): Html {
  const number = (value: number | null) => (value === null ? "" : String(value));
  return html`<form method="post" action="${PREFIX}${realmPath(realm.name)}">${csrfField(operator)}
<fieldset><legend>Locales</legend>
<label>Default locale <input name="defaultLocale" value="${realm.defaultLocale}" size="6"></label>
<label>Supported locales <input name="supportedLocales" value="${realm.supportedLocales.join(", ")}"></label></fieldset>
<fieldset><legend>Timeouts (seconds; empty: none)</legend>
<label>Idle timeout <input name="idleTimeoutSeconds" inputmode="numeric" value="${realm.idleTimeoutSeconds}" size="8"></label>
<label>Longest idle timeout a client may choose <input name="maxIdleTimeoutSeconds" inputmode="numeric" value="${number(realm.maxIdleTimeoutSeconds)}" size="8"></label>
<label>Absolute lifetime <input name="maxLifetimeSeconds" inputmode="numeric" value="${number(realm.maxLifetimeSeconds)}" size="8"></label></fieldset>
<fieldset><legend>Caps</legend>
<label>Sessions per user <input name="maxSessionsPerUser" inputmode="numeric" value="${number(realm.maxSessionsPerUser)}" size="6"></label>
<label>Over the cap <select name="maxSessionsPolicy">
<option value="deny"${realm.maxSessionsPolicy === "deny" ? html` selected` : ""}>refuse the new login</option>
<option value="evict-oldest"${realm.maxSessionsPolicy === "evict-oldest" ? html` selected` : ""}>end the oldest session</option></select></label>
<label>Disable a user after this many failed logins <input name="lockoutAfterFailures" inputmode="numeric" value="${number(realm.lockoutAfterFailures)}" size="6"></label></fieldset>
<fieldset><legend>Registration</legend>
<label><input type="checkbox" name="allowSelfRegistration" value="true"${realm.allowSelfRegistration ? html` checked` : ""}> Let callers create their own users</label></fieldset>
<button type="submit">Save realm policy</button></form>`;
}

export function registerRealmsPages(app: FastifyInstance, engine: Engine): void {
  const notice = (request: FastifyRequest) => noticeOf(NOTICES, request);
  app.get(
    "/realms",
    guarded(engine, "/realms", async (request, _reply, operator) => {
      const result = await operator.scope.run(listRealms, { limit: 1000 });
      const search = queryParam(request, "q")?.toLowerCase();
      const realms = search ? result.realms.filter((r) => r.name.toLowerCase().includes(search)) : result.realms;
      const body = html`<form method="get" action="${PREFIX}/realms" class="actions" role="search">
<label>Search <input name="q" type="search" value="${search ?? ""}"></label><button type="submit">Search realms</button></form>
<table><thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Locales</th><th scope="col">Idle timeout</th>
<th scope="col">Lifetime</th><th scope="col">Sessions per user</th><th scope="col">Self-registration</th></tr></thead>
<tbody>${realms.map(
        (r) => html`<tr><td><a href="${PREFIX}${realmPath(r.name)}">${r.name}</a>${r.isDefault ? " (default)" : ""}</td>
<td><code>${r.id}</code></td><td>${r.supportedLocales.join(", ")}</td><td>${r.idleTimeoutSeconds} s</td>
<td>${limit(r.maxLifetimeSeconds)}</td><td>${limit(r.maxSessionsPerUser)}</td><td>${r.allowSelfRegistration ? "yes" : "no"}</td></tr>`,
      )}</tbody></table>
<h2>Create a realm</h2>
<form method="post" action="${PREFIX}/realms">${csrfField(operator)}
<label>Realm name <input name="name" required autocomplete="off"></label>
<label>Default locale <input name="defaultLocale" value="en" size="6"></label>
<button type="submit">Create realm</button></form>`;
      return page(operator, "Realms", body, { current: "/realms", notice: notice(request) });
    }),
  );
  app.post(
    "/realms",
    guarded(engine, "/realms", async (request, reply, operator) => {
      const realm = await operator.scope.run(putRealm, {
        mode: "create",
        name: field(request.body, "name") ?? "",
        ...(field(request.body, "defaultLocale") ? { defaultLocale: field(request.body, "defaultLocale") } : {}),
      });
      seeOther(reply, `${realmPath(realm.name)}?notice=created`);
      return undefined;
    }),
  );
  app.get(
    "/realms/:name",
    guarded(engine, "/realms", async (request, _reply, operator) => {
      const realm = await operator.scope.run(getRealm, { name: pathParam(request, "name") });
      const body = html`<p>Id <code>${realm.id}</code>${realm.isDefault ? " · the default realm" : ""}.
<a href="${PREFIX}/users?realm=${encodeURIComponent(realm.name)}">Users</a> ·
<a href="${PREFIX}/groups?realm=${encodeURIComponent(realm.name)}">Groups</a> ·
<a href="${PREFIX}/sessions?realm=${encodeURIComponent(realm.name)}">Sessions</a></p>
${policyForm(operator, realm)}
${
  realm.isDefault
    ? ""
    : html`<form method="post" action="${PREFIX}${realmPath(realm.name)}/delete" class="actions">${csrfField(operator)}
<button type="submit" class="danger">Delete realm</button></form>`
}`;
      return page(operator, `Realm ${realm.name}`, body, { current: "/realms", notice: notice(request) });
    }),
  );
  app.post(
    "/realms/:name",
    guarded(engine, "/realms", async (request, reply, operator) => {
      const name = pathParam(request, "name");
      const body = request.body;
      await operator.scope.run(putRealm, {
        mode: "update",
        name,
        defaultLocale: field(body, "defaultLocale") ?? "",
        supportedLocales: listField(body, "supportedLocales"),
        idleTimeoutSeconds: numberField(body, "idleTimeoutSeconds") ?? 0,
        maxIdleTimeoutSeconds: limitField(body, "maxIdleTimeoutSeconds"),
        maxLifetimeSeconds: limitField(body, "maxLifetimeSeconds"),
        maxSessionsPerUser: limitField(body, "maxSessionsPerUser"),
        maxSessionsPolicy: field(body, "maxSessionsPolicy") ?? "deny",
        allowSelfRegistration: field(body, "allowSelfRegistration") === "true",
        lockoutAfterFailures: limitField(body, "lockoutAfterFailures"),
      });
      seeOther(reply, `${realmPath(name)}?notice=saved`);
      return undefined;
    }),
  );
  app.post(
    "/realms/:name/delete",
    guarded(engine, "/realms", async (request, reply, operator) => {
      const name = pathParam(request, "name");
      if (field(request.body, "confirmed") !== "yes") {
        return confirmationPage(operator, {
          title: "Delete realm?",
          text: `You are about to delete the realm ${name}: its users and groups go, and their sessions end.`,
          action: `${realmPath(name)}/delete`,
          button: "Delete realm",
          cancel: realmPath(name),
          section: "/realms",
        });
      }
      await operator.scope.run(deleteRealm, { name });
      seeOther(reply, "/realms?notice=deleted");
      return undefined;
    }),
  );
}
