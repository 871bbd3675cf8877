/**
 * Finding realms and users from what callers type: `name`, `name@realm`, or a name with an explicit
 * realm; or, as LysKOM does, a prefix of a user's words.
 *
 * @module
 */

import { SessionError } from "./errors.ts";
import type { OpContext } from "./operation.ts";
import type { Realm, User } from "./types.ts";
import { invalid, NAME_PATTERN } from "./validate.ts";

/**
 * The realm a caller names by name or by GUID (the Agent names realms by GUID), or undefined when it
 * names none. Throws `NOT_FOUND` for an unknown realm and `INVALID_ARGUMENT` when name and GUID
 * name two different realms.
 */
export async function namedRealm(
  ctx: OpContext,
  realmName: string | undefined,
  realmId: string | undefined,
): Promise<Realm | undefined> {
  const byName = realmName === undefined ? undefined : await ctx.realm(realmName);
  if (realmId === undefined) return byName;
  const byId = await ctx.store.getRealmById(realmId.toLowerCase());
  if (!byId) throw new SessionError("NOT_FOUND", "No realm has this id.", { details: { realmId } });
  if (byName && byName.name !== byId.name) throw invalid("realmId", "names another realm than realm");
  return byId;
}

/**
 * The realm and user name a login names. An explicit realm (by name or GUID) wins; otherwise
 * `user@realm` names the realm when such a realm exists (so user names that contain `@` still work
 * in the default realm); otherwise the `implied` realm (a login into the caller's own session means
 * that session's realm), else the default realm.
 */
export async function resolveLoginName(
  ctx: OpContext,
  userName: string,
  realmName: string | undefined,
  realmId?: string | undefined,
  implied?: string | undefined,
): Promise<{ realm: Realm; userName: string }> {
  const explicit = await namedRealm(ctx, realmName, realmId);
  if (explicit) return { realm: explicit, userName };
  const at = userName.lastIndexOf("@");
  if (at > 0) {
    const realm = await ctx.store.getRealm(userName.slice(at + 1));
    if (realm) return { realm, userName: userName.slice(0, at) };
  }
  const realm = implied === undefined ? null : await ctx.store.getRealm(implied);
  return { realm: realm ?? (await ctx.defaultRealm()), userName };
}

/** The words of a name as LysKOM compares them: lower case, split at white space. */
function nameWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word.length > 0);
}

/**
 * Whether a typed name matches a name the way LysKOM matches them: word by word from the start,
 * each typed word a prefix of the name's word, case ignored ("Test" and "te pe" match "Test Person").
 * A typed name without words matches nothing.
 */
export function matchesNamePrefix(typed: string, name: string): boolean {
  const want = nameWords(typed);
  const have = nameWords(name);
  if (want.length === 0 || want.length > have.length) return false;
  return want.every((word, i) => have[i]?.startsWith(word) === true);
}

/**
 * The one user of a realm a typed name means (httpkom `pers_name`): the user whose full name or name
 * it is, else the one whose full name or name it is a word prefix of. Throws `NOT_FOUND` (details:
 * `reason: "name-not-found"`, `name`) when none matches and `INVALID_ARGUMENT` (`reason:
 * "name-ambiguous"`, `name`) when several do or the name is blank. Messages do not echo the name.
 */
export async function findUserByTypedName(ctx: OpContext, realm: string, typed: string): Promise<User> {
  const ambiguous = () =>
    new SessionError("INVALID_ARGUMENT", "More than one user matches this name: type more of it.", {
      reason: "name-ambiguous",
      details: { name: typed, field: "name" },
    });
  const key = nameWords(typed).join(" ");
  if (key === "") throw ambiguous();
  const users = await ctx.store.listUsers(realm);
  const exact = users.filter((u) => nameWords(u.fullName).join(" ") === key || u.name.toLowerCase() === key);
  if (exact.length === 1 && exact[0]) return exact[0];
  const matches = users.filter((u) => matchesNamePrefix(typed, u.fullName) || matchesNamePrefix(typed, u.name));
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length === 0) {
    throw new SessionError("NOT_FOUND", "No user matches this name.", {
      reason: "name-not-found",
      details: { name: typed },
    });
  }
  throw ambiguous();
}

/**
 * A user name (`NAME_PATTERN`) made from a full name for a self-registered user: accents dropped,
 * lower case, other characters turned to `-` ("Åsa Öberg" → "asa-oberg"). Null when nothing is left.
 */
export function userNameFromFullName(fullName: string): string | null {
  const slug = fullName
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._@-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 64)
    .replace(/-+$/, "");
  return NAME_PATTERN.test(slug) ? slug : null;
}
