/**
 * Talks to a running sessiond over its JSON API, as the operator, without a password: it asks for a
 * local ticket (only callers on this machine get one), reads the ticket from the file only that user
 * can read, logs in with it, and ends its session when done.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Config } from "../core/config.ts";
import type { ErrorCode } from "../core/errors.ts";

export class ServerError extends Error {
  readonly status: number;
  readonly code: ErrorCode | "UNREACHABLE";
  constructor(status: number, code: ErrorCode | "UNREACHABLE", message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export interface ServerClient {
  readonly url: string;
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/**
 * The local ticket the server wrote to a file only the operator may read; NO_PERMISSION when this
 * process cannot read it (another OS user asked for it).
 */
export function readLocalTicket(passwordFilePath: string): string {
  try {
    return readFileSync(passwordFilePath, "utf8").trim();
  } catch (error) {
    throw new ServerError(
      0,
      "NO_PERMISSION",
      `Cannot read the local ticket ${passwordFilePath}: ${(error as Error).message}`,
    );
  }
}

/** The URL the local server listens on, from the configuration (a wildcard host is reached on loopback). */
export function localServerUrl(config: Config): string {
  let host = config.http.host;
  if (host === "0.0.0.0" || host === "") host = "127.0.0.1";
  if (host === "::") host = "::1";
  if (host.includes(":")) host = `[${host}]`;
  return `${config.http.tls ? "https" : "http"}://${host}:${config.http.port}`;
}

function send(url: string, method: string, path: string, body: unknown, headers: Record<string, string>, ca?: Buffer) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const target = new URL(path, url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const options = {
      method,
      headers: { ...headers, ...(payload === undefined ? {} : { "content-type": "application/json" }) },
      ...(ca ? { ca } : {}),
    };
    const req = (target.protocol === "https:" ? httpsRequest : httpRequest)(target, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on("error", (error) =>
      reject(
        new ServerError(
          0,
          "UNREACHABLE",
          `Cannot reach sessiond at ${url} (${error.message}). Is it running? Use --url to name it.`,
        ),
      ),
    );
    req.end(payload);
  });
}

function asError(status: number, body: unknown): ServerError {
  const error = (body as { error?: { code?: ErrorCode; message?: string } } | undefined)?.error;
  return new ServerError(status, error?.code ?? "INTERNAL", error?.message ?? `The server answered HTTP ${status}.`);
}

/** Logs in with a local ticket for `userName` and returns a client that acts as that user. */
export async function connectAsLocalUser(
  config: Config,
  options: { url?: string; userName: string },
): Promise<ServerClient> {
  const url = options.url ?? localServerUrl(config);
  const ca = config.http.tls ? readFileSync(config.http.tls.cert) : undefined;
  const ticketResponse = await send(url, "POST", "/api/v1/tickets/local", { userName: options.userName }, {}, ca);
  if (ticketResponse.status !== 201) throw asError(ticketResponse.status, ticketResponse.body);
  const { passwordFilePath } = ticketResponse.body as { passwordFilePath: string };
  const ticket = readLocalTicket(passwordFilePath);
  const loginResponse = await send(
    url,
    "POST",
    "/api/v1/login",
    { userName: options.userName, password: ticket, client: { name: "sessiond-cli" } },
    {},
    ca,
  );
  if (loginResponse.status !== 201) throw asError(loginResponse.status, loginResponse.body);
  const secret = (loginResponse.body as { secret: string }).secret;
  const auth = { authorization: `Bearer ${secret}` };
  return {
    url,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await send(url, method, path, body, auth, ca);
      if (response.status >= 400) throw asError(response.status, response.body);
      return response.body as T;
    },
    async close() {
      await send(url, "DELETE", "/api/v1/session", undefined, auth, ca).catch(() => undefined);
    },
  };
}
