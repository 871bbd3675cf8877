/**
 * The locale settings of the caller's realm, or of the default realm for a caller without a session
 * (vSphere `defaultLocale` and `supportedLocaleList`, readable by anyone). Realm names, ids and
 * locales are public; nothing about users or policy is shown.
 */

import { NO_INPUT } from "../fields.ts";
import { defineOperation } from "../operation.ts";

export interface RealmDescription {
  id: string;
  name: string;
  defaultLocale: string;
  supportedLocales: string[];
}

export const describeRealm = defineOperation({
  name: "realm.describe",
  auth: "none",
  serviceTicket: true,
  input: NO_INPUT,
  async run(ctx): Promise<RealmDescription> {
    const own = ctx.caller.session?.realm;
    const realm = own === undefined ? await ctx.defaultRealm() : await ctx.realm(own);
    return {
      id: realm.id,
      name: realm.name,
      defaultLocale: realm.defaultLocale,
      supportedLocales: [...realm.supportedLocales],
    };
  },
});
