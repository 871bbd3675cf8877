/**
 * HTTP requests and raw connections from a chosen loopback address (127.0.0.2, 127.0.0.3, ...), so that
 * a test can be several clients at once: the server tells them apart by the socket's peer address, as
 * it does real clients. Each request uses a connection of its own.
 */

import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";

export interface FromResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

/** One JSON request from `localAddress`; `bearer` sets the Authorization header. */
export function requestFrom(
  url: string,
  localAddress: string,
  method: string,
  path: string,
  options: { body?: unknown; bearer?: string; headers?: Record<string, string> } = {},
): Promise<FromResponse> {
  const target = new URL(path, url);
  const headers: Record<string, string> = { connection: "close", ...options.headers };
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method,
        headers,
        localAddress,
        agent: false,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** A raw TCP connection to the server of `url` from `localAddress`, once connected. */
export function connectFrom(url: string, localAddress: string): Promise<Socket> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port), localAddress }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Resolves once `socket` is closed (by either end), with everything it received. */
export function closed(socket: Socket): Promise<string> {
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  socket.on("error", () => {});
  return new Promise((resolve) => {
    if (socket.destroyed) resolve(received);
    else socket.once("close", () => resolve(received));
  });
}
