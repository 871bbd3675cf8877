/**
 * `GET /metrics` over real sockets: the Prometheus text format with the counters, histograms and
 * gauges that follow what clients did, on the HTTP listener or a port of its own, loopback only
 * unless opened, and absent when turned off.
 */

import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { DEFAULT_METRICS_SETTINGS } from "../../src/core/config.ts";
import { answerScrape } from "../../src/server/metrics/endpoint.ts";
import { createServerMetrics } from "../../src/server/metrics/server-metrics.ts";
import { API_PASSWORDS, startApiApp } from "../helpers/api.ts";
import type { TestApp } from "../helpers/start-app.ts";

/** The value of one sample line, by its name with labels exactly as exported. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

async function scrape(url: string): Promise<{ status: number; type: string; text: string }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() };
}

describe("metrics on the HTTP listener", () => {
  let t: TestApp;
  before(async () => {
    t = await startApiApp();
  });
  after(() => t.stop());

  it("counts logins, failures, sessions, requests and endings, and times requests and the store", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const wrong = await t.request("POST", "/api/v1/login", { body: { userName: "alice", password: "nope" } });
    assert.equal(wrong.status, 401);
    for (let i = 0; i < 3; i++)
      assert.equal((await t.request("GET", "/api/v1/session", { bearer: secret })).status, 200);
    assert.equal((await t.request("DELETE", "/api/v1/session", { bearer: secret })).status, 204);

    const { status, type, text } = await scrape(`${t.url}/metrics`);
    assert.equal(status, 200);
    assert.match(type, /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(text, 'sessiond_logins_total{door="api",outcome="ok"}'), 1);
    assert.equal(sample(text, 'sessiond_logins_total{door="api",outcome="failed"}'), 1);
    assert.equal(sample(text, 'sessiond_sessions_created_total{realm="default",protocol="api"}'), 1);
    assert.equal(sample(text, 'sessiond_sessions_ended_total{reason="disposed"}'), 1);
    assert.equal(sample(text, 'sessiond_requests_total{door="api",outcome="INVALID_LOGIN"}'), 1);
    assert.ok((sample(text, 'sessiond_requests_total{door="api",outcome="ok"}') ?? 0) >= 5);
    assert.equal(sample(text, 'sessiond_request_duration_seconds_count{door="api",operation="session.whoAmI"}'), 3);
    assert.ok((sample(text, 'sessiond_store_operation_duration_seconds_count{method="getUser"}') ?? 0) >= 1);
    assert.equal(sample(text, 'sessiond_node_lease_state{state="alone"}'), 1);
    assert.equal(sample(text, 'sessiond_node_lease_state{state="serving"}'), 0);
    assert.equal(sample(text, "sessiond_webhook_backlog"), 0, "no webhooks configured, none waiting");
    assert.ok(sample(text, "nodejs_eventloop_lag_seconds") !== undefined, "Node's default metrics");
    assert.ok(sample(text, "process_resident_memory_bytes") !== undefined);
    assert.doesNotMatch(text, new RegExp(secret), "no secret in the metrics");
  });
});

describe("metric gauges", () => {
  it("gauge live sessions by realm and protocol, and open event streams", async () => {
    const t = await startApiApp();
    const secret = await t.login("bob", API_PASSWORDS.bob);
    await t.request("POST", "/api/v1/sessions");
    const stream = await fetch(`${t.url}/api/v1/session/events`, { headers: { authorization: `Bearer ${secret}` } });
    const reader = stream.body?.getReader();
    await reader?.read();
    try {
      const { text } = await scrape(`${t.url}/metrics`);
      assert.equal(sample(text, 'sessiond_live_sessions{realm="default",protocol="api"}'), 2);
      assert.equal(sample(text, 'sessiond_open_connections{door="api-events"}'), 1);
      assert.equal(sample(text, "sessiond_session_cache_entries"), 2);
    } finally {
      await reader?.cancel();
      await t.stop();
    }
  });
});

describe("metrics settings", () => {
  it("serves scrapes on a port of their own and nothing else there; the HTTP listener then has none", async () => {
    const t = await startApiApp({ metrics: { port: 0 } });
    try {
      const own = t.listeners.find((listener) => listener.name === "metrics");
      assert.ok(own, "a listener of its own");
      assert.match(own.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const scraped = await scrape(own.url);
      assert.equal(scraped.status, 200);
      assert.match(scraped.text, /sessiond_requests_total/);
      assert.equal((await scrape(own.url.replace("/metrics", "/api/v1/session"))).status, 404, "only scrapes there");
      const onHttp = await scrape(`${t.url}/metrics`);
      assert.equal(onHttp.status, 404, "not on the HTTP listener when it has a port of its own");
    } finally {
      await t.stop();
    }
  });

  it("is absent when turned off", async () => {
    const t = await startApiApp({ metrics: { enabled: false } });
    try {
      assert.equal((await scrape(`${t.url}/metrics`)).status, 404);
      assert.equal(t.app.metrics, undefined);
    } finally {
      await t.stop();
    }
  });

  it("refuses a scrape from an address that is not loopback unless opened", async () => {
    const metrics = createServerMetrics();
    const answer = (remoteAddress: string, allowRemote: boolean) =>
      new Promise<number>((resolve) => {
        const request = { url: "/metrics", method: "GET", socket: { remoteAddress } } as unknown as IncomingMessage;
        const response = {
          writeHead(status: number) {
            resolve(status);
            return response;
          },
          end() {},
        } as unknown as ServerResponse;
        assert.equal(answerScrape(metrics, { ...DEFAULT_METRICS_SETTINGS, allowRemote }, request, response), true);
      });
    assert.equal(await answer("192.0.2.10", false), 403);
    assert.equal(await answer("::ffff:127.0.0.1", false), 200);
    assert.equal(await answer("192.0.2.10", true), 200);
    metrics.stop();
  });
});
