/**
 * The baseline server: plain `node:http`, no framework, no store, answering `{"ok":true}` to every
 * request. It is the ceiling of what one Node process can answer on this machine, so sessiond's
 * figures are reported as a fraction of it. With `--body-file` it answers that file's content
 * instead (used to tell the cost of a bigger response apart from the cost of sessiond's work).
 *
 * With `--spin-us N` it busy-spins N µs (wall time, on `performance.now()`) per request before it
 * answers: a server with a known, fixed amount of its own work per request, which the `calibration`
 * scenario measures to translate a ratio to this baseline into µs of work per request. Without it (or
 * with 0) the handler is exactly the plain baseline's.
 *
 *   node --import tsx bench/lib/raw-server.ts [--body-file response.json] [--spin-us N]
 *
 * Prints `{"ready":true,"url":...}` once listening; stops on SIGTERM or when stdin closes.
 */

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { exitWithParent } from "./proc.ts";

const { values } = parseArgs({ options: { "body-file": { type: "string" }, "spin-us": { type: "string" } } });
const file = values["body-file"];
const body = file ? readFileSync(file, "utf8") : JSON.stringify({ ok: true });
const length = String(Buffer.byteLength(body));
const spinMs = Number(values["spin-us"] ?? 0) / 1000;
if (!Number.isFinite(spinMs) || spinMs < 0) throw new Error("--spin-us must be a number of µs, 0 or more");

/** Busy-spins `spinMs` of wall time on the event loop, as synchronous request handling would. */
function spin(): void {
  const until = performance.now() + spinMs;
  while (performance.now() < until) {
    // Each check is a call into V8's clock (about 30 ns): the loop is not optimised away.
  }
}

const server = createServer((request, response) => {
  // Drain any body first, as a real server would (logins send one).
  request.resume();
  request.on("end", () => {
    if (spinMs > 0) spin();
    response.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": length });
    response.end(body);
  });
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  console.log(JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}` }));
});

exitWithParent(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  30 * 60_000,
);
