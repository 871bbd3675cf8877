/**
 * SOAP 1.1 envelopes as the three client dialects send them (protocols.md 1.2) and as all three accept
 * them back (1.10). Requests are read namespace-aware: `soapenv:`, `env:` or a default namespace, with
 * or without an XML declaration. Responses always use the `soapenv:` prefix declared on the root,
 * which rbvmomi looks the body up by.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import {
  attributeOf,
  childElement,
  childElements,
  escapeXml,
  hasText,
  parseXml,
  textOf,
  type XmlElement,
} from "../xml.ts";
import { type MoRef, moRef } from "./values.ts";

export const SOAP_ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/";
export const VIM25 = "urn:vim25";

export interface SoapRequest {
  /** The method element's local name: `Login`, `RetrievePropertiesEx`. */
  method: string;
  /** The `_this` reference, when present. */
  target: MoRef | undefined;
  /** The method's parameters: its child elements after `_this`, in order. */
  params: XmlElement[];
  /** A session cookie carried in the SOAP header (`<vcSessionCookie>`), which govmomi uses for some endpoints. */
  headerCookie: string | undefined;
}

function malformed(reason: string): SessionError {
  return new SessionError("MALFORMED_REQUEST", `The SOAP request could not be read: ${reason}.`);
}

/** A `ManagedObjectReference` element: `<_this type="SessionManager">SessionManager</_this>`. */
export function readMoRef(element: XmlElement): MoRef {
  const type = attributeOf(element, "type");
  const value = textOf(element)?.trim();
  if (!type || !value) throw malformed(`<${element.local}> must be a managed object reference with a type`);
  return moRef(type, value);
}

export function decodeSoapRequest(body: string): SoapRequest {
  const envelope = parseXml(body, { label: "The SOAP request could not be parsed", maxDepth: 48 });
  if (envelope.local !== "Envelope" || envelope.ns !== SOAP_ENVELOPE)
    throw malformed("the root must be a SOAP 1.1 Envelope");
  const header = childElement(envelope, "Header", SOAP_ENVELOPE);
  const soapBody = childElement(envelope, "Body", SOAP_ENVELOPE);
  if (!soapBody) throw malformed("the Envelope has no Body");
  if (hasText(soapBody)) throw malformed("text in the Body");
  const [call, ...rest] = childElements(soapBody);
  if (!call || rest.length > 0) throw malformed("the Body must hold exactly one method element");
  if (call.ns !== VIM25 && call.ns !== "") throw malformed("the method is not in the urn:vim25 namespace");
  const children = childElements(call);
  const thisElement = children[0]?.local === "_this" ? children[0] : undefined;
  const cookie = header ? childElement(header, "vcSessionCookie") : undefined;
  return {
    method: call.local,
    target: thisElement ? readMoRef(thisElement) : undefined,
    params: thisElement ? children.slice(1) : children,
    headerCookie: cookie ? (textOf(cookie)?.trim() ?? undefined) : undefined,
  };
}

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" ' +
  'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'xmlns:xsd="http://www.w3.org/2001/XMLSchema" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const ENVELOPE_CLOSE = "</soapenv:Body></soapenv:Envelope>";

/** `<{Method}Response xmlns="urn:vim25">…</{Method}Response>` in an envelope; `content` is the returnval(s). */
export function encodeSoapResponse(method: string, content: string): string {
  return `${ENVELOPE_OPEN}<${method}Response xmlns="${VIM25}">${content}</${method}Response>${ENVELOPE_CLOSE}`;
}

/**
 * A fault as vcsim writes it and pyVmomi, rbvmomi and govmomi read it (protocols.md 1.6): an
 * unqualified `<detail>` whose first child, with nothing before it, is `<{Type}Fault xsi:type="{Type}">`.
 */
export function encodeSoapFault(
  type: string,
  faultstring: string,
  fields: string,
  faultcode: "ServerFaultCode" | "ClientFaultCode" = "ServerFaultCode",
): string {
  return (
    `${ENVELOPE_OPEN}<soapenv:Fault><faultcode>${faultcode}</faultcode><faultstring>${escapeXml(faultstring)}</faultstring>` +
    `<detail><${type}Fault xmlns="${VIM25}" xsi:type="${type}">${fields}</${type}Fault></detail></soapenv:Fault>${ENVELOPE_CLOSE}`
  );
}

/**
 * The value of one cookie in a `Cookie` header, read leniently: pyVmomi and rbvmomi echo the whole
 * `Set-Cookie` line (attributes included, quotes kept), pyVmomi sends an empty header before login,
 * Go strips the quotes. Undefined when absent or empty.
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    return value === "" ? undefined : value;
  }
  return undefined;
}
