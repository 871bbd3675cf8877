/**
 * The limits on Server-Sent Event streams, exceeded over real sockets: per session, per address and in
 * all. The excess is refused 429 `LIMIT_EXCEEDED`, other clients are served (`/healthz` included), and
 * the slots come back when streams close, by the client or because their session ended.
 *
 * @see issue 15, part 3
 */

import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { closed, connectFrom, requestFrom } from "../../helpers/from-address.ts";
import { startApp, type TestApp } from "../../helpers/start-app.ts";

interface Opened {
  status: number;
  /** The JSON error body of a refusal. */
  body: any;
  socket: Socket;
}

/**
 * Opens `GET /api/v1/session/events` from `address`; resolves with the status once the head and the
 * first event (or the whole error body) arrived.
 */
async function openStream(t: TestApp, address: string, secret: string): Promise<Opened> {
  const socket = await connectFrom(t.url, address);
  socket.setEncoding("utf8");
  socket.write(
    `GET /api/v1/session/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${secret}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  let received = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: string) => {
      received += chunk;
      const head = received.indexOf("\r\n\r\n");
      if (head < 0) return;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      const rest = received.slice(head + 4);
      if (status === 200 && !rest.includes("event: ready")) return;
      const length = Number(/content-length: (\d+)/i.exec(received.slice(0, head))?.[1] ?? -1);
      if (status !== 200 && Buffer.byteLength(rest) < length) return;
      socket.off("data", onData);
      resolve({ status, body: status === 200 ? undefined : JSON.parse(rest), socket });
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}

/** Resolves once `socket` has received `text`. */
function received(socket: Socket, text: string): Promise<void> {
  let seen = "";
  return new Promise((resolve) => {
    const onData = (chunk: string) => {
      seen += chunk;
      if (!seen.includes(text)) return;
      socket.off("data", onData);
      resolve();
    };
    socket.on("data", onData);
  });
}

async function anonymousFrom(t: TestApp, address: string): Promise<string> {
  const res = await requestFrom(t.url, address, "POST", "/api/v1/sessions", { body: {} });
  assert.equal(res.status, 201, res.text);
  return res.body.secret;
}

function refusedWith(opened: Opened, pattern: RegExp): void {
  opened.socket.destroy();
  assert.equal(opened.status, 429);
  assert.equal(opened.body.error.code, "LIMIT_EXCEEDED");
  assert.match(opened.body.error.message, pattern);
}

describe("event streams: limits", () => {
  it("caps streams per session, per address and in all; others are served; slots come back", async (ctx) => {
    const t = await startApp({
      http: {
        host: "127.0.0.1",
        port: 0,
        maxEventStreamsPerSession: 2,
        maxEventStreamsPerAddress: 3,
        maxEventStreams: 4,
      },
    });
    const open: Socket[] = [];
    ctx.after(() => {
      for (const socket of open) socket.destroy();
      return t.stop();
    });
    const accepted = async (address: string, secret: string) => {
      const opened = await openStream(t, address, secret);
      assert.equal(opened.status, 200);
      open.push(opened.socket);
      return opened.socket;
    };

    // Per session: a third stream of one session is refused.
    const a = await anonymousFrom(t, "127.0.0.1");
    const [a1] = [await accepted("127.0.0.1", a), await accepted("127.0.0.1", a)];
    refusedWith(await openStream(t, "127.0.0.1", a), /This session has 2 event streams open/);

    // Per address: another session from the same address gets one more, then no more.
    const b = await anonymousFrom(t, "127.0.0.1");
    await accepted("127.0.0.1", b);
    refusedWith(await openStream(t, "127.0.0.1", b), /Your address has 3 event streams open/);

    // In all: another address gets the last one, a third address none.
    const c = await anonymousFrom(t, "127.0.0.2");
    await accepted("127.0.0.2", c);
    const d = await anonymousFrom(t, "127.0.0.3");
    refusedWith(await openStream(t, "127.0.0.3", d), /too many event streams open/);
    // Everything else is still served.
    assert.equal((await requestFrom(t.url, "127.0.0.3", "GET", "/healthz")).status, 200);

    // A client closing its stream gives its slot back.
    const gone = closed(a1 as Socket);
    (a1 as Socket).destroy();
    await gone;
    await accepted("127.0.0.3", d);

    // A session that ends ends its streams, and gives their slots back by itself.
    const ended = received(open[1] as Socket, "event: session-ended");
    assert.equal((await requestFrom(t.url, "127.0.0.1", "DELETE", "/api/v1/session", { bearer: a })).status, 204);
    await ended;
    const e = await anonymousFrom(t, "127.0.0.2");
    await accepted("127.0.0.2", e);
  });
});
