/**
 * A real sessiond for the benchmarks: `buildApp` with the SQLite store in a fresh temporary data
 * directory, the default (real-cost argon2id) hasher, listening on 127.0.0.1 port 0.
 *
 * Before it reports ready it creates the benchmark users through the `putUser` operation and inserts
 * `--sessions` live logged-in sessions straight into the store, built the way `src/core/sessions.ts`
 * builds them (only the SHA-256 digest of each secret is stored). It then prints one line:
 *
 *   {"ready":true,"url":...,"secrets":[...],"users":[...],"password":...,"insertMs":...}
 *
 * with `--sample` of the secrets, so the load generator can send valid bearers. Stops (and deletes its
 * data directory) on SIGTERM or when stdin closes.
 *
 *   node --import tsx bench/lib/sessiond-server.ts --sessions 100000 --sample 10000 --users 4 [--agent]
 *
 * With `--agent` the Agent front door listens too (plain TCP, a free port), and the ready line names
 * it as `agentUrl`.
 */

import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { SessionRecord } from "../../src/core/types.ts";
import { exitWithParent } from "./proc.ts";

// The server under test is the compiled build in dist/, as `npm start` runs it, not the sources
// through tsx (whose transpiled output adds work to every call). bench/run.ts builds it first.
type Modules = [
  typeof import("../../src/core/config.ts"),
  typeof import("../../src/core/ops/index.ts"),
  typeof import("../../src/core/secrets.ts"),
  typeof import("../../src/server/app.ts"),
  typeof import("../../src/server/provision.ts"),
];
const dist = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href;
const [{ parseConfig }, { putUser }, { digestSecret }, { buildApp }, { LOCAL_ADMIN }] = (await Promise.all([
  import(dist("core/config.js")),
  import(dist("core/ops/index.js")),
  import(dist("core/secrets.js")),
  import(dist("server/app.js")),
  import(dist("server/provision.js")),
])) as Modules;

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "100000" },
    sample: { type: "string", default: "10000" },
    users: { type: "string", default: "4" },
    agent: { type: "boolean", default: false },
  },
});
const sessionCount = Number(values.sessions);
const sampleCount = Math.min(Number(values.sample), sessionCount);
const userCount = Math.max(1, Number(values.users));

export const BENCH_PASSWORD = "bench-password-0123456789";

const dataDir = mkdtempSync(join(tmpdir(), "sessiond-bench-"));
const config = parseConfig({
  dataDir,
  store: { driver: process.env.BENCH_STORE === "memory" ? "memory" : "sqlite" },
  http: { host: "127.0.0.1", port: 0 },
  log: { level: "warn" },
  ...(values.agent ? { agent: { port: 0, tlsPort: null } } : {}),
});
// No `hasher` option: the default argon2id cost is part of what is measured. Logs go to stderr so that
// stdout carries only this process's messages.
const app = await buildApp(config, { adminPassword: BENCH_PASSWORD, logStream: process.stderr });
exitWithParent(async () => {
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 30 * 60_000);

const listeners = await app.start();
const listener = listeners.find((l) => l.name === "http");
if (!listener) throw new Error("sessiond did not listen");
const agentUrl = listeners.find((l) => l.name === "agent")?.url;

const users = ["admin"];
for (let i = 1; i < userCount; i++) {
  const name = `bench${i}`;
  await app.engine.call(putUser, LOCAL_ADMIN, { name, password: BENCH_PASSWORD, privileges: [], mode: "create" });
  users.push(name);
}

const store = app.engine.store;
const realm = await store.getRealm("default");
if (!realm) throw new Error("no default realm");
const now = Date.now();
const secrets: string[] = [];
const started = performance.now();
for (let i = 0; i < sessionCount; i++) {
  const secret = randomBytes(32).toString("base64url");
  if (i < sampleCount) secrets.push(secret);
  const record: SessionRecord = {
    key: randomUUID(),
    number: await store.nextSessionNumber(),
    secretDigest: digestSecret(secret),
    realm: realm.name,
    userName: users[i % users.length] as string,
    impersonatedBy: null,
    protocol: "api",
    createdAt: now,
    loginAt: now,
    lastActiveAt: now,
    userActiveAt: null,
    callCount: 1,
    locale: realm.defaultLocale,
    messageLocale: realm.defaultLocale,
    client: { ipAddress: "127.0.0.1", userAgent: "sessiond-bench/1" },
    idleTimeoutMs: realm.idleTimeoutSeconds === 0 ? null : realm.idleTimeoutSeconds * 1000,
    idleTimeoutChosen: false,
    expiresAt: realm.maxLifetimeSeconds === null ? null : now + realm.maxLifetimeSeconds * 1000,
    binding: null,
  };
  await store.insertSession(record);
}
const insertMs = Math.round(performance.now() - started);

console.log(
  JSON.stringify({
    ready: true,
    url: listener.url,
    ...(agentUrl === undefined ? {} : { agentUrl }),
    secrets,
    users,
    password: BENCH_PASSWORD,
    sessions: sessionCount,
    insertMs,
    pid: process.pid,
  }),
);
