/**
 * Locales: `ll` or `ll_CC` (ISO 639-1 language, ISO 3166 country), accepted when the realm lists the
 * locale itself or its language (govmomi always sends `en_US`; a realm listing `en` accepts it).
 *
 * @module
 */

import { SessionError } from "./errors.ts";

/** A locale as `ll` or `ll_CC`. */
export const WELL_FORMED_LOCALE = /^[a-z]{2}(_[A-Z]{2})?$/;

export function isWellFormedLocale(value: unknown): value is string {
  return typeof value === "string" && WELL_FORMED_LOCALE.test(value);
}

/** Whether a realm listing `supported` accepts the locale: it or its language is listed. */
export function isSupportedLocale(locale: string, supported: readonly string[]): boolean {
  return supported.includes(locale) || supported.includes(locale.slice(0, 2));
}

/** Returns the locale when the realm supports it; throws `INVALID_LOCALE` otherwise. */
export function checkLocale(locale: unknown, supported: readonly string[]): string {
  if (!isWellFormedLocale(locale)) {
    throw new SessionError("INVALID_LOCALE", "A locale must look like 'll' or 'll_CC', for example 'en' or 'en_US'.");
  }
  if (isSupportedLocale(locale, supported)) return locale;
  throw new SessionError(
    "INVALID_LOCALE",
    `The locale ${locale} is not supported; choose one of ${supported.join(", ")}.`,
  );
}
