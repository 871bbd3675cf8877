/**
 * The service message: one global text, optionally translated per locale, shown in every login
 * result and pushed to live sessions when it changes.
 *
 * @module
 */

import type { Store } from "./store/index.ts";
import type { ServiceMessage } from "./types.ts";

export const SERVICE_MESSAGE_SETTING = "serviceMessage";

export const EMPTY_SERVICE_MESSAGE: ServiceMessage = { text: "", byLocale: {}, updatedAt: null, updatedBy: null };

export async function readServiceMessage(store: Pick<Store, "getSetting">): Promise<ServiceMessage> {
  const stored = (await store.getSetting(SERVICE_MESSAGE_SETTING)) as ServiceMessage | null;
  return stored ?? { ...EMPTY_SERVICE_MESSAGE };
}

/** The text for a locale: `ll_CC`, then `ll`, then the default text. */
export function localizedMessage(message: ServiceMessage, locale: string): string {
  return message.byLocale[locale] ?? message.byLocale[locale.slice(0, 2)] ?? message.text;
}
