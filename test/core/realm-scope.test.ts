/**
 * A call that names a realm (httpkom's `server_id`) sees only sessions of that realm: a session of
 * another realm counts as none there and is neither ended nor touched; an unknown realm is NOT_FOUND.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionError } from "../../src/core/errors.ts";
import * as ops from "../../src/core/ops/index.ts";
import { defaultRealm, startEngine } from "../helpers/engine.ts";

const realms = [defaultRealm(), { name: "other", users: [] }];

describe("calls scoped to a realm", () => {
  it("treat a session of another realm as no session, without ending or touching it", async () => {
    const t = await startEngine({ realms });
    const { secret, session } = await t.login("alice");
    await assert.rejects(
      t.call(ops.whoAmI, secret, {}, { realm: "other" }),
      (error: unknown) => error instanceof SessionError && error.code === "NOT_AUTHENTICATED",
    );
    const stored = await t.store.getSessionByKey(session.key);
    assert.ok(stored, "the session still exists");
    const mine = await t.call(ops.whoAmI, secret, {}, { realm: "default" });
    assert.equal(mine.session.key, session.key);
    assert.equal(mine.session.callCount, session.callCount + 1, "the foreign-realm call was not counted");
    assert.equal(t.eventsOf("terminated", session.key).length, 0);
  });

  it("answer NOT_FOUND for a realm that does not exist, whatever the secret", async () => {
    const t = await startEngine({ realms });
    const { secret } = await t.login("alice");
    for (const bearer of [secret, undefined]) {
      await assert.rejects(
        t.call(ops.whoAmI, bearer, {}, { realm: "nosuchrealm" }),
        (error: unknown) => error instanceof SessionError && error.code === "NOT_FOUND",
      );
    }
  });

  it("say why a call was refused: no session at all, or a session that must log in first", async () => {
    const t = await startEngine({ realms });
    const anonymous = await t.call(ops.createSession, undefined, {});
    await assert.rejects(
      t.call(ops.logout, undefined, {}),
      (error: unknown) => error instanceof SessionError && error.details.reason === "no-session",
    );
    await assert.rejects(
      t.call(ops.logout, anonymous.secret, {}),
      (error: unknown) => error instanceof SessionError && error.details.reason === "login-required",
    );
  });
});
