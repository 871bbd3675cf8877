/**
 * The baseline server: plain `node:http`, no framework, no store, answering `{"ok":true}` to every
 * request. It is the ceiling of what one Node process can answer on this machine, so sessiond's
 * figures are reported as a fraction of it. With `--body-file` it answers that file's content
 * instead (used to tell the cost of a bigger response apart from the cost of sessiond's work).
 *
 *   node --import tsx bench/lib/raw-server.ts [--body-file response.json]
 *
 * Prints `{"ready":true,"url":...}` once listening; stops on SIGTERM or when stdin closes.
 */

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { exitWithParent } from "./proc.ts";

const { values } = parseArgs({ options: { "body-file": { type: "string" } } });
const file = values["body-file"];
const body = file ? readFileSync(file, "utf8") : JSON.stringify({ ok: true });
const length = String(Buffer.byteLength(body));

const server = createServer((request, response) => {
  // Drain any body first, as a real server would (logins send one).
  request.resume();
  request.on("end", () => {
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
