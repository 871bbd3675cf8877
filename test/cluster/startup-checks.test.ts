/**
 * What a node checks at start-up before it joins the others on a shared PostgreSQL store: that its
 * clock agrees with the database's. Deadlines written by one node are read by every other, so a node
 * whose clock is off would end sessions early or keep them late everywhere; it must refuse to start
 * past `cluster.maxClockSkewMs` (2 s by default) rather than serve with it.
 *
 * The node runs in this process, built as `sessiond serve` builds it, with a clock shifted from this
 * machine's (the database runs on this machine, so its clock is this machine's): no other way exists
 * to give one process a wrong clock. The store is a real PostgreSQL database, fresh for this file.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it, type TestContext } from "node:test";
import postgres from "postgres";
import type { Clock } from "../../src/core/clock.ts";
import { DEFAULT_CLUSTER_SETTINGS } from "../../src/core/cluster-link.ts";
import { parseConfig } from "../../src/core/config.ts";
import { SessionError } from "../../src/core/errors.ts";
import { type App, buildApp } from "../../src/server/app.ts";
import { createDatabase, type MadeDatabase, postgresSkip, request } from "../helpers/cluster.ts";
import { TEST_HASHER } from "../helpers/start-app.ts";

const skip = await postgresSkip();

/** This machine's clock moved by `offsetMs`: the clock of a node that is not synchronised. */
function clockOffBy(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs };
}

/** A node built on `databaseUrl` with a clock `offsetMs` away from the database's, not yet started. */
async function buildNode(
  t: TestContext,
  databaseUrl: string,
  nodeId: string,
  offsetMs: number,
  cluster: Record<string, number> = {},
): Promise<{ app: App; logs: string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), "sessiond-startup-"));
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = parseConfig({
    dataDir,
    nodeId,
    store: { driver: "postgres", url: databaseUrl, poolSize: 2 },
    http: { host: "127.0.0.1", port: 0 },
    log: { level: "info" },
    cluster,
  });
  const app = await buildApp(config, {
    clock: clockOffBy(offsetMs),
    hasher: TEST_HASHER,
    adminPassword: "admin-password",
    logStream,
  });
  t.after(async () => {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { app, logs };
}

describe("start-up checks on a shared PostgreSQL store", { skip }, () => {
  let database: MadeDatabase;
  before(async () => {
    database = await createDatabase();
  });
  after(() => database?.drop());

  /** The node's lease row, if it registered. */
  async function leaseOf(nodeId: string): Promise<{ live: boolean } | undefined> {
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ live: boolean }[]>`
        SELECT expires_at > sessiond_now_ms() AS live FROM nodes WHERE node_id = ${nodeId}`;
      return row;
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  it("a node whose clock is 30 s ahead of or behind the database's refuses to start", async (t) => {
    for (const offsetMs of [30_000, -30_000]) {
      const nodeId = `skewed${offsetMs > 0 ? "-ahead" : "-behind"}`;
      const { app } = await buildNode(t, database.url, nodeId, offsetMs);
      await assert.rejects(app.start(), (error: unknown) => {
        assert.ok(error instanceof SessionError, String(error));
        assert.equal(error.code, "STORE_UNAVAILABLE");
        assert.equal(error.reason, "clock-skew");
        assert.match(
          error.message,
          new RegExp(
            `^This node's clock is \\d+ ms away from the store's \\(at most ${DEFAULT_CLUSTER_SETTINGS.maxClockSkewMs} ms\\)`,
          ),
        );
        // The skew reported is the one given, give or take the round trip to the database.
        const skewMs = error.details.skewMs;
        assert.ok(
          typeof skewMs === "number" && Math.abs(skewMs - Math.abs(offsetMs)) < 5_000,
          `skew reported: ${skewMs}`,
        );
        return true;
      });
      assert.equal(app.http.server.listening, false, "it never listened");
      assert.equal(await leaseOf(nodeId), undefined, "it took no lease");
    }
  });

  it("a skew well under the threshold is accepted, and the node serves", async (t) => {
    const { app } = await buildNode(t, database.url, "slightly-off", 300);
    const [listener] = await app.start();
    assert.ok(listener);
    const health = await request(listener.url, "GET", "/healthz");
    assert.equal(health.status, 200, health.text);
    assert.equal(health.body.nodeState, "serving");
    assert.deepEqual(await leaseOf("slightly-off"), { live: true });
  });

  it("the threshold is cluster.maxClockSkewMs: the 30 s skew refused by default is accepted under 60 s", async (t) => {
    const { app } = await buildNode(t, database.url, "lenient", 30_000, { maxClockSkewMs: 60_000 });
    const [listener] = await app.start();
    assert.ok(listener);
    const health = await request(listener.url, "GET", "/healthz");
    assert.equal(health.status, 200, health.text);
    assert.equal(health.body.nodeState, "serving");
  });
});
