/**
 * Shared pieces of the httpkom tests: a server with two LysKOM "servers" (realms) and people, and a
 * small client that speaks httpkom over a real socket.
 */

import assert from "node:assert/strict";
import { assertNoInternals } from "./api.ts";
import { startApp, type TestApp } from "./start-app.ts";

export const KOM_PASSWORDS = {
  root: "root-password",
  alice: "alice-password",
  bob: "bob-password",
  bea: "bea-password",
  dave: "dave-password",
  oper: "oper-password",
  admin: "admin-password",
} as const;

/** `testkom` allows self-registration and holds people numbered 0 to 5, so the next one is 6. */
export function komRealms(): Record<string, unknown>[] {
  return [
    {
      name: "default",
      users: [{ name: "admin", password: KOM_PASSWORDS.admin, privileges: ["Sessions.TerminateSession"] }],
    },
    {
      name: "testkom",
      allowSelfRegistration: true,
      users: [
        { name: "root", number: 0, fullName: "Root", password: KOM_PASSWORDS.root },
        { name: "alice", number: 1, fullName: "Alice Example", password: KOM_PASSWORDS.alice },
        { name: "bob", number: 2, fullName: "Bob Builder", password: KOM_PASSWORDS.bob },
        { name: "bea", number: 3, fullName: "Bea Singer", password: KOM_PASSWORDS.bea },
        { name: "dave", number: 4, fullName: "Dave Test", password: KOM_PASSWORDS.dave },
        {
          name: "oper",
          number: 5,
          fullName: "Operator",
          password: KOM_PASSWORDS.oper,
          privileges: ["Sessions.TerminateSession"],
        },
      ],
    },
    { name: "otherkom", users: [{ name: "olle", number: 1, fullName: "Olle Other", password: "olle-password" }] },
  ];
}

export function startKomApp(httpkom: Record<string, unknown> = {}, realms = komRealms()): Promise<TestApp> {
  return startApp({ realms, httpkom });
}

export interface KomResponse {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface KomRequest {
  /** Sent as the `Httpkom-Connection` header. */
  id?: string;
  /** JSON body (sent as application/json), or raw text with `contentType`. */
  body?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A client for the httpkom front door mounted at `prefix` of the test server. */
export function komClient(t: TestApp, prefix = "/httpkom") {
  return async (method: string, path: string, options: KomRequest = {}): Promise<KomResponse> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.id !== undefined) headers["httpkom-connection"] = options.id;
    let body: string | undefined;
    if (options.raw !== undefined) {
      body = options.raw;
      if (options.contentType) headers["content-type"] = options.contentType;
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const response = await fetch(`${t.url}${prefix === "/" ? "" : prefix}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    assertNoInternals(text);
    return { status: response.status, headers: response.headers, text, body: parsed };
  };
}

export type Kom = ReturnType<typeof komClient>;

/** An empty answer: this status, no body, no Content-Type. */
export function assertEmpty(res: KomResponse, status: number): void {
  assert.equal(res.status, status, `expected ${status} empty, got ${res.status}: ${res.text}`);
  assert.equal(res.text, "");
  assert.equal(res.headers.get("content-type"), null, "an empty answer has no Content-Type");
  assert.equal(res.headers.get("cache-control"), "no-cache");
}

/** A JSON answer whose text is exactly `expected` (httpkom sorts keys). */
export function assertJson(res: KomResponse, status: number, expected: string): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.equal(res.text, expected);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(res.headers.get("cache-control"), "no-cache");
}

export function httpkomError(message: string): string {
  return JSON.stringify({ error_msg: message, error_type: "httpkom" });
}

export function protocolAError(code: number, name: string, status: number | string): string {
  return JSON.stringify({ error_code: code, error_msg: name, error_status: String(status), error_type: "protocol-a" });
}

/** Creates a session on `server` and returns its connection id and number. */
export async function connect(kom: Kom, server = "testkom"): Promise<{ id: string; number: number }> {
  const res = await kom("POST", `/${server}/sessions/`, { body: { client: { name: "jskom", version: "0.6" } } });
  assert.equal(res.status, 201, res.text);
  return { id: res.body.connection_id, number: res.body.session_no };
}

/** Creates a session and logs it in by number. */
export async function connectAs(kom: Kom, persNo: number, password: string, server = "testkom") {
  const session = await connect(kom, server);
  const res = await kom("POST", `/${server}/sessions/current/login`, {
    id: session.id,
    body: { pers_no: persNo, passwd: password },
  });
  assert.equal(res.status, 201, res.text);
  return session;
}
