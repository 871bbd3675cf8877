/** Reads the service message (vSphere `message`, JSON `GET /service-message`). */

import { defineOperation } from "../operation.ts";
import { localizedMessage, readServiceMessage } from "../service-message.ts";
import type { ServiceMessage } from "../types.ts";
import { asObject, onlyFields } from "../validate.ts";

export const getServiceMessage = defineOperation({
  name: "serviceMessage.get",
  auth: "user",
  serviceTicket: true,
  parse(raw: unknown): Record<string, never> {
    onlyFields(asObject(raw), []);
    return {};
  },
  async run(ctx): Promise<ServiceMessage & { localized: string }> {
    const message = await readServiceMessage(ctx.store);
    const locale = ctx.caller.session?.messageLocale ?? "en";
    return { ...message, localized: localizedMessage(message, locale) };
  },
});
