/**
 * Groups: list a realm's groups (paged, searched by name prefix across the realm), create one, change
 * its privileges and delete it. Needs `Directory.Manage`, which the core checks on every call.
 *
 * @module
 */

import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { deleteGroup, getGroup, listGroups, putGroup } from "../../core/ops/index.ts";
import {
  entryChange,
  entryDeletion,
  entryPath,
  listingOf,
  listingSearch,
  nextPageLink,
  realmNames,
} from "./directory-entry-pages.ts";
import { privilegeBoxes, realmPicker } from "./forms.ts";
import { field, fields, guarded, noticeOf, pathParam, queryParam, seeOther } from "./handlers.ts";
import { type Html, html } from "./html.ts";
import { csrfField, PREFIX, page } from "./layout.ts";
import type { Operator } from "./operator.ts";

/** The console section of these pages: their navigation entry and the root of their paths. */
const SECTION = "/groups";

const NOTICES: Record<string, string> = {
  created: "The group was created.",
  saved: "The group was saved.",
  deleted: "The group was deleted.",
};

async function groupsList(request: FastifyRequest, operator: Operator): Promise<Html> {
  const realms = await realmNames(operator);
  const realm = queryParam(request, "realm") ?? realms[0] ?? "default";
  const listing = listingOf(request, realm);
  const result = await operator.scope.run(listGroups, listing.input);
  const { groups } = result;
  return html`${realmPicker(SECTION, realms, realm, listingSearch(listing))}
${
  groups.length === 0
    ? html`<p>${listing.search === undefined ? "No groups." : "No groups match."}</p>`
    : html`<table><thead><tr><th scope="col">Name</th><th scope="col">Number</th><th scope="col">Privileges</th></tr></thead>
<tbody>${groups.map(
        (g) =>
          html`<tr><td><a href="${PREFIX}${entryPath(SECTION, g)}">${g.name}</a></td><td>${g.number}</td><td>${g.privileges.join(", ")}</td></tr>`,
      )}</tbody></table>`
}
${nextPageLink(SECTION, listing, result)}
<h2>Create a group in ${realm}</h2>
<form method="post" action="${PREFIX}/groups">${csrfField(operator)}
<input type="hidden" name="realm" value="${realm}">
<label>Group name <input name="name" required autocomplete="off"></label>
${privilegeBoxes([], "Privileges")}
<button type="submit">Create group</button></form>`;
}

export function registerGroupsPages(app: FastifyInstance, engine: Engine): void {
  const notice = (request: FastifyRequest) => noticeOf(NOTICES, request);
  app.get(
    "/groups",
    guarded(engine, SECTION, async (request, _reply, operator) =>
      page(operator, "Groups", await groupsList(request, operator), { current: SECTION, notice: notice(request) }),
    ),
  );
  app.post(
    "/groups",
    guarded(engine, SECTION, async (request, reply, operator) => {
      const group = await operator.scope.run(putGroup, {
        mode: "create",
        realm: field(request.body, "realm") ?? "",
        name: field(request.body, "name") ?? "",
        privileges: fields(request.body, "privileges"),
      });
      seeOther(reply, `${entryPath(SECTION, group)}?notice=created`);
      return undefined;
    }),
  );
  app.get(
    "/groups/:realm/:name",
    guarded(engine, SECTION, async (request, _reply, operator) => {
      const realm = pathParam(request, "realm");
      const group = await operator.scope.run(getGroup, { realm, name: pathParam(request, "name") });
      const path = entryPath(SECTION, group);
      const body = html`<p>Number ${group.number} in realm ${group.realm}.</p>
<form method="post" action="${PREFIX}${path}">${csrfField(operator)}
${privilegeBoxes(group.privileges, "Privileges")}
<button type="submit">Save group</button></form>
<form method="post" action="${PREFIX}${path}/delete" class="actions">${csrfField(operator)}
<button type="submit" class="danger">Delete group</button></form>`;
      return page(operator, `Group ${group.name}@${group.realm}`, body, {
        current: SECTION,
        notice: notice(request),
      });
    }),
  );
  app.post(
    "/groups/:realm/:name",
    entryChange(engine, SECTION, async (group, body, operator) => {
      await operator.scope.run(putGroup, { mode: "update", ...group, privileges: fields(body, "privileges") });
      return "saved";
    }),
  );
  app.post(
    "/groups/:realm/:name/delete",
    entryDeletion(engine, SECTION, {
      confirmation: (group) => ({
        title: "Delete group?",
        text: `You are about to delete the group ${group.name} of realm ${group.realm}. Its members lose its privileges.`,
        button: "Delete group",
      }),
      remove: (group, operator) => operator.scope.run(deleteGroup, group),
    }),
  );
}
