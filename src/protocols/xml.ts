/**
 * A small, strict XML parser shared by the XML front doors (AstroGrid's XML-RPC, vSphere's SOAP, the
 * Parallels Agent's packets), and the escaping they write with.
 *
 * Strict on purpose, because every byte comes from an untrusted client: no DTD (so no entity can be
 * declared or expanded), no processing instructions but the XML declaration, UTF-8 only, only the
 * five predefined entities and character references, no characters XML forbids, and limits on
 * nesting, element count and attributes per element. Anything else is `MALFORMED_REQUEST` with a
 * short reason that never echoes the input.
 *
 * Within what it accepts, it reads a document as XML 1.0 with namespaces says (a differential test
 * against saxes keeps it so): line ends become `\n` before anything is read, literal white space in
 * attribute values becomes spaces but references to it stay, comments may not hold `--`, text may not
 * hold `]]>`, and no two attributes of an element may have the same namespace and local name.
 * Element and attribute names are ASCII; documents with other names are refused.
 *
 * Namespaces are resolved: every element and attribute carries its local name and namespace URI, so
 * callers match `soapenv:Body`, `env:Body` and a default-namespace `Body` alike. Namespace
 * declarations stay in `attributes` (with the xmlns namespace), so a caller that allows no
 * attributes at all can still refuse them.
 *
 * @module
 */

import { SessionError } from "../core/errors.ts";

export const XMLNS_NAMESPACE = "http://www.w3.org/2000/xmlns/";
export const XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace";
export const XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance";

export interface XmlAttribute {
  /** As written, with its prefix: `xsi:type`. */
  name: string;
  local: string;
  /** Namespace URI; "" for an unprefixed attribute. */
  ns: string;
  value: string;
}

export interface XmlElement {
  /** As written, with its prefix: `soapenv:Envelope`. */
  name: string;
  prefix: string | null;
  local: string;
  /** Namespace URI; "" when none applies. */
  ns: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
  /** The namespaces in scope at this element, for values that name types (`xsi:type`): see `namespaceOf`. */
  scope: NamespaceScope;
}

/**
 * Namespace declarations in scope: those of one element, linked to its parent's. Elements that declare
 * nothing share their parent's scope, so no element copies another's declarations: a document cannot
 * make the parser build a large table per element.
 */
export interface NamespaceScope {
  readonly declared: ReadonlyMap<string, string>;
  readonly parent: NamespaceScope | null;
}

/** The namespace URI a prefix ("" for the default namespace) means in `scope`, or undefined. */
export function namespaceOf(scope: NamespaceScope, prefix: string): string | undefined {
  for (let at: NamespaceScope | null = scope; at !== null; at = at.parent) {
    const uri = at.declared.get(prefix);
    if (uri !== undefined) return uri;
  }
  return undefined;
}

export type XmlNode = XmlElement | string;

export interface XmlParseOptions {
  /** Start of every error message, naming what failed to parse. @default "The XML could not be parsed" */
  label?: string;
  /** @default 64 */
  maxDepth?: number;
  /** @default 100000 */
  maxElements?: number;
  /** @default 64 */
  maxAttributes?: number;
  /** Namespace declarations in the whole document. @default 256 */
  maxNamespaceDeclarations?: number;
  /**
   * Refuse any attribute (namespace declarations included) and any prefix as soon as it is read, for
   * formats that have none (XML-RPC), so that such input costs nothing to refuse. @default false
   */
  plain?: boolean;
}

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const NAME = /[A-Za-z_][A-Za-z0-9._-]*(?::[A-Za-z_][A-Za-z0-9._-]*)?/y;
const WHITESPACE = /[ \t\r\n]*/y;
/**
 * Characters XML 1.0 does not allow anywhere: controls, U+FFFE and U+FFFF, and surrogates that are not
 * half of a pair (the `u` flag makes the class match lone ones only; references are checked by
 * `isXmlChar`).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/u;
/** Only these four are white space to XML (JavaScript's `trim` takes more, such as U+00A0). */
const ONLY_WHITESPACE = /^[ \t\r\n]*$/;
/**
 * The XML declaration, whole: version 1.0 (other versions change what characters mean), then an
 * optional encoding and an optional standalone, in that order.
 */
const XML_DECLARATION =
  /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.0\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\4)?[ \t\n]*\?>/y;
