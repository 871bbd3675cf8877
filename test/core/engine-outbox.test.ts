/**
 * The engine and the webhook outbox: a call answers only once the events it caused are written to
 * the outbox, and directory changes reach it too. A failing outbox write is logged, and the call still
 * answers.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createManualClock } from "../../src/core/clock.ts";
import { parseConfig } from "../../src/core/config.ts";
import { createEngine, type EngineLogger } from "../../src/core/engine.ts";
import type { CallContext } from "../../src/core/operation.ts";
import { login } from "../../src/core/ops/index.ts";
import type { EventOutbox } from "../../src/core/webhook-outbox.ts";
import { provision } from "../../src/server/provision.ts";
import { createMemoryStore } from "../../src/store/memory/index.ts";
import { CHEAP_HASHER } from "../helpers/engine.ts";

const CALLER: CallContext = { protocol: "api", ipAddress: "127.0.0.1", isLoopback: true };
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

async function engineWith(outbox: EventOutbox, log?: EngineLogger) {
  const engine = createEngine({
    store: createMemoryStore(),
    clock: createManualClock(),
    hasher: CHEAP_HASHER,
    outbox,
    ...(log ? { log } : {}),
  });
  await provision(engine, parseConfig({ store: { driver: "memory" } }), "admin-password");
  return engine;
}

describe("engine and webhook outbox", () => {
  it("answers a call only once the outbox holds the events it caused", async () => {
    const recorded: string[] = [];
    const held: (() => void)[] = [];
    let holding = false;
    const engine = await engineWith({
      recordEvent(event) {
        recorded.push(event.type);
        return holding ? new Promise((resolve) => held.push(resolve)) : Promise.resolve();
      },
      async recordChange(notice) {
        recorded.push(notice.change);
      },
    });
    assert.deepEqual(recorded, ["realm-created", "user-created"], "directory changes: the default realm and admin");

    holding = true;
    let answered = false;
    const call = engine.call(login, CALLER, { userName: "admin", password: "admin-password" }).then((result) => {
      answered = true;
      return result;
    });
    while (held.length < 2) await nextTurn();
    await nextTurn();
    assert.equal(answered, false, "the login waits for its events' outbox writes");
    for (const release of held) release();
    const result = await call;
    assert.equal(answered, true);
    assert.deepEqual(recorded, ["realm-created", "user-created", "created", "login"]);
    assert.ok(result.secret);
  });

  it("logs a failed outbox write and answers the call all the same", async () => {
    const errors: string[] = [];
    const log: EngineLogger = { error: (_object, message) => errors.push(message ?? ""), warn() {}, info() {} };
    const engine = await engineWith(
      { recordEvent: () => Promise.reject(new Error("store down")), recordChange: async () => {} },
      log,
    );
    const result = await engine.call(login, CALLER, { userName: "admin", password: "admin-password" });
    assert.ok(result.secret);
    assert.ok(errors.includes("Could not write to the webhook outbox"));
  });
});
