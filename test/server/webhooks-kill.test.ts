/**
 * A webhook survives `kill -9` of the server between the commit of its event and its delivery: a real
 * `sessiond serve` process on SQLite sends a login's event to a receiver that takes the request and
 * never answers; the process is killed while that delivery is in flight; a new process on the same
 * data directory delivers it again, once the dead process's claim on it has run out, with the same
 * `webhook-id`. No event arrives under two ids.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startServer } from "../helpers/server-process.ts";
import { startWebhookReceiver, verifyStandardWebhook } from "../helpers/webhook-receiver.ts";

const SECRET = `whsec_${randomBytes(32).toString("base64")}`;

test("a login's webhook is delivered after kill -9 between commit and delivery, with the same id", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "sessiond-webhooks-"));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const receiver = await startWebhookReceiver();
  t.after(() => receiver.close());
  const configFile = join(dataDir, "config.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      webhooks: [{ url: receiver.url, secret: SECRET, events: ["session.login", "session.ended"] }],
      // A short timeout, so that the dead process's claim (twice the timeout and a second) runs out soon.
      webhookDelivery: { timeoutMs: 1000, pollMs: 200 },
    }),
  );
  const args = ["--data-dir", dataDir, "--config", configFile];
  const env = { SESSIOND_ADMIN_PASSWORD: "admin-pw" };

  receiver.answerWith(() => "hang");
  const first = await startServer(args, env);
  const response = await fetch(`${first.url}/api/v1/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userName: "admin", password: "admin-pw" }),
  });
  assert.equal(response.status, 201);
  const key: string = ((await response.json()) as { session: { key: string } }).session.key;
  const inFlight = await receiver.waitFor((d) => d.json.type === "session.login");
  assert.equal(inFlight.answer, "hung");
  await first.kill9();

  receiver.answerWith(() => 200);
  const second = await startServer(args, env);
  t.after(() => second.stop());
  const delivered = await receiver.waitFor((d) => d.json.type === "session.login" && d.answer === 200);
  assert.equal(delivered.id, inFlight.id, "the same event, under the same id");
  assert.equal(delivered.body, inFlight.body);
  assert.equal(delivered.json.data.sessionKey, key);
  assert.ok(verifyStandardWebhook(SECRET, delivered));

  const idsOfBody = new Map<string, Set<string>>();
  for (const delivery of receiver.deliveries) {
    idsOfBody.set(delivery.body, (idsOfBody.get(delivery.body) ?? new Set()).add(delivery.id));
  }
  for (const [body, ids] of idsOfBody) assert.equal(ids.size, 1, `one id for ${body}`);
});
