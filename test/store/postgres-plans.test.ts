/**
 * The capped login's statements on PostgreSQL read only the user's own sessions (issue 11: "a capped
 * login with 1M sessions in the store reads only that user's sessions (query plan test)"; the
 * PostgreSQL driver of issue 12, `src/store/postgres/capped.ts`).
 *
 * The statements are not copied here: they are tagged templates inside the driver, so the test runs
 * the real `insertSessionCapped` and `updateSessionCapped` through a TCP relay that records every
 * statement the client prepares (the Parse message of the wire protocol) and the parameters it runs it
 * with (Bind). Each recorded statement that reads or writes `sessions` is then prepared again on a
 * connection of the test and EXPLAINed with those same parameters, so a change to the driver's SQL is
 * checked as it is, not as this file remembers it.
 *
 * The planner chooses from statistics, so the database holds what makes a wrong plan visible:
 * 200,000 sessions of 10,000 users in two realms, ANALYZEd. Each statement is explained twice, as a
 * custom plan (planned for these values, as the first executions of a prepared statement are) and as
 * the generic plan PostgreSQL may switch a prepared statement to after five executions.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { after, describe, it } from "node:test";
import type { Store } from "../../src/core/store/index.ts";
import { openPostgresStore } from "../../src/store/postgres/index.ts";
import { testPostgres } from "../helpers/postgres.ts";
import { session } from "./contract/fixtures.ts";

const pg = await testPostgres();

const USERS = 10_000;
const SESSIONS_PER_USER = 20;

/** One execution the client asked for: the statement's text and its parameters as sent (text format). */
interface Execution {
  sql: string;
  params: (string | null)[];
  /** Whether the client sent any parameter in binary, which this recorder does not read. */
  binary: boolean;
}

/**
 * A relay to PostgreSQL that reads what clients send and records each execution. Only the messages
 * the `postgres` client sends are read: no TLS (the client does not ask for it here) and parameters in
 * text format (it sends no format codes, which means text).
 */
