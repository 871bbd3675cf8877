/** All attributes of the caller's own session (JSON `GET /session/attributes`). */

import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { asObject, onlyFields } from "../validate.ts";

export const listAttributes = defineOperation({
  name: "attributes.list",
  auth: "session",
  serviceTicket: true,
  parse(raw: unknown): Record<string, never> {
    onlyFields(asObject(raw), []);
    return {};
  },
  async run(ctx): Promise<Record<string, string>> {
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    return ctx.store.listAttributes(session.key);
  },
});
