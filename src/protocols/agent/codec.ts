/**
 * Agent packets as values (protocols.md 2.2): reading a request packet's envelope and its one call,
 * and writing answer packets in the seed's shape and order:
 *
 * ```xml
 * <packet id="…" time="YYYY-MM-DDThh:mm:ss+0000" priority="0" version="…"><origin>IFACE</origin>
 * <target>vzclient<N>-<hostId></target>[<session>…</session>][<cookie>…</cookie>]
 * <dst><director>gend</director></dst><data><IFACE>…</IFACE></data><src><director>gend</director></src></packet>
 * ```
 *
 * Elements are matched by local name, so plain and namespace-qualified (`ns1:packet`) requests read
 * alike; answers are written unqualified, as the seed's are. Parsing uses the shared strict parser.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { SessionError } from "../../core/errors.ts";
import {
  attributeOf,
  childElements,
  escapeXml,
  hasText,
  parseXml,
  textOf,
  XML_NAMESPACE,
  XMLNS_NAMESPACE,
  type XmlElement,
} from "../xml.ts";
import type { AgentError } from "./errors.ts";

/** What a request packet says about itself, echoed in its answer. */
export interface RequestEnvelope {
  /** The client's correlation id, when it gave one. */
  id: string | undefined;
  /** The protocol version, when well-formed. */
  version: string | undefined;
  /** The `<target>` operator, when given. */
  target: string | undefined;
  /** The temporary session the packet runs in (`<session>`), when given. */
  session: string | undefined;
  /** The user-defined header element, echoed unchanged. */
  cookie: XmlElement | undefined;
}

/** One call of a request packet: `<data><IFACE><CALL>params</CALL></IFACE></data>`. */
export interface RequestCall {
  iface: string;
  call: string;
  /** The call element; its children are the parameters. */
  element: XmlElement;
}

export type DecodedRequest =
  | { ok: true; envelope: RequestEnvelope; call: RequestCall }
  /** `envelope` is absent when not even the packet element could be read; `iface` when it was known. */
  | { ok: false; envelope: RequestEnvelope | undefined; iface: string | undefined; error: SessionError };

export const DEFAULT_VERSION = "4.0.0";
const VERSION_PATTERN = /^\d{1,4}(\.\d{1,4}){0,3}$/;
const LABEL = "The packet is not well-formed XML";
const SINGLE_HEADERS = new Set(["target", "session", "origin", "cookie", "dst", "src"]);

function malformed(reason: string): SessionError {
  return new SessionError("MALFORMED_REQUEST", `The packet is malformed: ${reason}.`);
}

function headerText(element: XmlElement): string {
  const text = textOf(element);
  if (text === null || text.trim() === "") throw malformed(`<${element.local}> must hold text`);
  return text.trim();
}

/** Reads one request packet's text. What is wrong with the packet is in the result; only a bug throws. */
export function decodeRequest(text: string): DecodedRequest {
  let root: XmlElement;
  try {
    root = parseXml(text, { label: LABEL, maxDepth: 32 });
  } catch (error) {
    return { ok: false, envelope: undefined, iface: undefined, error: asSessionError(error) };
  }
  if (root.local !== "packet") {
    return { ok: false, envelope: undefined, iface: undefined, error: malformed("the root element must be <packet>") };
  }
  const version = attributeOf(root, "version");
  const envelope: RequestEnvelope = {
    id: attributeOf(root, "id"),
    version: version !== undefined && VERSION_PATTERN.test(version) ? version : undefined,
    target: undefined,
    session: undefined,
    cookie: undefined,
  };
  let iface: string | undefined;
  try {
    if (hasText(root)) throw malformed("text directly inside <packet>");
    let data: XmlElement | undefined;
    const seen = new Set<string>();
    for (const child of childElements(root)) {
      if (child.local === "data") {
        if (data) throw malformed("there must be exactly one <data> element");
        data = child;
        continue;
      }
      // Other header elements (a routing `host`, say) do not change what sessiond does: ignored.
      if (!SINGLE_HEADERS.has(child.local)) continue;
      if (seen.has(child.local)) throw malformed(`<${child.local}> appears more than once`);
      seen.add(child.local);
      if (child.local === "target") envelope.target = headerText(child);
      else if (child.local === "session") envelope.session = headerText(child);
      else if (child.local === "cookie") envelope.cookie = child;
    }
    if (!data) throw malformed("there must be exactly one <data> element");
    if (hasText(data)) throw malformed("text directly inside <data>");
    const interfaces = childElements(data);
    const ifaceElement = interfaces[0];
    if (!ifaceElement || interfaces.length > 1) throw malformed("<data> must hold exactly one interface element");
    iface = ifaceElement.local;
    if (envelope.target !== undefined && envelope.target !== iface) {
      throw malformed("<target> names another interface than the one inside <data>");
    }
    if (hasText(ifaceElement)) throw malformed(`text directly inside <${iface}>`);
    const calls = childElements(ifaceElement);
    const callElement = calls[0];
    if (!callElement) throw malformed(`<${iface}> holds no call`);
    if (calls.length > 1) throw malformed("one call per packet: send each call in its own packet");
    return { ok: true, envelope, call: { iface, call: callElement.local, element: callElement } };
  } catch (error) {
    return { ok: false, envelope, iface, error: asSessionError(error) };
  }
}