const BASE_SCOPE: NamespaceScope = { declared: new Map([["xml", XML_NAMESPACE]]), parent: null };

export function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Parses one document and returns its root element. Throws `MALFORMED_REQUEST` with a short reason. */
export function parseXml(document: string, options: XmlParseOptions = {}): XmlElement {
  // Line ends are normalised before anything is read, as XML 1.0 (2.11) says: CR LF and a lone CR
  // become LF everywhere, in text, attribute values and CDATA alike. A CR sent as `&#13;` stays.
  const xml = document.includes("\r") ? document.replace(/\r\n?/g, "\n") : document;
  const label = options.label ?? "The XML could not be parsed";
  const maxDepth = options.maxDepth ?? 64;
  const maxElements = options.maxElements ?? 100_000;
  const maxAttributes = options.maxAttributes ?? 64;
  const maxDeclarations = options.maxNamespaceDeclarations ?? 256;
  const plain = options.plain ?? false;
  let declarations = 0;
  const malformed = (reason: string) => new SessionError("MALFORMED_REQUEST", `${label}: ${reason}.`);

  const decode = (raw: string): string => {
    if (FORBIDDEN_CHARS.test(raw)) throw malformed("a character XML does not allow");
    if (!raw.includes("&")) return raw;
    return raw.replace(/&([A-Za-z0-9#_.:-]*);|&/g, (_match, body: string | undefined) => {
      if (body === undefined) throw malformed("a bare '&'");
      const named = PREDEFINED[body];
      if (named !== undefined) return named;
      const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
      if (!numeric) throw malformed("an undefined entity");
      const code = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number(numeric[2]);
      if (!isXmlChar(code)) throw malformed("a character reference to a character XML does not allow");
      return String.fromCodePoint(code);
    });
  };

  const readName = (at: number): string | null => {
    NAME.lastIndex = at;
    return NAME.exec(xml)?.[0] ?? null;
  };
  const skipSpace = (at: number): number => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(xml);
    return WHITESPACE.lastIndex;
  };

  let at = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  // `<?xml` followed by a name character is a processing instruction (`<?xml-stylesheet`), refused below.
  if (xml.startsWith("<?xml", at) && /[ \t\n?]/.test(xml[at + 5] ?? "")) {
    XML_DECLARATION.lastIndex = at;
    const declaration = XML_DECLARATION.exec(xml);
    if (!declaration) throw malformed("a malformed XML declaration");
    const encoding = declaration[3]?.toLowerCase();
    if (encoding !== undefined && !["utf-8", "utf8", "us-ascii", "ascii"].includes(encoding)) {
      throw malformed("only UTF-8 is accepted");
    }
    at = XML_DECLARATION.lastIndex;
  }

  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  const appendText = (raw: string) => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (!ONLY_WHITESPACE.test(raw)) throw malformed("text outside the root element");
      return;
    }
    // `]]>` may end a CDATA section only: in text it means the document is not what it seems.
    if (raw.includes("]]>")) throw malformed("a ']]>' in text");
    top.children.push(decode(raw));
  };

  while (at < xml.length) {
    const lt = xml.indexOf("<", at);
    if (lt < 0) {
      appendText(xml.slice(at));
      break;
    }
    if (lt > at) appendText(xml.slice(at, lt));
    if (xml.startsWith("<!--", lt)) {
      const end = xml.indexOf("-->", lt + 4);
      if (end < 0) throw malformed("an unterminated comment");
      const body = xml.slice(lt + 4, end);
      // A comment may not hold `--` nor end in `-` (`--->`): XML keeps `--` for the comment's end.
      if (body.includes("--") || body.endsWith("-")) throw malformed("a '--' inside a comment");
      if (FORBIDDEN_CHARS.test(body)) throw malformed("a character XML does not allow");
      at = end + 3;
      continue;
    }
    if (xml.startsWith("<![CDATA[", lt)) {
      const end = xml.indexOf("]]>", lt + 9);
      const top = stack[stack.length - 1];
      if (end < 0 || !top) throw malformed("a misplaced or unterminated CDATA section");
      const text = xml.slice(lt + 9, end);
      if (FORBIDDEN_CHARS.test(text)) throw malformed("a character XML does not allow");
      top.children.push(text);
      at = end + 3;
      continue;
    }
    if (xml.startsWith("<!", lt)) throw malformed("document type declarations are not accepted");
    if (xml.startsWith("<?", lt)) throw malformed("processing instructions are not accepted");

    if (xml.startsWith("</", lt)) {
      const name = readName(lt + 2);
      const close = name === null ? -1 : skipSpace(lt + 2 + name.length);
      if (name === null || xml[close] !== ">") throw malformed("a malformed end tag");
      const open = stack.pop();
      if (!open || open.name !== name) throw malformed("mismatched end tag");
      if (stack.length === 0) root = open;
      at = close + 1;
      continue;
    }

    const name = readName(lt + 1);
    if (name === null) throw malformed("a tag with an invalid name");
    if (plain && name.includes(":")) throw malformed("a tag with a namespace prefix");
    if (root || (stack.length === 0 && elements > 0)) throw malformed("more than one root element");
    elements += 1;
    if (elements > maxElements) throw malformed("too many elements");
    if (stack.length >= maxDepth) throw malformed("elements nested too deeply");

    // Attributes: read one by one, since a quoted value may itself hold '>'.
    const raw: { name: string; value: string }[] = [];
    let pos = lt + 1 + name.length;
    let selfClosing = false;
    for (;;) {
      const next = skipSpace(pos);
      const char = xml[next];
      if (char === ">") {
        pos = next + 1;
        break;
      }
      if (char === "/" && xml[next + 1] === ">") {
        selfClosing = true;
        pos = next + 2;
        break;
      }
      if (next === pos) throw malformed(char === undefined ? "an unterminated tag" : "a malformed tag");
      if (plain) throw malformed("a tag with attributes");
      const attributeName = readName(next);
      if (attributeName === null) throw malformed("a malformed attribute");
      const equals = skipSpace(next + attributeName.length);
      if (xml[equals] !== "=") throw malformed("an attribute without a value");
      const open = skipSpace(equals + 1);
      const quote = xml[open];
      if (quote !== '"' && quote !== "'") throw malformed("an unquoted attribute value");
      const close = xml.indexOf(quote, open + 1);
      if (close < 0) throw malformed("an unterminated attribute value");
      const value = xml.slice(open + 1, close);
      if (value.includes("<")) throw malformed("a '<' in an attribute value");
      if (raw.some((a) => a.name === attributeName)) throw malformed("a repeated attribute");
      // Literal white space in a value becomes a space; white space written as a reference stays (3.3.3).
      raw.push({ name: attributeName, value: decode(value.replace(/[\t\n]/g, " ")) });
      if (raw.length > maxAttributes) throw malformed("too many attributes");
      pos = close + 1;
    }
    at = pos;

    const parentScope = stack[stack.length - 1]?.scope ?? BASE_SCOPE;
    let declaredHere: Map<string, string> | undefined;
    for (const attribute of raw) {
      const declared =
        attribute.name === "xmlns" ? "" : attribute.name.startsWith("xmlns:") ? attribute.name.slice(6) : null;
      if (declared === null) continue;
      // `xml` may be declared, but only as what it always means; `xmlns` and its namespace never.
      const reserved =
        declared === "xmlns" ||
        attribute.value === XMLNS_NAMESPACE ||
        (declared === "xml") !== (attribute.value === XML_NAMESPACE);
      if (reserved) throw malformed("a reserved namespace prefix or name redeclared");
      if (declared !== "" && attribute.value === "") throw malformed("a namespace prefix bound to nothing");
      // No URI holds white space; taking `"urn:x "` for `urn:x` (as some parsers do) would be a guess.
      if (/[ \t\r\n]/.test(attribute.value)) throw malformed("a namespace name with white space");
      declarations += 1;
      if (declarations > maxDeclarations) throw malformed("too many namespace declarations");
      declaredHere ??= new Map();
      declaredHere.set(declared, attribute.value);
    }
    const scope: NamespaceScope = declaredHere ? { declared: declaredHere, parent: parentScope } : parentScope;
    const resolve = (qualified: string, isAttribute: boolean) => {
      const colon = qualified.indexOf(":");
      if (colon < 0) return { prefix: null, local: qualified, ns: isAttribute ? "" : (namespaceOf(scope, "") ?? "") };
      const prefix = qualified.slice(0, colon);
      const ns = prefix === "xmlns" ? XMLNS_NAMESPACE : namespaceOf(scope, prefix);
      if (ns === undefined) throw malformed("an undeclared namespace prefix");
      return { prefix, local: qualified.slice(colon + 1), ns };
    };
    const attributes: XmlAttribute[] = raw.map((a) => {
      if (a.name === "xmlns") return { name: a.name, local: "xmlns", ns: XMLNS_NAMESPACE, value: a.value };
      const { local, ns } = resolve(a.name, true);
      return { name: a.name, local, ns, value: a.value };
    });
    // Two prefixes for one namespace make `p:x` and `q:x` the same attribute (Namespaces in XML, 6.3).
    for (let i = 1; i < attributes.length; i++) {
      const { local, ns } = attributes[i] as XmlAttribute;
      if (ns !== "" && attributes.slice(0, i).some((a) => a.local === local && a.ns === ns)) {
        throw malformed("a repeated attribute");
      }
    }
    const { prefix, local, ns } = resolve(name, false);
    if (prefix === "xmlns") throw malformed("an element with the xmlns prefix");
    const element: XmlElement = { name, prefix, local, ns, attributes, children: [], scope };
    stack[stack.length - 1]?.children.push(element);
    if (selfClosing) {
      if (stack.length === 0) root = element;
    } else {
      stack.push(element);
    }
  }
  if (stack.length > 0 || !root) throw malformed("the document is incomplete");
  return root;
}

