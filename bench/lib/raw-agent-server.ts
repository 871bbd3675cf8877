/**
 * The Agent baseline: a plain `node:net` server that splits its input at NUL bytes and answers every
 * packet with the same small packet, without parsing anything. It is the ceiling of NUL-framed
 * request and answer in one Node process on this machine, as raw-server.ts is for HTTP.
 *
 *   node --import tsx bench/lib/raw-agent-server.ts [--body-file answer.xml]
 *
 * Prints `{"ready":true,"url":"tcp://127.0.0.1:PORT"}` once listening; stops on SIGTERM or when stdin
 * closes.
 */

import { readFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { parseArgs } from "node:util";
import { exitWithParent } from "./proc.ts";

const { values } = parseArgs({ options: { "body-file": { type: "string" } } });
const file = values["body-file"];
const answer = Buffer.from(
  `${file ? readFileSync(file, "utf8") : '<packet id="1" version="4.0.0"><data><system><ok/></system></data></packet>'}\0`,
);

const sockets = new Set<Socket>();
const server = createServer({ noDelay: true }, (socket) => {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: Buffer) => {
    // One answer per NUL: a packet split across reads is answered when its end arrives.
    let at = chunk.indexOf(0);
    while (at >= 0) {
      socket.write(answer);
      at = chunk.indexOf(0, at + 1);
    }
  });
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  console.log(JSON.stringify({ ready: true, url: `tcp://127.0.0.1:${port}` }));
});

exitWithParent(
  () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  30 * 60_000,
);
