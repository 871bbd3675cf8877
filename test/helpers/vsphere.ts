/**
 * SOAP requests to `/sdk` in the three client dialects of protocols.md 1.2, byte for byte as pyVmomi
 * 6.7.1, rbvmomi 1.8.2 and govmomi 0.24.2 send them: envelope prefix and namespaces, XML declaration,
 * SOAPAction, body framing (govmomi sends chunked bodies) and how each sends the session cookie back.
 * Requests go through node:http(s) so that the headers are exactly these (an empty `Cookie:` included).
 */

import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

/** One realm with a privileged `root` (password `mypass`) and a plain `user` (password `pass`). */
export const VSPHERE_REALMS = [
  {
    name: "default",
    defaultLocale: "en",
    supportedLocales: ["en", "de"],
    users: [
      {
        name: "root",
        number: 0,
        password: "mypass",
        fullName: "Root",
        privileges: [
          "Sessions.TerminateSession",
          "Sessions.ValidateSession",
          "Sessions.GlobalMessage",
          "Sessions.ImpersonateUser",
        ],
      },
      { name: "user", number: 1, password: "pass", fullName: "Plain User" },
    ],
  },
];

export type Dialect = "pyvmomi" | "rbvmomi" | "govmomi";
export const DIALECTS: readonly Dialect[] = ["pyvmomi", "rbvmomi", "govmomi"];

const SOAP = "http://schemas.xmlsoap.org/soap/envelope/";
const XSI = "http://www.w3.org/2001/XMLSchema-instance";
const XSD = "http://www.w3.org/2001/XMLSchema";

/** A method element: `<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>…</Login>`. */
export function method(name: string, target: [type: string, id: string], params = ""): string {
  return `<${name} xmlns="urn:vim25"><_this type="${target[0]}">${target[1]}</_this>${params}</${name}>`;
}

export const SM: [string, string] = ["SessionManager", "SessionManager"];
export const SI: [string, string] = ["ServiceInstance", "ServiceInstance"];
export const PC: [string, string] = ["PropertyCollector", "propertyCollector"];

