/**
 * A node dies (`kill -9`) while it holds Agent permanent sessions: the sessions bound to its
 * connections must end (their connections are gone), exactly once, on one of the nodes still alive,
 * once its lease has run out and not before; sessions bound to nothing live on. Then the dead node's
 * nodeId: a restart with it starts cleanly once the old lease ran out, and a second process with the
 * id of a live node is refused, touching nothing of that node's sessions; and a restart with it while
 * the dead node's lease is still live waits for that lease to run out, saying why, then starts.
 *
 * Real processes and a real PostgreSQL, with a short lease (5 s, heartbeat 1 s: a node fences itself 4 s
 * after its last renewal, which a loaded machine running the whole suite does not reach) so that the test is
 * short; the bounds are the configured ones, and the timing asserted is only what a slow machine
 * cannot break (nothing is reaped before the lease can have run out) plus generous guards.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { type AgentClient, base64Param, connectAgent, textParam } from "../../src/protocols/agent/client.ts";
import {
  apiLogin,
  CLUSTER_PASSWORDS,
  type ClusterNode,
  type ClusterUser,
  eventually,
  postgresSkip,
  startCluster,
} from "../helpers/cluster.ts";

const skip = await postgresSkip();

const LEASE_TTL_MS = 5000;
const HEARTBEAT_MS = 1000;
const SWEEP_MS = 1000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
// Lease columns are bigint, which the client answers as text ("10" < "9"): the queries cast them to numbers.

async function agentLogin(node: ClusterNode, user: ClusterUser): Promise<AgentClient> {
  assert.ok(node.agentUrl, `node ${node.nodeId} has the Agent front door on`);
  const client = await connectAgent({ url: node.agentUrl, timeoutMs: 10_000 });
  const answer = await client.call("system", "login", [
    base64Param("name", user),
    base64Param("password", CLUSTER_PASSWORDS[user]),
  ]);
  assert.equal(answer.error, undefined, answer.xml);
  return client;
}

async function agentKeys(node: ClusterNode, bearer: string): Promise<string[]> {
  const listed = await node.api("GET", "/api/v1/sessions?protocol=agent", { bearer });
  assert.equal(listed.status, 200, listed.text);
  return listed.body.sessions.map((s: { key: string }) => s.key).sort();
}

test("a node killed with -9: its bound sessions are reaped once, elsewhere; its nodeId", {
  skip,
  timeout: 120_000,
}, async (t) => {
  const cluster = await startCluster(t, {
    cluster: { leaseTtlMs: LEASE_TTL_MS, heartbeatMs: HEARTBEAT_MS },
    sessions: { sweepIntervalMs: SWEEP_MS },
  });
  const [a, b, c] = await Promise.all([cluster.start("a", { agent: true }), cluster.start("b"), cluster.start("c")]);
  const clients: AgentClient[] = [];
  t.after(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
  });
  const admin = await apiLogin(b, "admin");

  await t.test("B or C reaps A's Agent permanent sessions within the lease TTL plus one sweep", async (t) => {
    for (const user of ["alice", "bob", "carol"] as const) clients.push(await agentLogin(a, user));
    // A temporary Agent session and a JSON API session made on A: bound to nothing, they outlive A.
    const temporary = await clients[0]?.call("sessionm", "login", [
      base64Param("name", "alice"),
      base64Param("password", CLUSTER_PASSWORDS.alice),
      textParam("expiration", "600"),
    ]);
    const temporaryId = /<session_id>([^<]+)<\/session_id>/.exec(temporary?.xml ?? "")?.[1];
    assert.ok(temporaryId, temporary?.xml);
    const timed = await apiLogin(a, "bob");

    const before = await agentKeys(b, admin.secret);
    assert.equal(before.length, 4, "three permanent sessions and one temporary one");
    const bound = await cluster.sql<{ key: string }[]>`
      SELECT key FROM sessions WHERE binding_node = 'a' ORDER BY key`;
    const permanent = bound.map((row) => row.key);
    assert.equal(permanent.length, 3, "the three permanent sessions are bound to A");

    await a.kill9();
    const killedAt = performance.now();
    assert.deepEqual(await agentKeys(b, admin.secret), before, "right after the kill, A's lease still holds them");

    const reaped = await eventually(
      "A's permanent sessions are gone",
      async () => {
        const keys = await agentKeys(b, admin.secret);
        return permanent.some((key) => keys.includes(key)) ? undefined : keys;
      },
      { timeoutMs: LEASE_TTL_MS + SWEEP_MS + 10_000, intervalMs: 50 },
    );
    t.diagnostic(
      `measured: kill -9 of A -> its permanent sessions reaped: ${Math.round(reaped.ms)} ms ` +
        `(bound: lease ${LEASE_TTL_MS} ms + one sweep ${SWEEP_MS} ms)`,
    );
    // A renewed at most one heartbeat before it died: its lease ran out no sooner than TTL - heartbeat.
    assert.ok(
      reaped.ms >= LEASE_TTL_MS - HEARTBEAT_MS - 250,
      `reaped after ${Math.round(reaped.ms)} ms: before A's lease can have run out`,
    );
    assert.equal(reaped.value.length, 1, "the temporary Agent session lives on");

    // The audit entry is written just after the ending is announced: wait for all three, then make
    // sure no session has two (two sweeping nodes both reaping it).
    const readAudit = () => cluster.sql<{ session_key: string; detail: string | null }[]>`
      SELECT session_key, detail FROM audit
      WHERE session_key IN ${cluster.sql(permanent)} AND type = 'connection-closed' ORDER BY session_key`;
    await eventually("the audit log records the three endings", async () =>
      (await readAudit()).length >= permanent.length ? true : undefined,
    );
    await sleep(2 * SWEEP_MS);
    const audit = await readAudit();
    assert.deepEqual(
      audit.map((row) => row.session_key),
      permanent,
      "exactly one connection-closed per session, however many nodes sweep",
    );
    for (const row of audit) assert.match(row.detail ?? "", /node a is gone/);

    // Nothing that was not bound to A ended.
    assert.equal((await c.api("GET", "/api/v1/session", { bearer: timed.secret })).status, 200);
    assert.equal((await c.api("GET", "/api/v1/session", { bearer: temporaryId })).status, 200);
    assert.ok(performance.now() - killedAt < 60_000);
  });

  let restarted: ClusterNode | undefined;
  await t.test("A restarted with the same nodeId starts cleanly once its old lease ran out", async (t) => {
    const [old] = await cluster.sql<{ epoch: number; live: boolean }[]>`
      SELECT epoch::int AS epoch, expires_at > sessiond_now_ms() AS live FROM nodes WHERE node_id = 'a'`;
    assert.equal(old?.live, false, "the killed node's lease has run out");
    const startedAt = performance.now();
    restarted = await cluster.start("a", { agent: true });
    t.diagnostic(`measured: restart of A: ready in ${Math.round(performance.now() - startedAt)} ms`);
    assert.doesNotMatch(restarted.output(), /Another live node holds this nodeId/, "it did not have to wait");
    const [now] = await cluster.sql<{ epoch: number; live: boolean }[]>`
      SELECT epoch::int AS epoch, expires_at > sessiond_now_ms() AS live FROM nodes WHERE node_id = 'a'`;
    assert.equal(now?.live, true);
    assert.ok((now?.epoch ?? 0) > (old?.epoch ?? 0), "a new epoch");
    const client = await agentLogin(restarted, "carol");
    clients.push(client);
    assert.equal((await client.call("sessionm", "get", [textParam("key", "x")])).error, undefined);
    assert.equal((await restarted.api("GET", "/healthz")).status, 200);
  });

  await t.test("a second process with a live node's nodeId exits non-zero with a clear error", async (t) => {
    assert.ok(restarted, "A was restarted");
    const keysBefore = await agentKeys(b, admin.secret);
    const [leaseBefore] = await cluster.sql<
      { epoch: number }[]
    >`SELECT epoch::int AS epoch FROM nodes WHERE node_id = 'a'`;

    const startedAt = performance.now();
    const impostor = cluster.launch("a", { agent: true });
    const code = await impostor.exited;
    t.diagnostic(`measured: a second "a" gave up after ${Math.round(performance.now() - startedAt)} ms`);
    assert.equal(code, 1, `it exits by itself, with 1 (failed): ${impostor.output()}`);
    assert.match(
      impostor.output(),
      /sessiond serve: Another node with nodeId "a" is alive and renewing its lease: give this node another nodeId\./,
    );
    assert.doesNotMatch(impostor.output(), /listening on/, "it never listened");

    // The live A lost nothing: same lease, same sessions, its Agent connection still logged in.
    const [leaseAfter] = await cluster.sql<{ epoch: number; live: boolean }[]>`
      SELECT epoch::int AS epoch, expires_at > sessiond_now_ms() AS live FROM nodes WHERE node_id = 'a'`;
    assert.equal(leaseAfter?.epoch, leaseBefore?.epoch);
    assert.equal(leaseAfter?.live, true);
    assert.deepEqual(await agentKeys(b, admin.secret), keysBefore);
    const last = clients[clients.length - 1];
    assert.equal((await last?.call("sessionm", "get", [textParam("key", "x")]))?.error, undefined);
  });

  await t.test(
    "A killed and restarted at once waits for its own still-live lease, saying why, then starts and serves",
    async (t) => {
      assert.ok(restarted, "A was restarted");
      const boundBefore = await cluster.sql<{ key: string }[]>`SELECT key FROM sessions WHERE binding_node = 'a'`;
      assert.ok(boundBefore.length > 0, "A holds an Agent permanent session");

      await restarted.kill9();
      // Read after the kill: a renewal still in flight can only move the lease later, never earlier.
      const [old] = await cluster.sql<{ epoch: number; expires_at: number; live: boolean }[]>`
        SELECT epoch::int AS epoch, expires_at::float8 AS expires_at, expires_at > sessiond_now_ms() AS live FROM nodes WHERE node_id = 'a'`;
      assert.equal(old?.live, true, "the dead A's lease is still live: the restart has to wait for it");

      const startedAt = performance.now();
      const again = cluster.launch("a", { agent: true });
      const node = await again.ready;
      t.diagnostic(
        `measured: kill -9 and immediate restart of A: ready in ${Math.round(performance.now() - startedAt)} ms ` +
          `(bound: one lease TTL, ${LEASE_TTL_MS} ms, plus start-up)`,
      );
      const output = node.output();
      const waiting = output.indexOf(
        "Another live node holds this nodeId; waiting for its lease to run out (it may have died)",
      );
      assert.ok(waiting >= 0, `it says why it waits:\n${output}`);
      assert.ok(waiting < output.indexOf("listening on"), "it says so before it listens");

      // It took the lease only once the old one had run out: the store grants a lease TTL from the
      // moment it is taken, and renewals only move it later.
      const [now] = await cluster.sql<{ epoch: number; expires_at: number; live: boolean }[]>`
        SELECT epoch::int AS epoch, expires_at::float8 AS expires_at, expires_at > sessiond_now_ms() AS live FROM nodes WHERE node_id = 'a'`;
      assert.equal(now?.live, true);
      assert.ok((now?.epoch ?? 0) > (old?.epoch ?? 0), "a new epoch");
      assert.ok(
        (now?.expires_at ?? 0) - LEASE_TTL_MS >= (old?.expires_at ?? 0),
        `the new lease (until ${now?.expires_at}) was taken after the old one ran out (${old?.expires_at})`,
      );

      // The dead process's connection-bound sessions are gone, and the new A serves.
      const keys = boundBefore.map((row) => row.key);
      const [left] = await cluster.sql<{ count: number }[]>`
        SELECT count(*)::int AS count FROM sessions WHERE key IN ${cluster.sql(keys)}`;
      assert.equal(left?.count, 0, "the old connections' permanent sessions ended");
      assert.equal((await node.api("GET", "/healthz")).status, 200);
      const client = await agentLogin(node, "carol");
      clients.push(client);
      assert.equal((await client.call("sessionm", "get", [textParam("key", "x")])).error, undefined);
    },
  );
});
