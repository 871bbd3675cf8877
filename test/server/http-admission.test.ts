/**
 * The HTTP listener's limits, exceeded over real sockets: connections per address and in all, a
 * connection that sends nothing, a request head or body that trickles in. Each excess is refused with
 * an answer in the JSON API's error form, a client beside it is served, and the server recovers by
 * itself. Clients at other addresses are 127.0.0.2 and 127.0.0.3.
 *
 * @see issue 15, part 3
 */

import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { closed, connectFrom, requestFrom } from "../helpers/from-address.ts";
import { startApp } from "../helpers/start-app.ts";
import { TLS_SKIP_REASON, testCertificate } from "../helpers/tls.ts";

/** One HTTPS GET from `localAddress` on a connection of its own, trusting the test certificate. */
function httpsGetFrom(url: string, localAddress: string, ca: Buffer): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL("/healthz", url),
      { localAddress, ca, agent: false, headers: { connection: "close" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The status line and the JSON body of a raw HTTP answer. */
function parseAnswer(raw: string): { status: number; body: any } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
  const text = raw.slice(raw.indexOf("\r\n\r\n") + 4);
  return { status, body: text ? JSON.parse(text) : undefined };
}

/** Sends one request on `socket` and resolves with everything received until the server closes it. */
async function askAndWaitForClose(socket: Socket, path = "/healthz"): Promise<{ status: number; body: any }> {
  const done = closed(socket);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  return parseAnswer(await done);
}

describe("HTTP connections per address and in all", () => {
  it("answers a connection over the per-address limit 429, serves other addresses, and admits again once one closes", async (ctx) => {
    const t = await startApp({ http: { host: "127.0.0.1", port: 0, maxConnectionsPerAddress: 3 } });
    ctx.after(() => t.stop());
    const held = await Promise.all([1, 2, 3].map(() => connectFrom(t.url, "127.0.0.1")));
    const over = await askAndWaitForClose(await connectFrom(t.url, "127.0.0.1"));
    assert.equal(over.status, 429);
    assert.equal(over.body.error.code, "LIMIT_EXCEEDED");
    assert.match(over.body.error.message, /Your address has 3 connections open/);

    const beside = await requestFrom(t.url, "127.0.0.2", "GET", "/healthz");
    assert.equal(beside.status, 200, beside.text);

    const gone = closed(held[0] as Socket);
    (held[0] as Socket).end();
    await gone;
    const again = await requestFrom(t.url, "127.0.0.1", "GET", "/healthz");
    assert.equal(again.status, 200, again.text);
    for (const socket of held) socket.destroy();
  });

  it("answers a connection over the total 429 and recovers by itself as silent connections are closed", async (ctx) => {
    const t = await startApp({
      http: { host: "127.0.0.1", port: 0, maxConnections: 4, maxConnectionsPerAddress: 2, firstByteTimeoutMs: 400 },
    });
    ctx.after(() => t.stop());
    const silent = [
      ...(await Promise.all([1, 2].map(() => connectFrom(t.url, "127.0.0.2")))),
      ...(await Promise.all([1, 2].map(() => connectFrom(t.url, "127.0.0.3")))),
    ];
    const closedByServer = silent.map((socket) => closed(socket));
    const over = await askAndWaitForClose(await connectFrom(t.url, "127.0.0.1"));
    assert.equal(over.status, 429);
    assert.match(over.body.error.message, /too many connections open/);
    // Nobody closes the silent ones but the server, once they have sent nothing for too long.
    const answers = await Promise.all(closedByServer);
    for (const answer of answers) {
      const { status, body } = parseAnswer(answer);
      assert.equal(status, 408);
      assert.equal(body.error.code, "LIMIT_EXCEEDED");
    }
    const served = await requestFrom(t.url, "127.0.0.1", "GET", "/healthz");
    assert.equal(served.status, 200, served.text);
  });
});

describe("HTTP connections that say nothing, or say it slowly", () => {
  it("closes a connection that sends nothing, while a prompt client on another connection is served", async (ctx) => {
    const t = await startApp({ http: { host: "127.0.0.1", port: 0, firstByteTimeoutMs: 300 } });
    ctx.after(() => t.stop());
    const silent = await connectFrom(t.url, "127.0.0.1");
    const silentClosed = closed(silent);
    const prompt = await requestFrom(t.url, "127.0.0.1", "GET", "/healthz");
    assert.equal(prompt.status, 200);
    const answer = parseAnswer(await silentClosed);
    assert.equal(answer.status, 408);
    assert.match(answer.body.error.message, /Nothing was received within 300 ms/);
  });

  it("answers 408 to a request head or body that trickles in, and serves the next connection", async (ctx) => {
    const t = await startApp({
      http: { host: "127.0.0.1", port: 0, headersTimeoutMs: 500, requestTimeoutMs: 1000, firstByteTimeoutMs: 300 },
    });
    ctx.after(() => t.stop());
    const slowHead = await connectFrom(t.url, "127.0.0.1");
    const slowHeadClosed = closed(slowHead);
    slowHead.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const slowBody = await connectFrom(t.url, "127.0.0.1");
    const slowBodyClosed = closed(slowBody);
    slowBody.write(
      "PUT /api/v1/service-message HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
    );
    for (const answer of await Promise.all([slowHeadClosed, slowBodyClosed])) {
      const { status, body } = parseAnswer(answer);
      assert.equal(status, 408, answer);
      assert.equal(body.error.code, "LIMIT_EXCEEDED");
      assert.match(body.error.message, /did not arrive in time/);
    }
    const next = await requestFrom(t.url, "127.0.0.1", "GET", "/healthz");
    assert.equal(next.status, 200);
  });

  it("refuses settings whose request head may take longer than the whole request", async () => {
    await assert.rejects(
      startApp({ http: { host: "127.0.0.1", port: 0, headersTimeoutMs: 5000, requestTimeoutMs: 1000 } }),
      /http\.headersTimeoutMs/,
    );
  });

  it("over TLS: closes a connection that never starts its handshake and answers one over the limit 429", {
    skip: TLS_SKIP_REASON,
  }, async (ctx) => {
    const certificate = TLS_SKIP_REASON ? undefined : testCertificate();
    if (!certificate) return;
    const t = await startApp({
      http: {
        host: "127.0.0.1",
        port: 0,
        tls: { cert: certificate.cert, key: certificate.key },
        maxConnectionsPerAddress: 1,
        firstByteTimeoutMs: 300,
      },
    });
    ctx.after(() => t.stop());
    assert.match(t.url, /^https:/);
    // A silent connection holds the one slot of 127.0.0.2 until the server closes it.
    const silent = await connectFrom(t.url, "127.0.0.2");
    const silentClosed = closed(silent);
    const over = await httpsGetFrom(t.url, "127.0.0.2", certificate.pem);
    assert.equal(over.status, 429);
    assert.equal(over.body.error.code, "LIMIT_EXCEEDED");
    assert.equal((await httpsGetFrom(t.url, "127.0.0.3", certificate.pem)).status, 200, "another address is served");
    assert.equal(await silentClosed, "", "closed without an answer: it never spoke TLS");
    assert.equal((await httpsGetFrom(t.url, "127.0.0.2", certificate.pem)).status, 200, "its slot came back");
  });
});
