/**
 * The `webhooks` and `webhookDelivery` settings: read, defaulted, and refused in the words of every
 * other setting, naming the path of what is wrong.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/core/config.ts";
import { SessionError } from "../../src/core/errors.ts";
import { DEFAULT_WEBHOOK_DELIVERY, signingKey } from "../../src/core/webhook-settings.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const HOOK = { url: "https://hooks.example.com/sessiond", secret: SECRET, events: ["session.login"] };

function refuses(raw: Record<string, unknown>, path: string, words: RegExp): void {
  assert.throws(
    () => parseConfig(raw),
    (error: unknown) => {
      assert.ok(error instanceof SessionError);
      assert.equal(error.code, "INVALID_ARGUMENT");
      assert.equal(error.details?.path, path);
      assert.match(error.message, new RegExp(`Configuration: ${path.replace(/[[\].]/g, "\\$&")} `));
      assert.match(error.message, words);
      return true;
    },
  );
}

describe("webhook settings", () => {
  it("are none by default, with the default delivery settings", () => {
    assert.deepEqual(parseConfig({}).webhooks, { endpoints: [], delivery: DEFAULT_WEBHOOK_DELIVERY });
  });

  it("reads endpoints and delivery settings, each event once", () => {
    const config = parseConfig({
      webhooks: [HOOK, { ...HOOK, url: "http://127.0.0.1:9000/", events: ["user.changed", "user.changed"] }],
      webhookDelivery: { maxBacklog: 50, timeoutMs: 2000 },
    });
    assert.deepEqual(config.webhooks.endpoints, [
      HOOK,
      { ...HOOK, url: "http://127.0.0.1:9000/", events: ["user.changed"] },
    ]);
    assert.equal(config.webhooks.delivery.maxBacklog, 50);
    assert.equal(config.webhooks.delivery.timeoutMs, 2000);
    assert.equal(config.webhooks.delivery.maxAttempts, DEFAULT_WEBHOOK_DELIVERY.maxAttempts);
  });

  it("refuses what is wrong, naming its path", () => {
    refuses({ webhooks: HOOK }, "webhooks", /must be a list/);
    refuses({ webhooks: [{ ...HOOK, url: "ftp://example.com/" }] }, "webhooks[0].url", /http:\/\/ or https:\/\//);
    refuses({ webhooks: [{ ...HOOK, url: "https://user:pw@example.com/" }] }, "webhooks[0].url", /http/);
    refuses({ webhooks: [HOOK, HOOK] }, "webhooks[1].url", /repeats/);
    refuses({ webhooks: [{ ...HOOK, secret: "short" }] }, "webhooks[0].secret", /at least 16/);
    refuses({ webhooks: [{ ...HOOK, secret: "whsec_c2hvcnQ=" }] }, "webhooks[0].secret", /16 bytes/);
    refuses({ webhooks: [{ ...HOOK, events: [] }] }, "webhooks[0].events", /non-empty list/);
    refuses({ webhooks: [{ ...HOOK, events: ["session.login", "session.dance"] }] }, "webhooks[0].events[1]", /one of/);
    refuses({ webhooks: [{ ...HOOK, headers: {} }] }, "webhooks[0].headers", /not a known setting/);
    refuses({ webhookDelivery: { maxBacklog: 0 } }, "webhookDelivery.maxBacklog", /integer from 1/);
    refuses({ webhookDelivery: { retries: 3 } }, "webhookDelivery.retries", /not a known setting/);
    refuses({ webhookDelivery: { firstRetryMs: 10, maxRetryMs: 5 } }, "webhookDelivery.firstRetryMs", /at most/);
  });

  it("signs with the bytes after whsec_, or with other secrets as they are", () => {
    assert.deepEqual(signingKey(SECRET), Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64"));
    assert.deepEqual(signingKey("a plain shared secret"), Buffer.from("a plain shared secret"));
  });
});
