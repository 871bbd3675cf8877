/**
 * Finding realms and users from what callers type: `name`, `name@realm`, or a name with an explicit
 * realm.
 *
 * @module
 */

import type { OpContext } from "./operation.ts";
import type { Realm } from "./types.ts";

/**
 * The realm and user name a login names. An explicit realm wins; otherwise `user@realm` names the
 * realm when such a realm exists (so user names that contain `@` still work in the default realm).
 */
export async function resolveLoginName(
  ctx: OpContext,
  userName: string,
  realmName: string | undefined,
): Promise<{ realm: Realm; userName: string }> {
  if (realmName !== undefined) return { realm: await ctx.realm(realmName), userName };
  const at = userName.lastIndexOf("@");
  if (at > 0) {
    const realm = await ctx.store.getRealm(userName.slice(at + 1));
    if (realm) return { realm, userName: userName.slice(0, at) };
  }
  return { realm: await ctx.defaultRealm(), userName };
}