async function startRecorder(url: string): Promise<{ url: string; executions: Execution[]; close(): Promise<void> }> {
  const target = new URL(url);
  const executions: Execution[] = [];
  const open = new Set<Socket>();

  const record = (client: Socket) => {
    const upstream = tcpConnect(Number(target.port || 5432), target.hostname);
    open.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", cut).on("close", cut);
    upstream.on("error", cut).on("close", cut);
    upstream.pipe(client);

    const statements = new Map<string, string>();
    let pending = Buffer.alloc(0);
    let started = false;
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        // The startup message has no type byte; every message after it has one.
        const header = started ? 1 : 0;
        if (pending.length < header + 4) return;
        const length = pending.readInt32BE(header);
        if (pending.length < header + length) return;
        const type = started ? String.fromCharCode(pending[0] as number) : "";
        const body = pending.subarray(header + 4, header + length);
        pending = pending.subarray(header + length);
        started = true;
        const reader = messageReader(body);
        if (type === "P") {
          const name = reader.cstring();
          statements.set(name, reader.cstring());
        } else if (type === "B") {
          reader.cstring(); // portal
          const sql = statements.get(reader.cstring());
          const formats = reader.int16();
          for (let i = 0; i < formats; i++) reader.int16();
          const params: (string | null)[] = [];
          for (let count = reader.int16(), i = 0; i < count; i++) params.push(reader.bytes());
          if (sql !== undefined) executions.push({ sql, params, binary: formats > 0 });
        }
      }
    });
  };

  const server: Server = createServer(record);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const relayed = new URL(url);
  relayed.hostname = "127.0.0.1";
  relayed.port = String(typeof address === "object" && address ? address.port : 0);
  return {
    url: relayed.toString(),
    executions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function messageReader(body: Buffer) {
  let at = 0;
  return {
    cstring(): string {
      const end = body.indexOf(0, at);
      const text = body.toString("utf8", at, end);
      at = end + 1;
      return text;
    },
    int16(): number {
      const value = body.readInt16BE(at);
      at += 2;
      return value;
    },
    bytes(): string | null {
      const length = body.readInt32BE(at);
      at += 4;
      if (length < 0) return null;
      const text = body.toString("utf8", at, at + length);
      at += length;
      return text;
    },
  };
}

/** A SQL literal of a parameter's text; PostgreSQL converts it to the parameter's type. */
function literal(value: string | null): string {
  return value === null ? "NULL" : `'${value.replaceAll("'", "''")}'`;
}

describe("capped logins on PostgreSQL read only the user's sessions", { skip: pg.skip }, () => {
  const cleanUp: (() => Promise<void>)[] = [];
  after(async () => {
    for (const step of cleanUp.reverse()) await step();
  });

  it("counts, lists and evicts through the (realm, user_name) and key indexes, never a scan of sessions", async () => {
    const url = await pg.freshUrl();
    // Migrates the schema; its connections do not go through the recorder.
    const direct = await openPostgresStore({ url, nodeId: "plans" });
    cleanUp.push(() => direct.close());
    await pg.withSql(url, async (sql) => {
      await sql.unsafe(`
        INSERT INTO sessions (number, key, secret_digest, realm, user_name, protocol, created_at, login_at,
          last_active_at, call_count, locale, message_locale, client, idle_timeout_ms, idle_timeout_chosen)
        SELECT i, 'key-' || i, md5(i::text), CASE WHEN (i / ${USERS}) % 2 = 0 THEN 'default' ELSE 'other' END,
          'user-' || (i % ${USERS}), 'api', i, i, i, 0, 'en', 'en', '{}', 600000, false
        FROM generate_series(1, ${USERS * SESSIONS_PER_USER}) AS i;
        ANALYZE sessions;`);
    });

    const recorder = await startRecorder(url);
    cleanUp.push(() => recorder.close());
    const store: Store = await openPostgresStore({ url: recorder.url, nodeId: "plans", poolSize: 1 });
    cleanUp.push(() => store.close());
    recorder.executions.length = 0;

    // Every user holds 10 sessions in each realm: a new login of user-42 in `default` with a cap of 3
    // evicts 8 of them.
    const cap = { max: 3, policy: "evict-oldest" } as const;
    const login = session(1_000_001, { realm: "default", userName: "user-42", createdAt: 1e12, loginAt: 1e12 });
    const inserted = await store.insertSessionCapped(login, cap);
    assert.equal(inserted.evicted.length, 8, "the capped insert ran its eviction");
    // An anonymous session that logs in as user-44, under the same cap.
    const anonymous = session(1_000_002, { realm: "default", userName: null, loginAt: null });
    await store.insertSession(anonymous);
    const updated = await store.updateSessionCapped(anonymous.key, { userName: "user-44", loginAt: 1e12 }, cap);
    assert.equal(updated.evicted.length, 8, "the capped update ran its eviction");

    const onSessions = recorder.executions.filter((e) => /\bsessions\b/.test(e.sql));
    assert.ok(onSessions.length > 0, "the recorder saw the store's statements");
    assert.deepEqual(
      onSessions.filter((e) => e.binary),
      [],
      "parameters are sent as text",
    );
    const plans = await pg.withSql(url, (sql) =>
      sql.begin(async (tx) => {
        const explained: { execution: Execution; mode: string; plan: string }[] = [];
        for (const [index, execution] of onSessions.entries()) {
          await tx.unsafe(`PREPARE capped_${index} AS ${execution.sql}`);
          for (const mode of ["force_custom_plan", "force_generic_plan"]) {
            await tx.unsafe(`SET LOCAL plan_cache_mode = ${mode}`);
            const rows = await tx.unsafe<{ "QUERY PLAN": string }[]>(
              `EXPLAIN EXECUTE capped_${index}(${execution.params.map(literal).join(", ")})`,
            );
            explained.push({ execution, mode, plan: rows.map((row) => row["QUERY PLAN"]).join("\n") });
          }
        }
        // Nothing the plans were made for is kept: the prepared statements go with the transaction's
        // connection, and the rows were never touched (EXPLAIN without ANALYZE runs nothing).
        await tx.unsafe("DEALLOCATE ALL");
        return explained;
      }),
    );

    for (const { execution, mode, plan } of plans) {
      const what = `${execution.sql}\n${JSON.stringify(execution.params)} (${mode}):\n${plan}`;
      assert.doesNotMatch(plan, /Seq Scan on sessions/, what);
    }
    // The list of the user's other sessions, oldest first: the one statement given both the realm and
    // the user, once for the insert and once for the update.
    const byUser = plans.filter(
      ({ execution }) =>
        /^\s*SELECT\b/i.test(execution.sql) &&
        execution.params.includes("default") &&
        (execution.params.includes("user-42") || execution.params.includes("user-44")),
    );
    assert.equal(byUser.length, 4, "each capped write listed the user's sessions (custom and generic plans)");
    for (const { mode, plan } of byUser) {
      assert.match(plan, /(Index|Index Only|Bitmap Index) Scan (using|on) sessions_realm_user\b/, `${mode}:\n${plan}`);
    }
    // The eviction deletes the chosen sessions by key.
    const evictions = plans.filter(({ execution }) => /^\s*DELETE FROM sessions\b/i.test(execution.sql));
    assert.equal(evictions.length, 4, "each capped write evicted (custom and generic plans)");
    for (const { mode, plan } of evictions) {
      assert.match(plan, /(Index|Bitmap Index) Scan (using|on) sessions_key\b/, `${mode}:\n${plan}`);
    }
  });
});
