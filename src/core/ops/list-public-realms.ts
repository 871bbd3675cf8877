/**
 * The realms' public facts, their names and GUIDs, for anyone: httpkom `GET /` lists the names as its
 * servers, and the Agent's `system/get_realm` (the one call allowed before login) lists both. Realm
 * names appear in URLs and GUIDs in logins, so neither is a secret. Nothing else about a realm is
 * shown.
 */

import { NO_INPUT } from "../fields.ts";
import { defineOperation } from "../operation.ts";

export const listPublicRealms = defineOperation({
  name: "realm.listPublic",
  auth: "none",
  serviceTicket: true,
  input: NO_INPUT,
  async run(ctx): Promise<{ id: string; name: string }[]> {
    return (await ctx.store.listRealms()).map((realm) => ({ id: realm.id, name: realm.name }));
  },
});
