/** All attributes of the caller's own session (JSON `GET /session/attributes`). */

import { SessionError } from "../errors.ts";
import { NO_INPUT } from "../fields.ts";
import { defineOperation } from "../operation.ts";

export const listAttributes = defineOperation({
  name: "attributes.list",
  auth: "session",
  serviceTicket: true,
  input: NO_INPUT,
  async run(ctx): Promise<Record<string, string>> {
    const session = ctx.caller.session;
    if (!session) throw new SessionError("NOT_AUTHENTICATED");
    return ctx.store.listAttributes(session.key);
  },
});
