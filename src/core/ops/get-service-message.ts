/** Reads the service message (vSphere `message`, JSON `GET /service-message`). */

import { NO_INPUT } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { localizedMessage, readServiceMessage } from "../service-message.ts";
import type { ServiceMessage } from "../types.ts";

export const getServiceMessage = defineOperation({
  name: "serviceMessage.get",
  auth: "user",
  serviceTicket: true,
  input: NO_INPUT,
  async run(ctx): Promise<ServiceMessage & { localized: string }> {
    const message = await readServiceMessage(ctx.store);
    const locale = ctx.caller.session?.messageLocale ?? "en";
    return { ...message, localized: localizedMessage(message, locale) };
  },
});
