/**
 * Reading a call's parameters: the child elements of the call element (or of a structured parameter
 * such as `sessionm/put`'s `<data>`), by local name, with the checks every call shares. Unknown or
 * repeated parameters are refused rather than ignored, so a client's typo is reported, not silently
 * dropped. Errors are `INVALID_ARGUMENT` naming the parameter, never echoing its value.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import { MAX_CHOSEN_IDLE_SECONDS } from "../../core/sessions.ts";
import {
  decodeBase64Text,
  guidParameter,
  invalidParameter,
  parameterText,
  wholeNumberParameter,
} from "../kit/params.ts";
import { childElements, hasText, type XmlElement } from "../xml.ts";

export { invalidParameter };

/** How often a parameter may appear: at most once, or any number of times. */
export type ParamArity = "once" | "many";

export type ParamSpec = Readonly<Record<string, ParamArity>>;

/** Longest `expiration` accepted: the longest idle timeout a client may choose. */
export const MAX_EXPIRATION_SECONDS = MAX_CHOSEN_IDLE_SECONDS;

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

  const textIn = (element: XmlElement, name: string) => parameterText(element, name, "must hold text, not elements");
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
      return value === undefined ? undefined : guidParameter(value, name);
    },
    seconds(name) {
      const value = text(name);
      return value === undefined ? undefined : wholeNumberParameter(value, name, 1, MAX_EXPIRATION_SECONDS, "seconds");
    },
  };
}
