/**
 * Users: list a realm's users (paged, searched by name prefix across the realm), create one, edit
 * one, disable or enable it (disabling ends its sessions), reset its password (which ends them too)
 * and delete it, and see its live sessions. Everything here needs `Directory.Manage`, which the
 * core checks on every call.
 *
 * @module
 */

import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import {
  deleteUser,
  getUser,
  listSessions,
  listUsers,
  putUser,
  setPassword,
  setUserDisabled,
} from "../../core/ops/index.ts";
import {
  entryChange,
  entryDeletion,
  entryPath,
  listingOf,
  listingSearch,
  nextPageLink,
  realmNames,
} from "./directory-entry-pages.ts";
import { listField, numberField, privilegeBoxes, realmPicker } from "./forms.ts";
import { field, fields, guarded, noticeOf, pathParam, queryParam, seeOther } from "./handlers.ts";
import { type Html, html } from "./html.ts";
import { csrfField, PREFIX, page, when } from "./layout.ts";
import type { Operator } from "./operator.ts";
import { sessionTable } from "./sessions-page.ts";

/** The console section of these pages: their navigation entry and the root of their paths. */
const SECTION = "/users";

const NOTICES: Record<string, string> = {
  created: "The user was created.",
  saved: "The user was saved.",
  disabled: "The user was disabled and their sessions ended.",
  enabled: "The user was enabled.",
  password: "The password was reset and the user's sessions ended.",
  deleted: "The user was deleted.",
};

/** The password as sent, not through `field` (which trims it and drops an empty one): the core judges it. */
function passwordOf(body: unknown): unknown {
  return (body as Record<string, unknown> | undefined)?.password ?? "";
}

async function usersList(request: FastifyRequest, operator: Operator): Promise<Html> {
  const realms = await realmNames(operator);
  const realm = queryParam(request, "realm") ?? realms[0] ?? "default";
  const listing = listingOf(request, realm);
  const result = await operator.scope.run(listUsers, listing.input);
  const rows = result.users.map(
    (u) => html`<tr><td><a href="${PREFIX}${entryPath(SECTION, u)}">${u.name}</a></td><td>${u.fullName}</td>
<td>${u.number}</td><td>${u.groups.join(", ")}</td><td>${u.privileges.join(", ")}</td><td>${u.disabled ? "disabled" : "active"}</td></tr>`,
  );
  return html`${realmPicker(SECTION, realms, realm, listingSearch(listing))}
${
  result.users.length === 0
    ? html`<p>${listing.search === undefined ? "No users." : "No users match."}</p>`
    : html`<table><thead><tr><th scope="col">Name</th><th scope="col">Full name</th><th scope="col">Number</th>
<th scope="col">Groups</th><th scope="col">Privileges</th><th scope="col">Status</th></tr></thead><tbody>${rows}</tbody></table>`
}
${nextPageLink(SECTION, listing, result)}
<h2>Create a user in ${realm}</h2>
<form method="post" action="${PREFIX}/users">${csrfField(operator)}
<input type="hidden" name="realm" value="${realm}">
<label>User name <input name="name" required autocomplete="off"></label>
<label>Full name <input name="fullName"></label>
<label>Password <input name="password" type="password" autocomplete="new-password" required></label>
<label>Groups <input name="groups" placeholder="comma-separated"></label>
${privilegeBoxes([], "Privileges")}
<button type="submit">Create user</button></form>`;
}