export function envelope(dialect: Dialect, body: string): string {
  switch (dialect) {
    case "pyvmomi":
      return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="${SOAP}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}">\n` +
        `<soapenv:Body>${body}</soapenv:Body>\n</soapenv:Envelope>`
      );
    case "rbvmomi":
      return `<env:Envelope xmlns:xsd="${XSD}" xmlns:env="${SOAP}" xmlns:xsi="${XSI}"><env:Body>${body}</env:Body></env:Envelope>`;
    case "govmomi":
      return `<?xml version="1.0" encoding="UTF-8"?><Envelope xmlns="${SOAP}"><Body>${body}</Body></Envelope>`;
  }
}

/** The `xsi:type` attribute the way each dialect writes it (Go's encoder names the namespace itself). */
export function xsiType(dialect: Dialect, type: string): string {
  return dialect === "govmomi"
    ? ` xmlns:XMLSchema-instance="${XSI}" XMLSchema-instance:type="${type}"`
    : ` xsi:type="${type}"`;
}

export interface SoapAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The `Set-Cookie` line, when the answer carried one. */
  setCookie: string | undefined;
}

/** A client of one dialect: remembers the cookie the way that client does and sends it back so. */
export interface SoapClient {
  readonly dialect: Dialect;
  /** The raw `Set-Cookie` line last received, or undefined before login. */
  cookieLine: string | undefined;
  call(body: string, options?: { headers?: Record<string, string>; rawEnvelope?: string }): Promise<SoapAnswer>;
}

/** The session cookie's value in a `Set-Cookie` line. */
export function cookieSecret(line: string | undefined): string | undefined {
  return line ? /vmware_soap_session="?([^";]+)"?/.exec(line)?.[1] : undefined;
}

export function soapClient(
  baseUrl: string,
  dialect: Dialect,
  options: { ca?: Buffer; userAgent?: string } = {},
): SoapClient {
  const client: SoapClient = {
    dialect,
    cookieLine: undefined,
    async call(body, callOptions = {}) {
      const payload = Buffer.from(callOptions.rawEnvelope ?? envelope(dialect, body), "utf8");
      const headers: Record<string, string> = {};
      if (dialect === "pyvmomi") {
        // pyVmomi sends an empty Cookie header before login, then the whole Set-Cookie line verbatim.
        headers.cookie = client.cookieLine ?? "";
        headers.soapaction = '"urn:vim25/6.7.1"';
        headers["content-type"] = "text/xml; charset=UTF-8";
        headers["user-agent"] = options.userAgent ?? "pyvmomi Python/3.11.2 (Linux; 6.1.0; x86_64)";
        headers["content-length"] = String(payload.length);
      } else if (dialect === "rbvmomi") {
        if (client.cookieLine) headers.cookie = client.cookieLine;
        headers.soapaction = "urn:vim25/4.0";
        headers["content-type"] = "text/xml; charset=utf-8";
        headers["user-agent"] = options.userAgent ?? "Ruby";
        headers["content-length"] = String(payload.length);
      } else {
        // Go's cookie jar sends name=value with the quotes stripped; the body goes chunked.
        const secret = cookieSecret(client.cookieLine);
        if (secret) headers.cookie = `vmware_soap_session=${secret}`;
        headers.soapaction = "urn:vim25/7.0";
        headers["content-type"] = 'text/xml; charset="utf-8"';
        headers["user-agent"] = options.userAgent ?? "Go-http-client/1.1";
      }
      Object.assign(headers, callOptions.headers);
      const answer = await post(new URL("/sdk", baseUrl), headers, payload, dialect === "govmomi", options.ca);
      if (answer.setCookie) client.cookieLine = answer.setCookie;
      return answer;
    },
  };
  return client;
}

export function post(
  url: URL,
  headers: Record<string, string>,
  payload: Buffer,
  chunked: boolean,
  ca?: Buffer,
  method = "POST",
): Promise<SoapAnswer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method, headers, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const cookie = res.headers["set-cookie"];
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          setCookie: cookie?.[cookie.length - 1],
        });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (chunked) {
      // Two writes without a Content-Length: node:http frames them as chunks, as Go's client does.
      const half = Math.floor(payload.length / 2);
      req.write(payload.subarray(0, half));
      req.end(payload.subarray(half));
    } else {
      req.end(payload);
    }
  });
}

/** The `<returnval>` text of a simple answer. */
export function returnval(body: string): string | undefined {
  return /<returnval>([^<]*)<\/returnval>/.exec(body)?.[1];
}

/** The fault type of a SOAP fault answer (`InvalidLogin`), from its detail's `xsi:type`. */
export function faultType(body: string): string | undefined {
  return /<detail><(\w+)Fault xmlns="urn:vim25" xsi:type="(\w+)"/.exec(body)?.[2];
}

/** A `RetrievePropertiesEx` body for some properties of one object, as pyVmomi sends it. */
export function retrievePropertiesEx(target: [string, string], paths: string[]): string {
  const pathSet = paths.map((p) => `<pathSet>${p}</pathSet>`).join("");
  return method(
    "RetrievePropertiesEx",
    PC,
    `<specSet><propSet><type>${target[0]}</type><all>false</all>${pathSet}</propSet><objectSet><obj type="${target[0]}">${target[1]}</obj><skip>false</skip></objectSet></specSet><options><maxObjects>1</maxObjects></options>`,
  );
}

/** A `RetrieveProperties` body as rbvmomi sends it, `xsi:type` on the specs. */
export function retrieveProperties(dialect: Dialect, target: [string, string], paths: string[]): string {
  const pathSet = paths.map((p) => `<pathSet>${p}</pathSet>`).join("");
  return method(
    "RetrieveProperties",
    PC,
    `<specSet${xsiType(dialect, "PropertyFilterSpec")}><propSet${xsiType(dialect, "PropertySpec")}><type>${target[0]}</type>${pathSet}</propSet><objectSet${xsiType(dialect, "ObjectSpec")}><obj type="${target[0]}">${target[1]}</obj></objectSet></specSet>`,
  );
}
