/**
 * The Agent load generator (wrk has no raw TCP mode): `--connections` connections, each sending one
 * packet and waiting for its answer before sending the next, for `--warmup` then `--duration`
 * seconds, rotating over the secrets of `--secrets-file` as the packets' `<session>`. With `--login`
 * each connection first does `system/login` as that user (`--password`), as the Agent requires
 * before `sessionm` calls; the raw baseline ignores what it is sent.
 *
 *   node --import tsx bench/lib/agent-load.ts --url tcp://127.0.0.1:4433 --connections 50 --duration 10 \
 *        --warmup 2 --secrets-file s.txt [--login admin --password P]
 *
 * Prints one line `{"requests":…,"seconds":…,"errors":…,"latencyUs":{"mean","p50","p90","p99","p999","max"}}`
 * about the measured seconds only.
 */

import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    connections: { type: "string", default: "50" },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    "secrets-file": { type: "string" },
    login: { type: "string" },
    password: { type: "string", default: "" },
  },
});
const url = new URL(values.url ?? "");
const connections = Number(values.connections);
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const secrets = readFileSync(values["secrets-file"] ?? "", "utf8")
  .split("\n")
  .filter(Boolean);
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The measured call: reading one attribute of a temporary session, as a client polls its state. */
const request = (secret: string) =>
  Buffer.from(
    `<packet version="4.0.0" id="g"><target>sessionm</target><session>${secret}</session><data><sessionm><get><key>state</key></get></sessionm></data></packet>\0`,
  );

interface Client {
  socket: Socket;
  /** Resolves with the next answer's text. */
  next(): Promise<string>;
}

async function open(): Promise<Client> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: url.hostname, port: Number(url.port), noDelay: true }, () => resolve(s));
    s.once("error", reject);
  });
  let buffered: Buffer = Buffer.alloc(0);
  const answers: string[] = [];
  let waiting: ((text: string) => void) | undefined;
  socket.on("data", (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    let at = buffered.indexOf(0);
    while (at >= 0) {
      const text = buffered.subarray(0, at).toString("utf8");
      buffered = buffered.subarray(at + 1);
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve(text);
      } else answers.push(text);
      at = buffered.indexOf(0);
    }
  });
  return {
    socket,
    next: () => {
      const ready = answers.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
  };
}

const latencies: number[] = [];
let errors = 0;
let measuring = false;
let stopped = false;

async function run(index: number): Promise<void> {
  const client = await open();
  if (values.login) {
    client.socket.write(
      `<packet version="4.0.0" id="l"><data><system><login><name>${b64(values.login)}</name><password>${b64(values.password ?? "")}</password></login></system></data></packet>\0`,
    );
    const answer = await client.next();
    if (answer.includes("<error>")) throw new Error(`system/login failed: ${answer}`);
  }
  let turn = index * 7919;
  while (!stopped) {
    const started = process.hrtime.bigint();
    client.socket.write(request(secrets[turn % secrets.length] ?? ""));
    turn += 1;
    const answer = await client.next();
    if (measuring) {
      latencies.push(Number(process.hrtime.bigint() - started) / 1000);
      if (answer.includes("<error>")) errors += 1;
    }
  }
  client.socket.destroy();
}

const workers = Array.from({ length: connections }, (_, i) => run(i));
await new Promise((resolve) => setTimeout(resolve, warmupMs));
measuring = true;
const start = performance.now();
await new Promise((resolve) => setTimeout(resolve, durationMs));
measuring = false;
const seconds = (performance.now() - start) / 1000;
stopped = true;
await Promise.allSettled(workers);

latencies.sort((a, b) => a - b);
const at = (p: number) =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
const mean = latencies.reduce((sum, l) => sum + l, 0) / Math.max(1, latencies.length);
console.log(
  JSON.stringify({
    requests: latencies.length,
    seconds: Math.round(seconds * 100) / 100,
    errors,
    latencyUs: { mean: Math.round(mean), p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: at(100) },
  }),
);
process.exit(0);
