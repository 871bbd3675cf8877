/**
 * `GET /metrics`: on the HTTP listener, or on a port of its own (`metrics.port`). Scrapes are
 * answered to loopback peers only unless `metrics.allowRemote` is set, since metrics tell an outsider
 * the server's load, realms and error rates. The peer is the socket's address, never a header.
 *
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MetricsSettings } from "../../core/config.ts";
import { isLoopbackAddress } from "../../protocols/http-context.ts";
import type { ServerMetrics } from "./server-metrics.ts";

export const METRICS_PATH = "/metrics";

/** Answers a scrape at `METRICS_PATH` and returns true, or returns false for any other request. */
export function answerScrape(
  metrics: ServerMetrics,
  settings: MetricsSettings,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  // Every request of the listener passes here first: a prefix test, before anything is allocated.
  const url = request.url;
  if (url === undefined || !url.startsWith(METRICS_PATH)) return false;
  if (url.length > METRICS_PATH.length && url[METRICS_PATH.length] !== "?") return false;
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  if (!settings.allowRemote && !isLoopbackAddress(request.socket.remoteAddress)) {
    response.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
    response.end("Metrics are answered on loopback only; set metrics.allowRemote to open them.\n");
    return true;
  }
  metrics.scrape().then(
    ({ contentType, body }) => {
      response.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
      response.end(request.method === "HEAD" ? undefined : body);
    },
    () => {
      response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      response.end("Metrics could not be collected.\n");
    },
  );
  return true;
}

/** The port of its own, when `metrics.port` is set: it answers nothing but scrapes. */
export async function listenForScrapes(
  metrics: ServerMetrics,
  settings: MetricsSettings & { port: number },
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (answerScrape(metrics, settings, request, response)) return;
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    response.end("Only /metrics is served here.\n");
  });
  // A scrape is one short request: idle connections are not kept for long.
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  return { server, url: `http://${host}:${port}${METRICS_PATH}` };
}
