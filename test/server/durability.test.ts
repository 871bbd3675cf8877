/**
 * Restart durability on SQLite with a real process: whatever a client was told succeeded is still
 * there after `kill -9` and a restart, and whatever was ended stays ended.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startServer } from "../helpers/server-process.ts";

async function api(url: string, method: string, path: string, bearer?: string, body?: unknown) {
  const response = await fetch(url + path, {
    method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

test("sessions, attributes and endings survive kill -9 and a restart on SQLite", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "sessiond-durable-"));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { SESSIOND_ADMIN_PASSWORD: "admin-pw" };
  const first = await startServer(["--data-dir", dataDir], env);

  const kept = await api(first.url, "POST", "/api/v1/login", undefined, { userName: "admin", password: "admin-pw" });
  assert.equal(kept.status, 201);
  const keptSecret: string = kept.body.secret;
  const ended = await api(first.url, "POST", "/api/v1/login", undefined, { userName: "admin", password: "admin-pw" });
  const endedSecret: string = ended.body.secret;
  const anonymous = await api(first.url, "POST", "/api/v1/sessions", undefined, {});
  assert.equal(anonymous.status, 201);

  assert.equal(
    (await api(first.url, "PUT", "/api/v1/session/attributes/cart", keptSecret, { value: "3 apples" })).status,
    204,
  );
  assert.equal(
    (await api(first.url, "PUT", "/api/v1/service-message", keptSecret, { text: "Back at 18:00" })).status,
    200,
  );
  assert.equal((await api(first.url, "DELETE", `/api/v1/sessions/${ended.body.session.key}`, keptSecret)).status, 204);

  await first.kill9();
  const second = await startServer(["--data-dir", dataDir], env);
  t.after(() => second.stop());

  const me = await api(second.url, "GET", "/api/v1/session", keptSecret);
  assert.equal(me.status, 200, "the logged-in session survived");
  assert.equal(me.body.session.key, kept.body.session.key);
  assert.equal(me.body.user.name, "admin");
  assert.deepEqual((await api(second.url, "GET", "/api/v1/session/attributes", keptSecret)).body, { cart: "3 apples" });
  assert.equal(
    (await api(second.url, "GET", "/api/v1/session", anonymous.body.secret)).status,
    200,
    "the anonymous session survived",
  );
  assert.equal(
    (await api(second.url, "GET", "/api/v1/session", endedSecret)).status,
    401,
    "the terminated session stays ended",
  );
  assert.equal((await api(second.url, "GET", "/api/v1/service-message", keptSecret)).body.text, "Back at 18:00");

  const fresh = await api(second.url, "POST", "/api/v1/sessions", undefined, {});
  assert.ok(fresh.body.session.number > anonymous.body.session.number, "session numbers never go back after a restart");
  assert.doesNotMatch(second.output(), /created user admin/, "no second bootstrap admin");
});
