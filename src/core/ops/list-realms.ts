/** Lists the realms (command line `realm list`). Any logged-in user may see them: names are public. */

import { defineOperation } from "../operation.ts";
import type { Realm } from "../types.ts";
import { asObject, onlyFields } from "../validate.ts";

export const listRealms = defineOperation({
  name: "directory.listRealms",
  auth: "user",
  parse(raw: unknown): Record<string, never> {
    onlyFields(asObject(raw), []);
    return {};
  },
  run: (ctx): Promise<Realm[]> => ctx.store.listRealms(),
});
