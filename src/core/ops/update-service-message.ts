/**
 * Sets or clears the service message (vSphere `UpdateServiceMessage`, JSON `PUT /service-message`).
 * Every live session with a push channel learns of it at once through the `message-updated` event.
 */

import { isWellFormedLocale } from "../locale.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { SERVICE_MESSAGE_SETTING } from "../service-message.ts";
import type { ServiceMessage } from "../types.ts";
import { invalid } from "../validate.ts";

const MAX_MESSAGE = 4096;

export const updateServiceMessage = defineOperation({
  name: "serviceMessage.update",
  auth: "user",
  privilege: "Sessions.GlobalMessage",
  input: Type.Object(
    {
      text: Type.String({ maxLength: MAX_MESSAGE, description: "An empty text clears the message" }),
      byLocale: Type.Optional(
        Type.Object(
          {},
          { additionalProperties: Type.String({ maxLength: MAX_MESSAGE }), description: "The text by locale" },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  refine(input): { text: string; byLocale: Record<string, string> } {
    const byLocale = (input.byLocale ?? {}) as Record<string, string>;
    if (!Object.keys(byLocale).every(isWellFormedLocale)) {
      throw invalid("byLocale", "must be keyed by locales like 'en' or 'en_US'");
    }
    return { text: input.text, byLocale };
  },
  async run(ctx, input): Promise<ServiceMessage> {
    // A call without a user here is the server's own (the command line on its data directory).
    const actor = ctx.actor ?? "(local administrator)";
    const message: ServiceMessage = { ...input, updatedAt: ctx.clock.now(), updatedBy: actor };
    await ctx.store.putSetting(SERVICE_MESSAGE_SETTING, message);
    ctx.emit("message-updated", null, { actor, detail: input.text });
    return message;
  },
});
