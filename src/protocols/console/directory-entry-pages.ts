/**
 * What the users and groups pages share. Both list one realm's entries at a time (`realmNames` fills
 * the realm picker) and serve each entry, a user or a group, at `/<section>/<realm>/<name>`: a form
 * there changes the entry and returns to its page with a notice (post/redirect/get, so that reloading
 * the page does not post again), and its Delete button asks to confirm before it deletes.
 *
 * @module
 */

import type { FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { listRealms } from "../../core/ops/index.ts";
import { type Confirmation, confirmationPage } from "./forms.ts";
import { field, guarded, pathParam, seeOther } from "./handlers.ts";
import type { Operator } from "./operator.ts";

/** A user or a group: what names it in its realm. */
export interface DirectoryEntry {
  realm: string;
  name: string;
}

/** The realms an operator may pick on a users or groups page, in name order. */
export async function realmNames(operator: Operator): Promise<string[]> {
  const result = await operator.scope.run(listRealms, { limit: 1000 });
  return result.realms.map((realm) => realm.name);
}

/** An entry's page under its section (`/users` or `/groups`), e.g. `/users/default/alice`. */
export function entryPath(section: string, entry: DirectoryEntry): string {
  return `${section}/${encodeURIComponent(entry.realm)}/${encodeURIComponent(entry.name)}`;
}

/** The entry a route's path (`/<section>/:realm/:name…`) names. */
function entryOf(request: FastifyRequest): DirectoryEntry {
  return { realm: pathParam(request, "realm"), name: pathParam(request, "name") };
}

/**
 * The route of a form that changes the entry its path names: `change` runs the operation and answers
 * which of the page's notices to show, and the browser goes back to the entry's page.
 */
export function entryChange(
  engine: Engine,
  section: string,
  change: (entry: DirectoryEntry, body: unknown, operator: Operator) => Promise<string>,
) {
  return guarded(engine, section, async (request, reply, operator) => {
    const entry = entryOf(request);
    const notice = await change(entry, request.body, operator);
    seeOther(reply, `${entryPath(section, entry)}?notice=${notice}`);
    return undefined;
  });
}

export interface EntryDeletion {
  /** What the confirmation page says about deleting this entry. */
  confirmation: (entry: DirectoryEntry) => Pick<Confirmation, "title" | "text" | "button">;
  remove: (entry: DirectoryEntry, operator: Operator) => Promise<unknown>;
}

/**
 * The route of an entry's Delete button (`/<section>/:realm/:name/delete`). The button posts without
 * `confirmed`, which answers a page that asks; that page posts again with `confirmed=yes`, which deletes
 * the entry and goes back to its realm's list with the `deleted` notice.
 */
export function entryDeletion(engine: Engine, section: string, deletion: EntryDeletion) {
  return guarded(engine, section, async (request, reply, operator) => {
    const entry = entryOf(request);
    const path = entryPath(section, entry);
    if (field(request.body, "confirmed") !== "yes") {
      return confirmationPage(operator, {
        ...deletion.confirmation(entry),
        action: `${path}/delete`,
        cancel: path,
        section,
      });
    }
    await deletion.remove(entry, operator);
    seeOther(reply, `${section}?realm=${encodeURIComponent(entry.realm)}&notice=deleted`);
    return undefined;
  });
}
