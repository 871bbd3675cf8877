/**
 * httpkom's wire forms: where the connection id travels, how bodies are read, and the JSON shapes
 * of requests and answers. No session policy: the operations decide, this only translates.
 *
 * @module
 */

import type { FastifyRequest } from "fastify";
import type { SessionView, UserView } from "../../core/views.ts";
import { httpkomErrorBody } from "./errors.ts";

export const CONNECTION_HEADER = "httpkom-connection";
/** The query parameter jskom uses where it cannot set a header (`<img src>`). */
export const CONNECTION_QUERY = "Httpkom-Connection";
/** Longer values cannot be a connection id; they are treated as unknown ones. */
const MAX_ID_LENGTH = 128;

/** The connection id of a request: the header, else the query parameter. */
export function connectionIdOf(request: FastifyRequest): string | undefined {
  return headerConnectionId(request) ?? queryConnectionId(request);
}

export function headerConnectionId(request: FastifyRequest): string | undefined {
  return usable(request.headers[CONNECTION_HEADER]);
}

export function queryConnectionId(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  return usable(query?.[CONNECTION_QUERY]);
}

function usable(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first !== "string") return undefined;
  // An over-long id is sent on as one that matches nothing, so it is refused like any unknown id.
  return first.length > MAX_ID_LENGTH ? "\u0000" : first;
}

export type Body = { kind: "json"; value: unknown } | { kind: "not-json" } | { kind: "malformed" };

/** Whether a Content-Type is JSON as httpkom (Quart) judges it. */
export function isJsonType(contentType: string | undefined): boolean {
  const mime = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return mime === "application/json" || (mime.startsWith("application/") && mime.endsWith("+json"));
}

/** The request body: JSON when sent as JSON, `not-json` otherwise, `malformed` when it does not parse. */
export function readBody(request: FastifyRequest): Body {
  if (!isJsonType(request.headers["content-type"])) return { kind: "not-json" };
  const raw = typeof request.body === "string" ? request.body : "";
  try {
    return { kind: "json", value: JSON.parse(raw) as unknown };
  } catch {
    return { kind: "malformed" };
  }
}

/** A JSON object body, or undefined (null, arrays and other values are no object). */
export function objectOf(body: Body): Record<string, unknown> | undefined {
  if (body.kind !== "json") return undefined;
  const value = body.value;
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** JSON text with keys sorted, as httpkom writes it. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** An httpkom 400 that a request's shape earns before any operation runs. */
export class BadRequest {
  readonly message: string;
  readonly status: number;
  constructor(message: string, status = 400) {
    this.message = message;
    this.status = status;
  }
  get body() {
    return httpkomErrorBody(this.message);
  }
}

/** What `current/login` asks for, or the 400 httpkom answers for its body. */
export type LoginRequest = { userNumber: number; password: string } | { name: string; password: string };

export function parseLoginBody(body: Body): LoginRequest | BadRequest {
  const input = objectOf(body);
  if (!input) return new BadRequest("Invalid body.");
  const hasNumber = input.pers_no !== undefined && input.pers_no !== null;
  // jskom sends `"pers_name": ""` next to `pers_no`: an empty or null name there counts as absent.
  const hasName = input.pers_name !== undefined && input.pers_name !== null && !(hasNumber && input.pers_name === "");
  if (!hasNumber && !hasName) return new BadRequest('Missing "pers_no" or "pers_name".');
  if (hasNumber && hasName) return new BadRequest('Only one of "pers_no" and "pers_name" is allowed');
  if (!("passwd" in input)) return new BadRequest('Missing "passwd".');
  if (input.passwd === null) return new BadRequest('"passwd" is null.');
  if (typeof input.passwd !== "string") return new BadRequest('"passwd" must be a string.');
  const password = input.passwd;
  if (hasNumber) {
    const number = input.pers_no;
    if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 0) {
      return new BadRequest('"pers_no" must be a person number.');
    }
    return { userNumber: number, password };
  }
  if (typeof input.pers_name !== "string") return new BadRequest('"pers_name" must be a string.');
  return { name: input.pers_name, password };
}

/** The `client` of `POST /sessions/`, or the 400 httpkom answers. */
export function parseCreateSessionBody(body: Body): { name: string; version: string } | BadRequest {
  const input = objectOf(body);
  if (!input) return new BadRequest("Invalid body.");
  const client = input.client;
  if (client === undefined || client === null) return new BadRequest('Missing "client".');
  const fields = typeof client === "object" && !Array.isArray(client) ? (client as Record<string, unknown>) : {};
  const { name, version } = fields;
  if (typeof name !== "string" || typeof version !== "string" || name.length > 128 || version.length > 64) {
    return new BadRequest('"client" must hold "name" and "version" as text.');
  }
  return { name, version };
}

/** The body of `POST /persons/`, or the 400 httpkom answers. */
export function parsePersonBody(body: Body): { fullName: string; password: string } | BadRequest {
  const input = objectOf(body);
  if (!input) return new BadRequest("Invalid body.");
  if (input.name === undefined) return new BadRequest('Missing "name".');
  if (typeof input.name !== "string") return new BadRequest('"name" must be a string.');
  if (input.passwd === undefined) return new BadRequest('Missing "passwd".');
  if (typeof input.passwd !== "string") return new BadRequest('"passwd" must be a string.');
  return { fullName: input.name, password: input.passwd };
}

/** `{"pers_name","pers_no"}`: a person as httpkom shows one. */
export function personBody(user: Pick<UserView, "number" | "fullName">) {
  return { pers_name: user.fullName, pers_no: user.number };
}

/** The who-am-i body: the intended one, with `person` when logged in. */
export function whoAmIBody(session: SessionView, user: UserView | null) {
  return { person: user ? personBody(user) : null, session_no: session.number };
}
