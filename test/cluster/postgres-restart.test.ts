/**
 * PostgreSQL restarts under a light login load, with two real nodes on it: no login that was answered
 * 201 is lost (each one's secret still works, on either node, after the restarts), session numbers
 * keep increasing across them, and both nodes serve again by themselves, hints included, without a
 * restart of their own. This is what "the row is the truth" and "the store recovers without a restart"
 * (src/store/postgres/index.ts) promise an operator who restarts the database.
 *
 * The database is a private cluster the test makes (initdb into a temporary directory, as the
 * `postgres` OS user, on a free port), never the machine's shared server. It is restarted twice: once
 * cleanly (`pg_ctl restart -m fast`) and once as a crash (`-m immediate`, recovered from the WAL).
 * fsync is off there: the test kills the server, not the machine, so the operating system still holds
 * every write a commit made.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  apiLogin,
  CLUSTER_PASSWORDS,
  type ClusterNode,
  eventually,
  openEvents,
  privatePostgresSkip,
  startCluster,
  startPrivatePostgres,
} from "../helpers/cluster.ts";

const skip = privatePostgresSkip();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Acknowledged {
  node: string;
  secret: string;
  key: string;
  number: number;
  /** The phase of the test the login was sent in: 0 before the first restart, odd during one, even after. */
  sent: number;
  /** The phase it was answered in. */
  answered: number;
}

test("PostgreSQL restarts under a login load: no acknowledged login is lost", { skip, timeout: 150_000 }, async (t) => {
  const pg = await startPrivatePostgres(t);

  // A subtest owns the nodes and their database, so that they are gone before the server is stopped.
  await t.test("two nodes through a clean restart and a crash of the database", async (t) => {
    const cluster = await startCluster(t, { serverUrl: pg.url });
    const nodes = await Promise.all([cluster.start("a"), cluster.start("b")]);

    const acknowledged: Acknowledged[] = [];
    const refused = new Map<string, number>();
    let phase = 0;
    let running = true;

    /** One worker per node: log in, one login at a time, as long as the test runs. */
    const worker = async (node: ClusterNode) => {
      while (running) {
        const at = phase;
        try {
          const answer = await node.api("POST", "/api/v1/login", {
            body: { userName: "alice", password: CLUSTER_PASSWORDS.alice },
            timeoutMs: 15_000,
          });
          if (answer.status === 201) {
            acknowledged.push({
              node: node.nodeId,
              secret: answer.body.secret,
              key: answer.body.session.key,
              number: answer.body.session.number,
              sent: at,
              answered: phase,
            });
          } else {
            const what = `${answer.status} ${answer.body?.error?.code ?? answer.text.slice(0, 60)}`;
            refused.set(what, (refused.get(what) ?? 0) + 1);
            await sleep(50);
          }
        } catch (error) {
          const what = `no answer: ${(error as Error).message}`;
          refused.set(what, (refused.get(what) ?? 0) + 1);
          await sleep(50);
        }
      }
    };
    const workers = nodes.map((node) => worker(node));
    try {
      await sleep(1500);
      for (const mode of ["fast", "immediate"] as const) {
        phase += 1;
        const startedAt = performance.now();
        await pg.restart(mode);
        t.diagnostic(`pg_ctl restart -m ${mode} took ${Math.round(performance.now() - startedAt)} ms`);
        phase += 1;
        // Both nodes serve logins again by themselves.
        for (const node of nodes) {
          const back = await eventually(
            `node ${node.nodeId} logs in again after the ${mode} restart`,
            async () =>
              acknowledged.some((login) => login.node === node.nodeId && login.sent === phase) ? true : undefined,
            { timeoutMs: 20_000, intervalMs: 50 },
          );
          t.diagnostic(
            `measured: ${mode} restart done -> node ${node.nodeId} answers logins: ${Math.round(back.ms)} ms`,
          );
        }
        await sleep(1000);
      }
    } finally {
      running = false;
      await Promise.all(workers);
    }
    t.diagnostic(`logins answered 201: ${acknowledged.length}; others: ${JSON.stringify(Object.fromEntries(refused))}`);
    assert.ok(acknowledged.length >= 10, "the load ran");

    // Every acknowledged login is still a live session, seen from the node that did not make it.
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const lost: Acknowledged[] = [];
    for (const login of acknowledged) {
      const other = login.node === "a" ? b : a;
      const me = await other.api("GET", "/api/v1/session", { bearer: login.secret });
      if (me.status !== 200 || me.body.session.key !== login.key) lost.push(login);
    }
    assert.deepEqual(lost, [], "no acknowledged login is lost");

    // Numbers are unique, and a login sent after a restart gets a number above every login answered
    // before that restart began: the sequence never goes back, not even through a crash.
    const numbers = acknowledged.map((login) => login.number);
    assert.equal(new Set(numbers).size, numbers.length, "no number was given twice");
    for (const restart of [1, 3]) {
      const before = acknowledged.filter((login) => login.answered < restart).map((login) => login.number);
      const after = acknowledged.filter((login) => login.sent > restart).map((login) => login.number);
      assert.ok(before.length > 0 && after.length > 0, `logins were answered on both sides of restart ${restart}`);
      assert.ok(Math.min(...after) > Math.max(...before), `numbers keep increasing across restart ${restart}`);
    }
    const fresh = await apiLogin(b, "bob");
    assert.ok(fresh.number > Math.max(...numbers), "a login now gets a number above all before");

    // Hints flow again: an ending on B reaches A's push channel at once.
    const watched = await apiLogin(a, "bob");
    const events = await openEvents(a, watched.secret);
    t.after(() => events.cancel());
    assert.equal((await events.next()).event, "ready");
    const admin = await apiLogin(b, "admin");
    assert.equal((await b.api("DELETE", `/api/v1/sessions/${watched.key}`, { bearer: admin.secret })).status, 204);
    const endedAt = performance.now();
    const ended = await events.next(10_000);
    assert.equal(ended.event, "session-ended");
    t.diagnostic(`measured: after the restarts, termination on B -> SSE on A: ${Math.round(ended.at - endedAt)} ms`);
  });
});
