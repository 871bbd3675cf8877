import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { API_PASSWORDS, assertApiError, startApiApp } from "../../helpers/api.ts";
import type { TestApp } from "../../helpers/start-app.ts";

const IDLE_MS = 1800 * 1000;
/** A guard against a hanging test, not a wait for anything to happen. */
const GUARD_MS = 5000;

interface ServerEvent {
  event: string;
  data: any;
}

/** An open SSE stream read with fetch and a stream reader. */
interface EventStream {
  status: number;
  contentType: string;
  /** The next event; comment lines (keep-alives) are skipped. */
  next(): Promise<ServerEvent>;
  /** Resolves true when the server closes the stream before sending another event. */
  closed(): Promise<boolean>;
  cancel(): Promise<void>;
}

async function openStream(t: TestApp, secret: string): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`${t.url}/api/v1/session/events`, {
    headers: { authorization: `Bearer ${secret}`, accept: "text/event-stream" },
    signal: controller.signal,
  });
  assert.ok(response.body, "the response has a body");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let done = false;

  const guarded = <T>(promise: Promise<T>, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${GUARD_MS} ms`)), GUARD_MS);
    });
    return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
  };

  /** Reads one block (up to a blank line), or null at the end of the stream. */
  async function block(): Promise<string | null> {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return text;
      }
      if (done) return null;
      const chunk = await reader.read();
      if (chunk.done) done = true;
      else buffer += decoder.decode(chunk.value, { stream: true });
    }
  }

  async function nextEvent(): Promise<ServerEvent | null> {
    for (;;) {
      const text = await block();
      if (text === null) return null;
      let event = "message";
      const data: string[] = [];
      for (const line of text.split("\n")) {
        if (line.startsWith(":")) continue;
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length === 0 && event === "message") continue;
      return { event, data: JSON.parse(data.join("\n")) };
    }
  }

  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    async next() {
      const event = await guarded(nextEvent(), "event");
      if (!event) throw new Error("the stream closed");
      return event;
    },
    async closed() {
      return (await guarded(nextEvent(), "end of stream")) === null;
    },
    async cancel() {
      controller.abort();
      await reader.cancel().catch(() => {});
    },
  };
}

describe("JSON API: the session event stream (SSE)", () => {
  let t: TestApp;
  before(async () => {
    t = await startApiApp();
  });
  after(() => t.stop());

  it("answers 401 in the JSON error form without a valid bearer", async () => {
    const res = await t.request("GET", "/api/v1/session/events");
    assertApiError(res, 401, "NOT_AUTHENTICATED");
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    assertApiError(await t.request("GET", "/api/v1/session/events", { bearer: "unknown" }), 401, "NOT_AUTHENTICATED");
  });

  it("sends a ready event first, with the session key and the current service message", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const me = await t.request("GET", "/api/v1/session", { bearer: secret });
    const stream = await openStream(t, secret);
    try {
      assert.equal(stream.status, 200);
      assert.match(stream.contentType, /^text\/event-stream/);
      const ready = await stream.next();
      assert.equal(ready.event, "ready");
      assert.equal(ready.data.key, me.body.session.key);
      assert.equal(ready.data.serviceMessage, "");
    } finally {
      await stream.cancel();
    }
  });

  it("pushes service-message when another admin updates it, localized for the session", async () => {
    const reader = await t.login("alice", API_PASSWORDS.alice);
    await t.request("PUT", "/api/v1/session/locale", { bearer: reader, body: { locale: "de" } });
    const admin = await t.login("admin", API_PASSWORDS.admin);
    const stream = await openStream(t, reader);
    try {
      assert.equal((await stream.next()).event, "ready");
      const put = await t.request("PUT", "/api/v1/service-message", {
        bearer: admin,
        body: { text: "Restart at six", byLocale: { de: "Neustart um sechs" } },
      });
      assert.equal(put.status, 200);
      const pushed = await stream.next();
      assert.equal(pushed.event, "service-message");
      assert.equal(pushed.data.text, "Restart at six");
      assert.equal(pushed.data.localized, "Neustart um sechs");
    } finally {
      await t.request("PUT", "/api/v1/service-message", { bearer: admin, body: { text: "" } });
      await stream.cancel();
    }
  });

  it("sends session-ended with reason terminated when an admin ends the session, then closes", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const key = (await t.request("GET", "/api/v1/session", { bearer: secret })).body.session.key;
    const admin = await t.login("admin", API_PASSWORDS.admin);
    const stream = await openStream(t, secret);
    try {
      assert.equal((await stream.next()).event, "ready");
      assert.equal((await t.request("DELETE", `/api/v1/sessions/${key}`, { bearer: admin })).status, 204);
      const ended = await stream.next();
      assert.equal(ended.event, "session-ended");
      assert.equal(ended.data.key, key);
      assert.equal(ended.data.reason, "terminated");
      assert.equal(await stream.closed(), true, "the stream closes after session-ended");
    } finally {
      await stream.cancel();
    }
  });

  it("sends session-ended with reason expired-idle when the sweeper removes the idle session, then closes", async () => {
    const idle = await startApiApp();
    try {
      const secret = await idle.login("alice", API_PASSWORDS.alice);
      const stream = await openStream(idle, secret);
      try {
        assert.equal((await stream.next()).event, "ready");
        idle.clock.advance(IDLE_MS);
        assert.equal(await idle.app.engine.sweep(), 1);
        const ended = await stream.next();
        assert.equal(ended.event, "session-ended");
        assert.equal(ended.data.reason, "expired-idle");
        assert.equal(await stream.closed(), true, "the stream closes after session-ended");
      } finally {
        await stream.cancel();
      }
      assertApiError(await idle.request("GET", "/api/v1/session", { bearer: secret }), 401, "NOT_AUTHENTICATED");
    } finally {
      await idle.stop();
    }
  });

  it("does not tell one session about the end of another", async () => {
    const mine = await t.login("alice", API_PASSWORDS.alice);
    const other = await t.login("bob", API_PASSWORDS.bob);
    const admin = await t.login("admin", API_PASSWORDS.admin);
    const stream = await openStream(t, mine);
    try {
      assert.equal((await stream.next()).event, "ready");
      await t.request("DELETE", "/api/v1/session", { bearer: other });
      // An event every stream gets, to prove nothing came before it.
      await t.request("PUT", "/api/v1/service-message", { bearer: admin, body: { text: "marker" } });
      const next = await stream.next();
      assert.equal(next.event, "service-message");
      assert.equal(next.data.text, "marker");
    } finally {
      await t.request("PUT", "/api/v1/service-message", { bearer: admin, body: { text: "" } });
      await stream.cancel();
    }
  });
});

describe("JSON API: the expiry warning on the event stream", () => {
  let t: TestApp;
  before(async () => {
    t = await startApiApp({ sessions: { expiryWarningSeconds: 60 } });
  });
  after(() => t.stop());

  it("sends session-expiring once, shortly before the idle deadline; activity moves the deadline", async () => {
    const secret = await t.login("alice", API_PASSWORDS.alice);
    const stream = await openStream(t, secret);
    try {
      assert.equal((await stream.next()).event, "ready");
      const opened = t.clock.now();
      // Not yet: more than a minute is left.
      t.clock.advance(IDLE_MS - 61_000);
      await t.app.engine.sweep();
      t.clock.advance(2000);
      await t.app.engine.sweep();
      await t.app.engine.sweep();
      const warning = await stream.next();
      assert.equal(warning.event, "session-expiring");
      assert.equal(warning.data.deadline, opened + IDLE_MS, "the deadline counts from the last activity");
      assert.ok(warning.data.at >= opened + IDLE_MS - 60_000, "not sent while more than a minute was left");

      // Any call keeps the session; the next warning comes before the new deadline, and only once.
      const active = await t.request("POST", "/api/v1/session/active", { bearer: secret });
      assert.equal(active.status, 200);
      const touched = t.clock.now();
      t.clock.advance(IDLE_MS - 30_000);
      await t.app.engine.sweep();
      await t.app.engine.sweep();
      const again = await stream.next();
      assert.equal(again.event, "session-expiring");
      assert.equal(again.data.deadline, touched + IDLE_MS, "one warning per deadline: the old one was not sent again");
    } finally {
      await stream.cancel();
    }
  });

  it("warns a short-lived session a tenth of its idle timeout before, when that is less", async () => {
    const made = await t.request("POST", "/api/v1/sessions", { body: { idleTimeoutSeconds: 100 } });
    const stream = await openStream(t, made.body.secret);
    try {
      assert.equal((await stream.next()).event, "ready");
      const opened = t.clock.now();
      t.clock.advance(89_000);
      await t.app.engine.sweep();
      t.clock.advance(2000);
      await t.app.engine.sweep();
      const warning = await stream.next();
      assert.equal(warning.event, "session-expiring");
      assert.equal(warning.data.deadline, opened + 100_000);
      assert.ok(warning.data.at >= opened + 90_000, "ten seconds before, not sixty");
    } finally {
      await stream.cancel();
    }
  });
});