function asSessionError(error: unknown): SessionError {
  // Only the parser and this module throw here, and only SessionErrors; anything else is a bug.
  if (error instanceof SessionError) return error;
  throw error;
}

/** What an answer packet's envelope holds. */
export interface ResponseEnvelope {
  id: string;
  /** Epoch ms, written as `YYYY-MM-DDThh:mm:ss+0000`. */
  time: number;
  version: string;
  /** The interface that answers (`<origin>` and the element inside `<data>`). */
  origin: string;
  /** `vzclient<N>-<hostId>`. */
  target: string;
  /** Echoed when the request carried one. */
  session?: string | undefined;
  /** Echoed when the request carried one. */
  cookie?: XmlElement | undefined;
}

/** `YYYY-MM-DDThh:mm:ss+0000`, UTC, as Agent answers carry it. */
export function formatPacketTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}+0000`;
}

/** An answer packet whose interface element holds `body` (XML, already escaped). */
export function encodeResponse(envelope: ResponseEnvelope, body: string): string {
  const origin = escapeXml(envelope.origin);
  const session = envelope.session === undefined ? "" : `<session>${escapeXml(envelope.session)}</session>`;
  const cookie = envelope.cookie === undefined ? "" : serializeElement(envelope.cookie);
  const inner = body === "" ? `<${origin}/>` : `<${origin}>${body}</${origin}>`;
  return (
    `<packet id="${escapeXml(envelope.id)}" time="${formatPacketTime(envelope.time)}" priority="0" ` +
    `version="${escapeXml(envelope.version)}"><origin>${origin}</origin><target>${escapeXml(envelope.target)}</target>` +
    `${session}${cookie}<dst><director>gend</director></dst><data>${inner}</data>` +
    "<src><director>gend</director></src></packet>"
  );
}

/** The body of an error answer (protocols.md 2.6). */
export function errorBody(error: AgentError): string {
  return `<error><code>${error.code}</code><message>${escapeXml(error.message)}</message></error>`;
}

/**
 * Ids for answers to requests that gave none, in the Agent's own pattern
 * `<hex counter>c<hex unix time>t<hex>` (protocols.md 2.2).
 */
export function createPacketIds(now: () => number): () => string {
  let counter = 0;
  return () => {
    counter += 1;
    const seconds = Math.floor(now() / 1000);
    return `${counter.toString(16)}c${seconds.toString(16)}t${randomBytes(2).toString("hex")}`;
  };
}

/**
 * An element written back as XML with the same names, namespaces, attributes and text (comments
 * are not kept by the parser; CDATA becomes escaped text). The namespace declarations it needs are
 * written where needed, so a prefixed element taken out of its document stays well-formed.
 */
export function serializeElement(element: XmlElement): string {
  return writeElement(element, new Map([["xml", XML_NAMESPACE]]));
}

function writeElement(element: XmlElement, inScope: ReadonlyMap<string, string>): string {
  const scope = new Map(inScope);
  let declarations = "";
  const bind = (prefix: string, uri: string) => {
    if ((scope.get(prefix) ?? "") === uri) return;
    scope.set(prefix, uri);
    declarations += prefix === "" ? ` xmlns="${escapeXml(uri)}"` : ` xmlns:${prefix}="${escapeXml(uri)}"`;
  };
  bind(element.prefix ?? "", element.ns);
  let attributes = "";
  for (const attribute of element.attributes) {
    if (attribute.ns === XMLNS_NAMESPACE) continue;
    const colon = attribute.name.indexOf(":");
    if (colon > 0) bind(attribute.name.slice(0, colon), attribute.ns);
    attributes += ` ${attribute.name}="${escapeXml(attribute.value)}"`;
  }
  const open = `${element.name}${declarations}${attributes}`;
  if (element.children.length === 0) return `<${open}/>`;
  let content = "";
  for (const child of element.children) {
    content += typeof child === "string" ? escapeXml(child) : writeElement(child, scope);
  }
  return `<${open}>${content}</${element.name}>`;
}