async function userPage(request: FastifyRequest, operator: Operator): Promise<Html> {
  const realm = pathParam(request, "realm");
  const name = pathParam(request, "name");
  const user = await operator.scope.run(getUser, { realm, name });
  const sessions = await operator.scope.run(listSessions, { realm, userName: name, limit: 100 });
  const path = entryPath(SECTION, { realm, name });
  const body = html`<p>${user.fullName} · number ${user.number} · created ${when(user.createdAt)} ·
<strong>${user.disabled ? "disabled" : "active"}</strong></p>
<h2>Live sessions</h2>
<form id="end-one" method="post" action="${PREFIX}/sessions/end">${csrfField(operator)}</form>
${sessionTable(operator, sessions.sessions, { selectable: false, endButtons: true })}
<h2>Edit</h2>
<form method="post" action="${PREFIX}${path}">${csrfField(operator)}
<label>Full name <input name="fullName" value="${user.fullName}"></label>
<label>Groups <input name="groups" value="${user.groups.join(", ")}"></label>
${privilegeBoxes(user.privileges, "Privileges")}
<button type="submit">Save user</button></form>
<h2>Password</h2>
<form method="post" action="${PREFIX}${path}/password">${csrfField(operator)}
<label>New password <input name="password" type="password" autocomplete="new-password" required></label>
<button type="submit">Reset password and end sessions</button></form>
<h2>Status</h2>
<div class="actions">
<form method="post" action="${PREFIX}${path}/disabled" class="inline">${csrfField(operator)}
<input type="hidden" name="disabled" value="${user.disabled ? "false" : "true"}">
<button type="submit"${user.disabled ? "" : html` class="danger"`}>${user.disabled ? "Enable user" : "Disable user and end sessions"}</button></form>
<form method="post" action="${PREFIX}${path}/delete" class="inline">${csrfField(operator)}
<button type="submit" class="danger">Delete user</button></form></div>`;
  return page(operator, `User ${user.name}@${user.realm}`, body, {
    current: SECTION,
    notice: noticeOf(NOTICES, request),
  });
}

export function registerUsersPages(app: FastifyInstance, engine: Engine): void {
  app.get(
    "/users",
    guarded(engine, SECTION, async (request, _reply, operator) =>
      page(operator, "Users", await usersList(request, operator), {
        current: SECTION,
        notice: noticeOf(NOTICES, request),
      }),
    ),
  );

  app.post(
    "/users",
    guarded(engine, SECTION, async (request, reply, operator) => {
      const body = request.body;
      const realm = field(body, "realm") ?? "";
      const user = await operator.scope.run(putUser, {
        mode: "create",
        realm,
        name: field(body, "name") ?? "",
        ...(field(body, "fullName") ? { fullName: field(body, "fullName") } : {}),
        password: passwordOf(body),
        ...(numberField(body, "number") === undefined ? {} : { number: numberField(body, "number") }),
        groups: listField(body, "groups"),
        privileges: fields(body, "privileges"),
      });
      seeOther(reply, `${entryPath(SECTION, user)}?notice=created`);
      return undefined;
    }),
  );

  app.get(
    "/users/:realm/:name",
    guarded(engine, SECTION, async (request, _reply, operator) => userPage(request, operator)),
  );

  app.post(
    "/users/:realm/:name",
    entryChange(engine, SECTION, async (user, body, operator) => {
      await operator.scope.run(putUser, {
        mode: "update",
        ...user,
        fullName: field(body, "fullName") ?? user.name,
        groups: listField(body, "groups"),
        privileges: fields(body, "privileges"),
      });
      return "saved";
    }),
  );

  app.post(
    "/users/:realm/:name/disabled",
    entryChange(engine, SECTION, async (user, body, operator) => {
      const disabled = field(body, "disabled") === "true";
      await operator.scope.run(setUserDisabled, { ...user, disabled });
      return disabled ? "disabled" : "enabled";
    }),
  );

  app.post(
    "/users/:realm/:name/password",
    entryChange(engine, SECTION, async (user, body, operator) => {
      await operator.scope.run(setPassword, { ...user, password: passwordOf(body) });
      return "password";
    }),
  );

  app.post(
    "/users/:realm/:name/delete",
    entryDeletion(engine, SECTION, {
      confirmation: (user) => ({
        title: "Delete user?",
        text: `You are about to delete ${user.name}@${user.realm}. Their sessions end, and this cannot be undone.`,
        button: "Delete user",
      }),
      remove: (user, operator) => operator.scope.run(deleteUser, user),
    }),
  );
}
