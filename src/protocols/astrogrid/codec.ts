/**
 * XML-RPC values both ways, and the plain-text form of the HTTP function-call binding.
 *
 * The parser is small and strict on purpose: UTF-8 text only, no DTD (so no entity can be declared or
 * expanded), no processing instructions, no attributes; only the five predefined entities and
 * character references; limits on nesting and element count. Everything else is `MALFORMED_REQUEST`.
 * Plain XML-RPC only: `i8`, `nil` and other extensions are refused, as the Astro Runtime refuses them.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";

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

interface Element {
  name: string;
  children: (Element | string)[];
}

function malformed(reason: string): SessionError {
  return new SessionError("MALFORMED_REQUEST", `Failed to parse XML-RPC request: ${reason}.`);
}

const NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Text with its references replaced; only the predefined entities and character references exist. */
function decodeText(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&([^;&\s]{0,12});|&/g, (match, body: string | undefined) => {
    if (body === undefined) throw malformed("a bare '&' in text");
    const named = PREDEFINED[body];
    if (named !== undefined) return named;
    const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (!numeric) throw malformed(`an undefined entity ${match.length > 16 ? "" : match}`.trim());
    const code = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number(numeric[2]);
    if (!isXmlChar(code)) throw malformed("a character reference to a character XML does not allow");
    return String.fromCodePoint(code);
  });
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The document's one root element, or MALFORMED_REQUEST. */
function parseDocument(xml: string): Element {
  let at = 0;
  if (xml.charCodeAt(0) === 0xfeff) at = 1;
  if (xml.startsWith("<?xml", at)) {
    const end = xml.indexOf("?>", at);
    if (end < 0) throw malformed("an unterminated XML declaration");
    const declaration = xml.slice(at, end);
    const encoding = /encoding\s*=\s*["']([^"']*)["']/.exec(declaration)?.[1]?.toLowerCase();
    if (encoding !== undefined && !["utf-8", "utf8", "us-ascii", "ascii"].includes(encoding)) {
      throw malformed("only UTF-8 is accepted");
    }
    at = end + 2;
  }
  const stack: Element[] = [];
  let root: Element | undefined;
  let elements = 0;
  const appendText = (text: string) => {
    const top = stack[stack.length - 1];
    if (top) top.children.push(text);
    else if (text.trim() !== "") throw malformed("text outside the root element");
  };
  while (at < xml.length) {
    const lt = xml.indexOf("<", at);
    if (lt < 0) {
      appendText(decodeText(xml.slice(at)));
      break;
    }
    if (lt > at) appendText(decodeText(xml.slice(at, lt)));
    if (xml.startsWith("<!--", lt)) {
      const end = xml.indexOf("-->", lt + 4);
      if (end < 0) throw malformed("an unterminated comment");
      at = end + 3;
    } else if (xml.startsWith("<![CDATA[", lt)) {
      const end = xml.indexOf("]]>", lt + 9);
      if (end < 0 || stack.length === 0) throw malformed("a misplaced or unterminated CDATA section");
      appendText(xml.slice(lt + 9, end));
      at = end + 3;
    } else if (xml.startsWith("<!", lt)) {
      throw malformed("document type declarations are not accepted");
    } else if (xml.startsWith("<?", lt)) {
      throw malformed("processing instructions are not accepted");
    } else {
      const gt = xml.indexOf(">", lt);
      if (gt < 0) throw malformed("an unterminated tag");
      const tag = xml.slice(lt + 1, gt);
      at = gt + 1;
      if (tag.startsWith("/")) {
        const name = tag.slice(1).trimEnd();
        const open = stack.pop();
        if (!open || open.name !== name) throw malformed("mismatched end tag");
        if (stack.length === 0) root = open;
        continue;
      }
      const selfClosing = tag.endsWith("/");
      const name = (selfClosing ? tag.slice(0, -1) : tag).trimEnd();
      if (!NAME.test(name)) throw malformed("a tag with attributes or an invalid name");
      if (root || (stack.length === 0 && elements > 0)) throw malformed("more than one root element");
      elements += 1;
      if (elements > MAX_ELEMENTS) throw malformed("too many elements");
      if (stack.length >= MAX_DEPTH) throw malformed("elements nested too deeply");
      const element: Element = { name, children: [] };
      stack[stack.length - 1]?.children.push(element);
      if (selfClosing) {
        if (stack.length === 0) root = element;
      } else {
        stack.push(element);
      }
    }
  }
  if (stack.length > 0 || !root) throw malformed("the document is incomplete");
  return root;
}

function elementsOf(element: Element): Element[] {
  const found: Element[] = [];
  for (const child of element.children) {
    if (typeof child === "string") {
      if (child.trim() !== "") throw malformed(`unexpected text in <${element.name}>`);
    } else {
      found.push(child);
    }
  }
  return found;
}

function textOf(element: Element): string {
  let text = "";
  for (const child of element.children) {
    if (typeof child !== "string") throw malformed(`an element inside <${element.name}>`);
    text += child;
  }
  return text;
}

function only(element: Element, name: string): Element {
  const children = elementsOf(element);
  const [first] = children;
  if (children.length !== 1 || !first || first.name !== name)
    throw malformed(`<${element.name}> must hold one <${name}>`);
  return first;
}

function decodeValue(value: Element): XmlRpcValue {
  if (value.children.every((child) => typeof child === "string")) return textOf(value);
  const typed = only(value, elementsOf(value)[0]?.name ?? "");
  switch (typed.name) {
    case "i4":
    case "int": {
      const text = textOf(typed).trim();
      if (!/^[+-]?\d{1,10}$/.test(text)) throw malformed("an invalid int");
      const number = Number(text);
      if (number < INT_MIN || number > INT_MAX) throw malformed("an int out of range");
      return number;
    }
    case "boolean": {
      const text = textOf(typed).trim();
      if (text !== "0" && text !== "1") throw malformed("a boolean that is neither 0 nor 1");
      return text === "1";
    }
    case "string":
      return textOf(typed);
    case "double": {
      const text = textOf(typed).trim();
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$/.test(text)) throw malformed("an invalid double");
      return new XmlRpcDouble(Number(text));
    }
    case "dateTime.iso8601": {
      const match = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(textOf(typed).trim());
      if (!match) throw malformed("an invalid dateTime.iso8601");
      const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
      return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    }
    case "base64": {
      const text = textOf(typed).replace(/\s+/g, "");
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
        struct[textOf(name)] = decodeValue(inner);
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
  const root = parseDocument(xml);
  if (root.name !== "methodCall") throw malformed("the root element must be <methodCall>");
  const parts = elementsOf(root);
  const nameElement = parts[0];
  if (nameElement?.name !== "methodName") throw malformed("<methodCall> must start with <methodName>");
  const methodName = textOf(nameElement).trim();
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

/** XML text: the three markup characters escaped, CR kept, characters XML cannot carry replaced. */
export function escapeXml(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "&") out += "&amp;";
    else if (char === "<") out += "&lt;";
    else if (char === ">") out += "&gt;";
    else if (char === "\r") out += "&#13;";
    else out += isXmlChar(code) ? char : "\uFFFD";
  }
  return out;
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
