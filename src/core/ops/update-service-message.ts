/**
 * Sets or clears the service message (vSphere `UpdateServiceMessage`, JSON `PUT /service-message`).
 * Every live session with a push channel learns of it at once through the `message-updated` event.
 */

import { isWellFormedLocale } from "../locale.ts";
import { defineOperation } from "../operation.ts";
import { SERVICE_MESSAGE_SETTING } from "../service-message.ts";
import type { ServiceMessage } from "../types.ts";
import { asObject, invalid, onlyFields, optionalString } from "../validate.ts";

const MAX_MESSAGE = 4096;

export const updateServiceMessage = defineOperation({
  name: "serviceMessage.update",
  auth: "user",
  privilege: "Sessions.GlobalMessage",
  parse(raw: unknown): { text: string; byLocale: Record<string, string> } {
    const input = asObject(raw);
    onlyFields(input, ["text", "byLocale"]);
    const text = optionalString(input, "text", { max: MAX_MESSAGE });
    if (text === undefined) throw invalid("text", "is required (an empty text clears the message)");
    const byLocale: Record<string, string> = {};
    if (input.byLocale !== undefined && input.byLocale !== null) {
      const raw = asObject(input.byLocale, "byLocale");
      for (const [locale, value] of Object.entries(raw)) {
        if (!isWellFormedLocale(locale)) throw invalid("byLocale", "must be keyed by locales like 'en' or 'en_US'");
        if (typeof value !== "string" || value.length > MAX_MESSAGE) {
          throw invalid(`byLocale.${locale}`, `must be a text of at most ${MAX_MESSAGE} characters`);
        }
        byLocale[locale] = value;
      }
    }
    return { text, byLocale };
  },
  async run(ctx, input): Promise<ServiceMessage> {
    const actor = ctx.caller.user ? `${ctx.caller.user.name}@${ctx.caller.user.realm}` : "(local administrator)";
    const message: ServiceMessage = { ...input, updatedAt: ctx.clock.now(), updatedBy: actor };
    await ctx.store.putSetting(SERVICE_MESSAGE_SETTING, message);
    ctx.emit("message-updated", null, { actor, detail: input.text });
    return message;
  },
});
