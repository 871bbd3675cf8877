/**
 * What the users and groups pages share. Both list one realm's entries at a time (`realmNames`
 * fills the realm picker), a page at a time by number or searched by name prefix across the whole
 * realm (`listingOf`, `listingSearch`, `nextPageLink`), and serve each entry, a user or a group, at
 * `/<section>/<realm>/<name>`: a form there changes the entry and returns to its page with a notice
 * (post/redirect/get, so that reloading the page does not post again), and its Delete button asks
 * to confirm before it deletes.
 *
 * @module
 */

import type { FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import { listRealms } from "../../core/ops/index.ts";
import { type Confirmation, confirmationPage } from "./forms.ts";
import { field, guarded, pathParam, queryParam, seeOther } from "./handlers.ts";
import { type Html, html } from "./html.ts";
import { PREFIX } from "./layout.ts";
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

/** How many users or groups one page of the list shows. */
export const LISTING_PAGE = 200;

/** Which page of a realm's users or groups to show: `q` searches the whole realm by name prefix. */
export interface Listing {
  realm: string;
  /** The name prefix searched for (case-sensitive, as names are), or undefined to list by number. */
  search: string | undefined;
  /** The listing operation's input: by number (`after`), or a search in name order (`afterName`). */
  input: { realm: string; limit: number; after?: number; prefix?: string; afterName?: string };
}

/** The page a request asks for; a cursor of the other order than the request's is ignored. */
export function listingOf(request: FastifyRequest, realm: string): Listing {
  const search = queryParam(request, "q");
  const input: Listing["input"] = { realm, limit: LISTING_PAGE };
  if (search !== undefined) {
    input.prefix = search;
    const afterName = queryParam(request, "afterName");
    if (afterName !== undefined) input.afterName = afterName;
  } else {
    const after = queryParam(request, "after");
    if (after !== undefined && /^\d{1,15}$/.test(after)) input.after = Number(after);
  }
  return { realm, search, input };
}

/** The search box of a list, in the realm picker's form: a name prefix, matched across the realm. */
export function listingSearch(listing: Listing): Html {
  return html`<label>Name starts with <input name="q" type="search" value="${listing.search ?? ""}"
 autocomplete="off" spellcheck="false"></label>`;
}

/** The link to the page after this one, the search kept, or nothing on the last page. */
export function nextPageLink(
  section: string,
  listing: Listing,
  result: { nextAfter: number | null; nextAfterName: string | null },
): Html | string {
  const next = new URLSearchParams({ realm: listing.realm });
  if (listing.search !== undefined && result.nextAfterName !== null) {
    next.set("q", listing.search);
    next.set("afterName", result.nextAfterName);
  } else if (listing.search === undefined && result.nextAfter !== null) {
    next.set("after", String(result.nextAfter));
  } else return "";
  return html`<p><a href="${PREFIX}${section}?${next.toString()}">Next page</a></p>`;
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
