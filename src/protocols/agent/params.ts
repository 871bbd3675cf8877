/**
 * Reading a call's parameters: the child elements of the call element (or of a structured parameter
 * such as `sessionm/put`'s `<data>`), by local name, with the checks every call shares. Unknown or
 * repeated parameters are refused rather than ignored, so a client's typo is reported, not silently
 * dropped. Errors are `INVALID_ARGUMENT` naming the parameter, never echoing its value.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import { GUID_PATTERN } from "../../core/validate.ts";
import { childElements, hasText, textOf, type XmlElement } from "../xml.ts";

/** How often a parameter may appear: at most once, or any number of times. */
export type ParamArity = "once" | "many";

export type ParamSpec = Readonly<Record<string, ParamArity>>;

/** Longest `expiration` accepted: the core's longest idle timeout, 366 days. */
export const MAX_EXPIRATION_SECONDS = 366 * 24 * 3600;

export function invalidParameter(name: string, expectation: string): SessionError {
  return new SessionError("INVALID_ARGUMENT", `${name} ${expectation}.`, { details: { field: name } });
}

export interface CallParams {
  /** The elements given for a parameter, in order (none when absent). */
  all(name: string): XmlElement[];
  /** The trimmed, non-empty texts of a parameter that may be repeated, in order. */
  texts(name: string): string[];
  /** The text of a parameter given at most once, trimmed; undefined when absent. */
  text(name: string): string | undefined;
  /** Like `text`, but exactly as sent, white space and all (stored values). */
  rawText(name: string): string | undefined;
  /** Like `text`, but the parameter must be there and not empty. */
  requiredText(name: string): string;
  /** A base64 parameter decoded as UTF-8 text; undefined when absent. */
  base64(name: string): string | undefined;
  /** A GUID parameter, lower case; undefined when absent. */
  guid(name: string): string | undefined;
  /** An `expiration` in whole seconds from 1 to `MAX_EXPIRATION_SECONDS`; undefined when absent. */
  seconds(name: string): number | undefined;
}

/**
 * The parameters of `element` as `spec` allows them. `where` names the element in messages (a call
 * name, or `data[2]`).
 */
export function readParams(element: XmlElement, spec: ParamSpec, where: string): CallParams {
  if (hasText(element)) throw invalidParameter(where, "must hold parameter elements, not text");
  const byName = new Map<string, XmlElement[]>();
  for (const child of childElements(element)) {
    const arity = Object.hasOwn(spec, child.local) ? spec[child.local] : undefined;
    if (arity === undefined) {
      const known = Object.keys(spec);
      throw new SessionError(
        "INVALID_ARGUMENT",
        `Unknown parameter of ${where}; it takes ${known.length === 0 ? "none" : known.join(", ")}.`,
        { details: { field: child.local } },
      );
    }
    const list = byName.get(child.local) ?? [];
    if (arity === "once" && list.length > 0) throw invalidParameter(child.local, "may be given only once");
    list.push(child);
    byName.set(child.local, list);
  }

  const textIn = (element: XmlElement, name: string): string => {
    const value = textOf(element);
    if (value === null) throw invalidParameter(name, "must hold text, not elements");
    return value;
  };
  const rawText = (name: string): string | undefined => {
    const [first] = byName.get(name) ?? [];
    return first === undefined ? undefined : textIn(first, name);
  };
  const text = (name: string): string | undefined => rawText(name)?.trim();

  return {
    all: (name) => byName.get(name) ?? [],
    texts: (name) =>
      (byName.get(name) ?? []).map((element) => {
        const value = textIn(element, name).trim();
        if (value === "") throw invalidParameter(name, "must not be empty");
        return value;
      }),
    text,
    rawText,
    requiredText(name) {
      const value = text(name);
      if (value === undefined || value === "") throw invalidParameter(name, "is required");
      return value;
    },
    base64(name) {
      const value = text(name);
      return value === undefined ? undefined : decodeBase64Text(value, name);
    },
    guid(name) {
      const value = text(name);
      if (value === undefined) return undefined;
      if (!GUID_PATTERN.test(value))
        throw invalidParameter(name, "must be a GUID like 00000000-0000-0000-0000-000000000000");
      return value.toLowerCase();
    },
    seconds(name) {
      const value = text(name);
      if (value === undefined) return undefined;
      const number = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
      if (!(number >= 1 && number <= MAX_EXPIRATION_SECONDS)) {
        throw invalidParameter(name, `must be a whole number of seconds from 1 to ${MAX_EXPIRATION_SECONDS}`);
      }
      return number;
    },
  };
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