/** The child elements of an element, in order. Text between them is ignored. */
export function childElements(element: XmlElement): XmlElement[] {
  const found: XmlElement[] = [];
  for (const child of element.children) if (typeof child !== "string") found.push(child);
  return found;
}

/** The first child element with this local name (and namespace, when given), or undefined. */
export function childElement(element: XmlElement, local: string, ns?: string): XmlElement | undefined {
  for (const child of element.children) {
    if (typeof child !== "string" && child.local === local && (ns === undefined || child.ns === ns)) return child;
  }
  return undefined;
}

/** Whether an element holds any non-blank text beside its child elements. */
export function hasText(element: XmlElement): boolean {
  return element.children.some((child) => typeof child === "string" && child.trim() !== "");
}

/** The element's text, or null when it holds child elements. */
export function textOf(element: XmlElement): string | null {
  let text = "";
  for (const child of element.children) {
    if (typeof child !== "string") return null;
    text += child;
  }
  return text;
}

/** The value of an unprefixed attribute (or one in `ns`), or undefined. */
export function attributeOf(element: XmlElement, local: string, ns = ""): string | undefined {
  return element.attributes.find((a) => a.local === local && a.ns === ns)?.value;
}

/**
 * The `xsi:type` of an element as namespace and local name, whatever prefix the document gave the
 * XML Schema instance namespace, or undefined when it has none.
 */
