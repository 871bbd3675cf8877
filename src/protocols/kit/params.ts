/**
 * Reading parameters that arrive as XML elements (Agent calls, vSphere SOAP bodies): the error every
 * such door reports for a bad parameter, and the readers of the values they share. Errors are
 * `INVALID_ARGUMENT` naming the parameter, never echoing its value.
 *
 * The limits themselves come from the core (`MAX_CHOSEN_IDLE_SECONDS`, the operations' schemas), so a
 * door checks a parameter that maps one to one onto an operation's field with the same bound.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import { GUID_PATTERN } from "../../core/validate.ts";
import { textOf, type XmlElement } from "../xml.ts";

/** The error for parameter `name` that is not what `expectation` says; `details` adds door-specific fields. */
export function invalidParameter(
  name: string,
  expectation: string,
  details: Record<string, unknown> = {},
): SessionError {
  return new SessionError("INVALID_ARGUMENT", `${name} ${expectation}.`, { details: { field: name, ...details } });
}

/** The text of a parameter element, exactly as sent; one holding elements is refused in `notText`'s words. */
export function parameterText(element: XmlElement, name: string, notText: string, details?: Record<string, unknown>) {
  const value = textOf(element);
  if (value === null) throw invalidParameter(name, notText, details);
  return value;
}

/** A GUID parameter (its text trimmed), lower case. */
export function guidParameter(value: string, name: string): string {
  if (!GUID_PATTERN.test(value))
    throw invalidParameter(name, "must be a GUID like 00000000-0000-0000-0000-000000000000");
  return value.toLowerCase();
}

/** A whole number written in decimal digits, from `min` to `max`; `unit` names it in the message. */
export function wholeNumberParameter(value: string, name: string, min: number, max: number, unit: string): number {
  const number = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) {
    throw invalidParameter(name, `must be a whole number of ${unit} from ${min} to ${max}`);
  }
  return number;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Strict base64 (`base64Binary`: white space allowed between characters) of UTF-8 text. */
export function decodeBase64Text(value: string, name: string): string {
  const compact = value.replace(/[ \t\r\n]/g, "");
  if (!BASE64.test(compact)) throw invalidParameter(name, "must be base64");
  try {
    return utf8.decode(Buffer.from(compact, "base64"));
  } catch {
    throw invalidParameter(name, "must be base64 of UTF-8 text");
  }
}
