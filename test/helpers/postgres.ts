/**
 * PostgreSQL for the store tests: a real server, never a mock.
 *
 * Each test file run gets namespaces of its own, so that files running at once never see each other's
 * rows: by default fresh databases (`sessiond_test_<pid>_<random>`) on the server at 127.0.0.1:5432 as
 * user `postgres`; when `SESSIOND_TEST_POSTGRES_URL` is set, fresh schemas in the database it names (for
 * a server where the tests may not create databases), reached through `search_path`. Everything made is
 * dropped when the file's tests are done (`DROP DATABASE ... WITH (FORCE)`, which also ends connections
 * a failed test left open).
 *
 * When the server cannot be reached the tests skip, naming what is missing (`skipReason`), or, with
 * `SESSIOND_TEST_NO_SKIP=1` as in CI, the file fails.
 *
 * Also here: a TCP relay in front of the server, which a test takes down and brings back to see a store
 * through an outage, as a restart or a network cut would look to it.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { after } from "node:test";
import postgres from "postgres";
import { skipReason } from "./skip.ts";

const DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** Every table of the store's schema but `schema_version`. */
const STORE_TABLES = [
  "attributes",
  "sessions",
  "realms",
  "users",
  "groups",
  "tickets",
  "settings",
  "audit",
  "nodes",
  "login_failures",
  "webhook_outbox",
];

export interface TestPostgres {
  /** Why the tests skip (PostgreSQL is not reachable), or undefined when they run. */
  skip: string | undefined;
  /** A fresh, empty namespace (database or schema) for this file run, as a URL; dropped after the run. */
  freshUrl(): Promise<string>;
  /** Empties every table of the store's schema at `url` (already migrated), so a store there starts empty. */
  emptyTables(url: string): Promise<void>;
  /** Runs `work` with an administrator's connection to the namespace of `url`. */
  withSql<T>(url: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T>;
}

/** PostgreSQL for this test file; call once, at the top level (it registers the `after` clean-up). */
export async function testPostgres(): Promise<TestPostgres> {
  const given = process.env.SESSIOND_TEST_POSTGRES_URL;
  const serverUrl = given ?? DEFAULT_SERVER_URL;
  const admin = postgres(serverUrl, { max: 2, connect_timeout: 3, onnotice: () => {} });
  try {
    await admin`SELECT 1`;
  } catch {
    await admin.end({ timeout: 0 });
    const reason = given
      ? "PostgreSQL is not reachable at SESSIOND_TEST_POSTGRES_URL"
      : "PostgreSQL is not reachable at 127.0.0.1:5432 as user postgres (install and start postgresql, or set SESSIOND_TEST_POSTGRES_URL)";
    const skip = skipReason(false, reason);
    if (skip === undefined) throw new Error(reason);
    return {
      skip,
      freshUrl: () => Promise.reject(new Error(reason)),
      emptyTables: () => Promise.reject(new Error(reason)),
      withSql: () => Promise.reject(new Error(reason)),
    };
  }

  const namespaces: string[] = [];
  const connections = new Map<string, postgres.Sql>();
  const connectionTo = (url: string) => {
    let sql = connections.get(url);
    if (!sql) {
      sql = postgres(url, { max: 2, onnotice: () => {} });
      connections.set(url, sql);
    }
    return sql;
  };

  after(async () => {
    await Promise.all([...connections.values()].map((sql) => sql.end({ timeout: 1 })));
    for (const name of namespaces) {
      if (given) await admin.unsafe(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      else await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
    await admin.end({ timeout: 1 });
  });

  return {
    skip: undefined,
    async freshUrl() {
      const name = `sessiond_test_${process.pid}_${randomBytes(4).toString("hex")}`;
      namespaces.push(name);
      const url = new URL(serverUrl);
      if (given) {
        await admin.unsafe(`CREATE SCHEMA ${name}`);
        url.searchParams.set("search_path", name);
      } else {
        await admin.unsafe(`CREATE DATABASE ${name}`);
        url.pathname = `/${name}`;
      }
      // Commits need not wait for the disk here: nothing in these tests outlives a crash.
      url.searchParams.set("synchronous_commit", "off");
      return url.toString();
    },
    async emptyTables(url) {
      // DELETE rather than TRUNCATE: on tables this small it takes a millisecond, TRUNCATE a hundred
      // (it makes new files for every table and index). Sequences go on, as they may in a live store.
      await connectionTo(url).unsafe(STORE_TABLES.map((table) => `DELETE FROM ${table};`).join(" "));
    },
    withSql: (url, work) => work(connectionTo(url)),
  };
}

/** A TCP relay to a PostgreSQL server that a test can take down and bring back on the same port. */
export interface Relay {
  /** The server's URL with the relay's port in place of the server's. */
  readonly url: string;
  /** Refuses new connections and cuts the open ones, as a database restart would. */
  down(): Promise<void>;
  /** Accepts and relays connections again. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a relay on 127.0.0.1 to the server of `url`. */
export async function startRelay(url: string): Promise<Relay> {
  const target = new URL(url);
  const targetPort = Number(target.port || 5432);
  const targetHost = target.hostname;
  const open = new Set<Socket>();

  const relay = (client: Socket) => {
    const upstream = tcpConnect(targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", cut).on("close", cut);
    upstream.on("error", cut).on("close", cut);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  let server: Server | null = null;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer(relay);
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        const address = s.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      for (const socket of open) socket.destroy();
      open.clear();
      if (s) s.close(() => resolve());
      else resolve();
    });

  const port = await listen(0);
  const relayed = new URL(url);
  relayed.hostname = "127.0.0.1";
  relayed.port = String(port);
  return {
    url: relayed.toString(),
    down: stop,
    up: async () => {
      await listen(port);
    },
    close: stop,
  };
}