export function xsiTypeOf(element: XmlElement): { ns: string; local: string } | undefined {
  const value = attributeOf(element, "type", XSI_NAMESPACE)?.trim();
  if (value === undefined) return undefined;
  const colon = value.indexOf(":");
  if (colon < 0) return { ns: namespaceOf(element.scope, "") ?? "", local: value };
  return { ns: namespaceOf(element.scope, value.slice(0, colon)) ?? "", local: value.slice(colon + 1) };
}

/** XML text: the markup characters escaped, CR kept, characters XML cannot carry replaced. */
export function escapeXml(text: string): string {
  let out = "";
  let plainFrom = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let replacement: string | undefined;
    if (code === 0x26) replacement = "&amp;";
    else if (code === 0x3c) replacement = "&lt;";
    else if (code === 0x3e) replacement = "&gt;";
    else if (code === 0x22) replacement = "&quot;";
    else if (code === 0x0d) replacement = "&#13;";
    else if (code < 0x20 && code !== 0x09 && code !== 0x0a) replacement = "\uFFFD";
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
      else replacement = "\uFFFD";
    } else if ((code >= 0xdc00 && code <= 0xdfff) || code === 0xfffe || code === 0xffff) replacement = "\uFFFD";
    if (replacement === undefined) continue;
    out += text.slice(plainFrom, i) + replacement;
    plainFrom = i + 1;
  }
  return plainFrom === 0 ? text : out + text.slice(plainFrom);
}
