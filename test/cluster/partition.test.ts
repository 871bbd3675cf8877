/**
 * A node cut off from PostgreSQL, and a node whose listening connection is killed, with real processes
 * and a real database. Node A reaches the database through a TCP proxy the test controls; node B
 * directly.
 *
 * What must hold (design.md section 5, src/core/cluster-link.ts):
 *
 * - Cut off, A answers 503 (STORE_UNAVAILABLE) and fences itself before its lease runs out: it closes
 *   its Agent connections and refuses callers with the fenced message, so that it never acts on
 *   sessions B may reap once that lease has run out. Both ways a cut looks: connections refused (the
 *   database went away; the proxy resets) and a stall (a partition: nothing answers, nothing closes).
 * - Healed, A registers again under a new epoch, its listener comes back and it re-reads what its
 *   push channels watch (an ending it missed while cut off is announced), and it serves.
 * - The listening backend killed with `pg_terminate_backend`: the listener reconnects by itself, an
 *   ending it missed meanwhile is announced by the re-check, and hints arrive again afterwards.
 *
 * The lease is short here (5 s, heartbeat 1 s) so that the test is short.
 */

import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { type AgentClient, base64Param, connectAgent } from "../../src/protocols/agent/client.ts";
import {
  apiLogin,
  CLUSTER_PASSWORDS,
  type ClusterNode,
  type ClusterUser,
  type EventStream,
  eventually,
  openEvents,
  postgresSkip,
  startCluster,
  type TestCluster,
} from "../helpers/cluster.ts";

const skip = await postgresSkip();

const LEASE_TTL_MS = 5000;
const HEARTBEAT_MS = 1000;
/** The message a fenced node answers with (src/core/engine.ts, requireLease). */
const FENCED = /lost its lease/;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function agentLogin(node: ClusterNode, user: ClusterUser): Promise<AgentClient> {
  assert.ok(node.agentUrl, `node ${node.nodeId} has the Agent front door on`);
  const client = await connectAgent({ url: node.agentUrl, timeoutMs: 20_000 });
  const answer = await client.call("system", "login", [
    base64Param("name", user),
    base64Param("password", CLUSTER_PASSWORDS[user]),
  ]);
  assert.equal(answer.error, undefined, answer.xml);
  return client;
}

/** When A's lease runs out, as `performance.now()`: read from the database, on its clock. */
async function leaseEnd(cluster: TestCluster, nodeId: string): Promise<{ at: number; epoch: number }> {
  const before = performance.now();
  const [row] = await cluster.sql<{ left_ms: number; epoch: number }[]>`
    SELECT (expires_at - sessiond_now_ms())::int AS left_ms, epoch::int AS epoch FROM nodes WHERE node_id = ${nodeId}`;
  assert.ok(row, `node ${nodeId} has a lease row`);
  return { at: (before + performance.now()) / 2 + row.left_ms, epoch: row.epoch };
}

