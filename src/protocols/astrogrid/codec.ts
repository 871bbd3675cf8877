/**
 * XML-RPC values both ways, and the plain-text form of the HTTP function-call binding.
 *
 * Documents are read by the shared strict parser (`../xml.ts`: UTF-8 only, no DTD, so no entity can be
 * declared or expanded, limits on nesting and element count), and XML-RPC allows no attributes or
 * namespace prefixes on top of that. Everything else is `MALFORMED_REQUEST`. Plain XML-RPC only:
 * `i8`, `nil` and other extensions are refused, as the Astro Runtime refuses them.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import { childElements, escapeXml, hasText, parseXml, textOf, type XmlElement } from "../xml.ts";

/** A double, kept apart from integers (XML-RPC tells them apart, JavaScript does not). */
export class XmlRpcDouble {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export type XmlRpcValue =
  | string
  | number
  | boolean
  | Date
  | Uint8Array
  | XmlRpcDouble
  | XmlRpcValue[]
  | { readonly [name: string]: XmlRpcValue };

export interface MethodCall {
  methodName: string;
  params: XmlRpcValue[];
}

const MAX_DEPTH = 64;
const MAX_ELEMENTS = 100_000;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
/** Method names: `module.component.method`, and Python's `__str__` probes. */
const METHOD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,7}$/;

function malformed(reason: string): SessionError {
  return new SessionError("MALFORMED_REQUEST", `Failed to parse XML-RPC request: ${reason}.`);
}

function elementsOf(element: XmlElement): XmlElement[] {
  if (hasText(element)) throw malformed(`unexpected text in <${element.name}>`);
  return childElements(element);
}

function textIn(element: XmlElement): string {
  const text = textOf(element);
  if (text === null) throw malformed(`an element inside <${element.name}>`);
  return text;
}

function only(element: XmlElement, name: string): XmlElement {
  const children = elementsOf(element);
  const [first] = children;
  if (children.length !== 1 || !first || first.name !== name)
    throw malformed(`<${element.name}> must hold one <${name}>`);
  return first;
}

function decodeValue(value: XmlElement): XmlRpcValue {
  if (value.children.every((child) => typeof child === "string")) return textIn(value);
  const typed = only(value, elementsOf(value)[0]?.name ?? "");
  switch (typed.name) {
    case "i4":
    case "int": {
      const text = textIn(typed).trim();
      if (!/^[+-]?\d{1,10}$/.test(text)) throw malformed("an invalid int");
      const number = Number(text);
      if (number < INT_MIN || number > INT_MAX) throw malformed("an int out of range");
      return number;
    }
    case "boolean": {
      const text = textIn(typed).trim();
      if (text !== "0" && text !== "1") throw malformed("a boolean that is neither 0 nor 1");
      return text === "1";
    }
    case "string":
      return textIn(typed);
    case "double": {
      const text = textIn(typed).trim();
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$/.test(text)) throw malformed("an invalid double");
      return new XmlRpcDouble(Number(text));
    }
    case "dateTime.iso8601": {
      const match = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(textIn(typed).trim());
      if (!match) throw malformed("an invalid dateTime.iso8601");
      const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
      return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    }
    case "base64": {
      const text = textIn(typed).replace(/\s+/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw malformed("invalid base64");
      return new Uint8Array(Buffer.from(text, "base64"));
    }
    case "struct": {
      const struct: Record<string, XmlRpcValue> = Object.create(null) as Record<string, XmlRpcValue>;
      for (const member of elementsOf(typed)) {
        if (member.name !== "member") throw malformed("<struct> may hold only <member>");
        const parts = elementsOf(member);
        const name = parts.find((p) => p.name === "name");
        const inner = parts.find((p) => p.name === "value");
        if (parts.length !== 2 || !name || !inner) throw malformed("a <member> needs one <name> and one <value>");
        struct[textIn(name)] = decodeValue(inner);
      }
      return struct;
    }
    case "array": {
      const data = only(typed, "data");
      return elementsOf(data).map((item) => {
        if (item.name !== "value") throw malformed("<data> may hold only <value>");
        return decodeValue(item);
      });
    }
    default:
      throw malformed("an unsupported value type (plain XML-RPC only)");
  }
}

/** Parses a `<methodCall>` document. Throws `MALFORMED_REQUEST` with a short reason. */
export function decodeMethodCall(xml: string): MethodCall {
  // XML-RPC knows no attributes and no namespaces: `plain` refuses them while reading.
  const root = parseXml(xml, {
    label: "Failed to parse XML-RPC request",
    maxDepth: MAX_DEPTH,
    maxElements: MAX_ELEMENTS,
    plain: true,
  });
  if (root.name !== "methodCall") throw malformed("the root element must be <methodCall>");
  const parts = elementsOf(root);
  const nameElement = parts[0];
  if (nameElement?.name !== "methodName") throw malformed("<methodCall> must start with <methodName>");
  const methodName = textIn(nameElement).trim();
  if (!METHOD_NAME.test(methodName) || methodName.length > 200) throw malformed("an invalid method name");
  const paramsElement = parts[1];
  if (parts.length > 2 || (paramsElement && paramsElement.name !== "params")) {
    throw malformed("<methodCall> may hold only <methodName> and <params>");
  }
  const params = paramsElement
    ? elementsOf(paramsElement).map((param) => {
        if (param.name !== "param") throw malformed("<params> may hold only <param>");
        return decodeValue(only(param, "value"));
      })
    : [];
  return { methodName, params };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** One `<value>`. Strings go without a `<string>` wrapper, as the Astro Runtime writes them. */
export function encodeValue(value: XmlRpcValue | null | undefined): string {
  if (value === null || value === undefined) return "<value>NULL</value>";
  if (typeof value === "string") return `<value>${escapeXml(value)}</value>`;
  if (typeof value === "boolean") return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX) return `<value><i4>${value}</i4></value>`;
    return `<value><double>${Number.isFinite(value) ? value : 0}</double></value>`;
  }
  if (value instanceof XmlRpcDouble)
    return `<value><double>${Number.isFinite(value.value) ? value.value : 0}</double></value>`;
  if (value instanceof Date) {
    const d = value;
    const text = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    return `<value><dateTime.iso8601>${text}</dateTime.iso8601></value>`;
  }
  if (value instanceof Uint8Array) return `<value><base64>${Buffer.from(value).toString("base64")}</base64></value>`;
  if (Array.isArray(value)) return `<value><array><data>${value.map(encodeValue).join("")}</data></array></value>`;
  const members = Object.entries(value)
    .map(([name, item]) => `<member><name>${escapeXml(name)}</name>${encodeValue(item)}</member>`)
    .join("");
  return `<value><struct>${members}</struct></value>`;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

export function encodeResponse(value: XmlRpcValue): string {
  return `${XML_DECLARATION}<methodResponse><params><param>${encodeValue(value)}</param></params></methodResponse>`;
}

export function encodeFault(faultCode: number, faultString: string): string {
  return (
    `${XML_DECLARATION}<methodResponse><fault><value><struct>` +
    `<member><name>faultCode</name><value><i4>${faultCode}</i4></value></member>` +
    `<member><name>faultString</name>${encodeValue(faultString)}</member>` +
    "</struct></value></fault></methodResponse>"
  );
}

/** A result as the HTTP binding's `plain` form writes it (without the final newline). */
export function plainText(value: XmlRpcValue | null | undefined): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return value;
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  if (value instanceof XmlRpcDouble) return String(value.value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(plainText).join("\n");
  return Object.entries(value)
    .map(([name, item]) => `${name}=${plainText(item)}`)
    .join("\t");
}
