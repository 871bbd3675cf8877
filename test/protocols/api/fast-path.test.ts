/**
 * `GET /api/v1/session` is answered by a fast path before Fastify; every other form of the same
 * request (here: with a query string) still goes through the Fastify route. Both must answer alike.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startApp, type TestApp } from "../../helpers/start-app.ts";

describe("who-am-i fast path", () => {
  let t: TestApp;
  let secret: string;
  before(async () => {
    t = await startApp();
    secret = await t.login("admin", "admin-password");
  });
  after(() => t.stop());

  const both = async (headers: Record<string, string>) => {
    const fast = await fetch(`${t.url}/api/v1/session`, { headers });
    const routed = await fetch(`${t.url}/api/v1/session?via=fastify`, { headers });
    return [
      { status: fast.status, headers: fast.headers, body: (await fast.json()) as any },
      { status: routed.status, headers: routed.headers, body: (await routed.json()) as any },
    ] as const;
  };

  for (const [name, headers] of [
    ["a valid bearer", () => ({ authorization: `Bearer ${secret}` })],
    ["no bearer", () => ({})],
    ["an unknown bearer", () => ({ authorization: "Bearer not-a-secret" })],
    ["a malformed Authorization header", () => ({ authorization: "Basic YWRtaW46eA==" })],
  ] as const) {
    it(`answers like the Fastify route for ${name}`, async () => {
      const [fast, routed] = await both(headers());
      assert.equal(fast.status, routed.status);
      assert.equal(fast.headers.get("content-type"), routed.headers.get("content-type"));
      assert.equal(fast.headers.get("www-authenticate"), routed.headers.get("www-authenticate"));
      if (fast.status === 200) {
        // Each call counts: the second one is one call later.
        assert.equal(routed.body.session.callCount, fast.body.session.callCount + 1);
        const { callCount: _a, ...fastSession } = fast.body.session;
        const { callCount: _b, ...routedSession } = routed.body.session;
        assert.deepEqual(routedSession, fastSession);
        assert.deepEqual(routed.body.user, fast.body.user);
        assert.deepEqual(routed.body.privileges, fast.body.privileges);
      } else {
        assert.deepEqual(fast.body, routed.body);
        assert.equal(fast.body.error.code, "NOT_AUTHENTICATED");
      }
    });
  }

  it("sees a terminated session at once", async () => {
    const other = await t.login("admin", "admin-password");
    const me = await fetch(`${t.url}/api/v1/session`, { headers: { authorization: `Bearer ${other}` } });
    const { session } = (await me.json()) as { session: { key: string } };
    const end = await t.request("DELETE", `/api/v1/sessions/${session.key}`, { bearer: secret });
    assert.equal(end.status, 204);
    const after = await fetch(`${t.url}/api/v1/session`, { headers: { authorization: `Bearer ${other}` } });
    assert.equal(after.status, 401);
  });
});