/** A's live epoch once it holds a live lease again under an epoch newer than `after`. */
async function registeredAgain(cluster: TestCluster, nodeId: string, after: number) {
  return eventually(
    `${nodeId} registers again`,
    async () => {
      const [row] = await cluster.sql<{ epoch: number; live: boolean }[]>`
        SELECT epoch::int AS epoch, expires_at > sessiond_now_ms() AS live FROM nodes WHERE node_id = ${nodeId}`;
      return row?.live && row.epoch > after ? row.epoch : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
}

/** Creating an anonymous session writes to the store: A answers it 201 only while it serves. */
function createSession(node: ClusterNode, timeoutMs = 5000) {
  return node.api("POST", "/api/v1/sessions", { body: {}, timeoutMs });
}

/** Resolves with when the connection closed, or null if it is still open at `deadline` (performance.now()). */
function closedBy(client: AgentClient, deadline: number): Promise<number | null> {
  return Promise.race([
    client.closed.then(() => performance.now()),
    sleep(Math.max(0, deadline - performance.now())).then(() => null),
  ]);
}

/** Opens A's stream for `secret` and reads its `ready`. */
async function watch(t: TestContext, node: ClusterNode, secret: string): Promise<EventStream> {
  const events = await openEvents(node, secret);
  t.after(() => events.cancel());
  assert.equal((await events.next()).event, "ready");
  return events;
}

test("a node cut off from PostgreSQL fences itself, and comes back", { skip, timeout: 150_000 }, async (t) => {
  const cluster = await startCluster(t, { cluster: { leaseTtlMs: LEASE_TTL_MS, heartbeatMs: HEARTBEAT_MS } });
  const proxy = await cluster.proxy();
  const [a, b] = await Promise.all([cluster.start("a", { agent: true, storeUrl: proxy.url }), cluster.start("b")]);
  const clients: AgentClient[] = [];
  t.after(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
  });
  const admin = await apiLogin(b, "admin");
  let epoch = (await leaseEnd(cluster, "a")).epoch;

  // What A's push channel must be told after the cut: set up in the first subtest, checked in the second
  // (so the stream belongs to this test, not to the subtest that opened it).
  const outer = t;
  let missed: { key: string; events: EventStream } | undefined;

  // The cut that the next two subtests look at: when it began, when A's lease runs out, when A closed
  // its Agent connection (watched from the moment of the cut).
  let refused: { cutAt: number; leaseAt: number; closedAt: Promise<number | null> } | undefined;

  await t.test("connections refused: A answers 503 (STORE_UNAVAILABLE), on /healthz too", async (t) => {
    const agent = await agentLogin(a, "carol");
    clients.push(agent);
    const alice = await apiLogin(a, "alice");
    missed = { key: alice.key, events: await watch(outer, a, alice.secret) };

    proxy.setMode("refuse");
    const cutAt = performance.now();
    const lease = await leaseEnd(cluster, "a");
    refused = { cutAt, leaseAt: lease.at, closedAt: closedBy(agent, lease.at + 10_000) };

    const unavailable = await eventually(
      "A answers 503",
      async () => {
        const answer = await createSession(a);
        if (answer.status === 503) return answer;
        return undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    assert.equal(unavailable.value.body?.error?.code, "STORE_UNAVAILABLE", unavailable.value.text);
    t.diagnostic(`measured: cut (refused) -> A answers 503: ${Math.round(unavailable.ms)} ms`);

    // Ended on B while A cannot hear of it: A's stream must still be told once A is back.
    assert.equal((await b.api("DELETE", `/api/v1/sessions/${alice.key}`, { bearer: admin.secret })).status, 204);

    // A load balancer's health check takes A out: the store is unreachable, and /healthz says so
    // as every other route does, 503 STORE_UNAVAILABLE (README: errors).
    const health = await a.api("GET", "/healthz", { timeoutMs: 5000 });
    assert.notEqual(health.status, 200, health.text);
    assert.equal(health.status, 503, `/healthz of a node cut off from its store: ${health.status} ${health.text}`);
  });

  await t.test("connections refused: A fences itself before its lease runs out", async (t) => {
    assert.ok(refused, "the previous subtest cut A off");
    const fenced = await eventually(
      "A answers with the fenced message",
      async () => {
        const answer = await createSession(a);
        return answer.status === 503 && FENCED.test(answer.text) ? answer : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    assert.equal(fenced.value.body.error.code, "STORE_UNAVAILABLE");
    const closedAt = await refused.closedAt;
    t.diagnostic(
      `measured: cut (refused) -> A's lease ran out after ${Math.round(refused.leaseAt - refused.cutAt)} ms; ` +
        `A closed its Agent connection ${closedAt === null ? "not within 10 s of that" : `after ${Math.round(closedAt - refused.cutAt)} ms`}`,
    );
    assert.ok(closedAt !== null, "A closed its Agent connection");
    assert.ok(
      closedAt < refused.leaseAt,
      `A fenced ${Math.round(closedAt - refused.leaseAt)} ms after its lease ran out: B may have reaped its sessions while A still served them`,
    );
  });

  await t.test("healed: A registers again, learns what it missed, and serves", async (t) => {
    proxy.setMode("forward");
    const again = await registeredAgain(cluster, "a", epoch);
    epoch = again.value;
    t.diagnostic(`measured: heal -> A holds a new lease: ${Math.round(again.ms)} ms`);
    const serving = await eventually(
      "A serves",
      async () => ((await createSession(a)).status === 201 ? true : undefined),
      {
        timeoutMs: 10_000,
        intervalMs: 50,
      },
    );
    t.diagnostic(`measured: heal -> A serves: ${Math.round(again.ms + serving.ms)} ms`);

    assert.ok(missed, "the first subtest set up a stream");
    const ended = await missed.events.next(10_000);
    assert.equal(ended.event, "session-ended", "the ending A missed while cut off is announced");

    // Hints arrive again: an ending on B reaches a new stream on A at once.
    const bob = await apiLogin(a, "bob");
    const events = await watch(t, a, bob.secret);
    assert.equal((await b.api("DELETE", `/api/v1/sessions/${bob.key}`, { bearer: admin.secret })).status, 204);
    const endedAt = performance.now();
    const event = await events.next(10_000);
    assert.equal(event.event, "session-ended");
    t.diagnostic(`measured: after the heal, termination on B -> SSE on A: ${Math.round(event.at - endedAt)} ms`);

    clients.push(await agentLogin(a, "carol"));
  });

  await t.test(
    "stalled (a partition: no answer, no reset): A fences before its lease runs out and answers 503",
    async (t) => {
      const agent = await agentLogin(a, "bob");
      clients.push(agent);
      proxy.setMode("stall");
      const cutAt = performance.now();
      const lease = await leaseEnd(cluster, "a");
      t.diagnostic(`measured: cut (stalled) -> A's lease runs out after ${Math.round(lease.at - cutAt)} ms`);

      const closedAt = await closedBy(agent, lease.at + 2000);
      t.diagnostic(
        `measured: cut (stalled) -> A closed its Agent connection: ${closedAt === null ? "not within 2 s after its lease ran out" : `${Math.round(closedAt - cutAt)} ms`}`,
      );
      assert.ok(closedAt !== null, "A closed its Agent connection once its lease had run out (B may reap it now)");
      assert.ok(closedAt < lease.at, `A fenced ${Math.round(closedAt - lease.at)} ms after its lease ran out`);
      const answer = await createSession(a, 2000).catch((error: Error) => error);
      assert.ok(!(answer instanceof Error), `A answers while cut off, rather than hanging: ${String(answer)}`);
      assert.equal(answer.status, 503, answer.text);
      assert.match(answer.text, FENCED);
    },
  );

  await t.test("healed after the stall: A registers again and serves", async (t) => {
    proxy.setMode("forward");
    const again = await registeredAgain(cluster, "a", epoch);
    epoch = again.value;
    t.diagnostic(`measured: heal -> A holds a new lease: ${Math.round(again.ms)} ms`);
    await eventually("A serves", async () => ((await createSession(a)).status === 201 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    clients.push(await agentLogin(a, "carol"));
  });

  await t.test("the listener's backend killed: it reconnects, catches up, and hints keep arriving", async (t) => {
    const alice = await apiLogin(a, "alice");
    const first = await watch(t, a, alice.secret);
    const listening = () => cluster.sql<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity WHERE application_name = 'sessiond/a' AND query ILIKE 'LISTEN%'`;
    const [old] = await listening();
    assert.ok(old, "A has a listening connection");

    const killed = await cluster.sql`SELECT pg_terminate_backend(${old.pid})`;
    assert.equal(killed.length, 1);
    // Ended at once, before the listener can be back: the re-check on reconnection must announce it.
    assert.equal((await b.api("DELETE", `/api/v1/sessions/${alice.key}`, { bearer: admin.secret })).status, 204);
    const killedAt = performance.now();

    const back = await eventually(
      "A listens again",
      async () => {
        const rows = await listening();
        return rows.some((row) => row.pid !== old.pid) ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    t.diagnostic(`measured: listener killed -> A listens again: ${Math.round(back.ms)} ms`);
    const caughtUp = await first.next(10_000);
    assert.equal(caughtUp.event, "session-ended", "the ending missed while the listener was down is announced");
    t.diagnostic(
      `measured: listener killed -> the missed ending reaches A's stream: ${Math.round(caughtUp.at - killedAt)} ms`,
    );

    const bob = await apiLogin(a, "bob");
    const second = await watch(t, a, bob.secret);
    assert.equal((await b.api("DELETE", `/api/v1/sessions/${bob.key}`, { bearer: admin.secret })).status, 204);
    const endedAt = performance.now();
    const event = await second.next(10_000);
    assert.equal(event.event, "session-ended");
    t.diagnostic(
      `measured: after the listener came back, termination on B -> SSE on A: ${Math.round(event.at - endedAt)} ms`,
    );
  });
});
