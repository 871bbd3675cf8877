/**
 * The names of the realms, for anyone (httpkom `GET /` lists them as its servers). Realm names are
 * public: they appear in URLs. Nothing else about a realm is shown.
 */

import { defineOperation } from "../operation.ts";
import { asObject, onlyFields } from "../validate.ts";

export const listRealmNames = defineOperation({
  name: "realm.listNames",
  auth: "none",
  parse(raw: unknown): Record<string, never> {
    onlyFields(asObject(raw), []);
    return {};
  },
  async run(ctx): Promise<string[]> {
    return (await ctx.store.listRealms()).map((realm) => realm.name);
  },
});
