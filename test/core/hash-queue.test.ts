/**
 * Bounded password hashing: at most `concurrency` hashes run at once, the rest wait in arrival order,
 * and a failing one frees its slot.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createHashQueue } from "../../src/core/hash-queue.ts";
import type { PasswordHasher } from "../../src/core/password.ts";

/** A hasher whose calls finish only when the test says so, in any order. */
function controlledHasher() {
  const pending: { password: string; finish: (ok: boolean) => void; fail: (error: Error) => void }[] = [];
  const hasher: PasswordHasher = {
    hash: (password) =>
      new Promise((resolve, reject) =>
        pending.push({ password, finish: () => resolve(`hash:${password}`), fail: reject }),
      ),
    verify: (_hash, password) =>
      new Promise((resolve, reject) => pending.push({ password, finish: resolve, fail: reject })),
  };
  return { hasher, pending };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("hash queue", () => {
  it("runs at most `concurrency` at once and starts the others in arrival order", async () => {
    const { hasher, pending } = controlledHasher();
    const queue = createHashQueue(hasher, 2);
    const results = ["a", "b", "c", "d"].map((p) => queue.verify("h", p));
    await tick();
    assert.deepEqual(
      pending.map((p) => p.password),
      ["a", "b"],
    );
    assert.deepEqual(queue.stats(), { running: 2, waiting: 2 });
    pending[1]?.finish(true);
    await tick();
    assert.deepEqual(
      pending.map((p) => p.password),
      ["a", "b", "c"],
      "c starts as soon as b is done",
    );
    pending[0]?.finish(false);
    await tick();
    pending[2]?.finish(true);
    pending[3]?.finish(true);
    assert.deepEqual(await Promise.all(results), [false, true, true, true]);
    assert.deepEqual(queue.stats(), { running: 0, waiting: 0 });
  });

  it("frees the slot of a hash that fails", async () => {
    const { hasher, pending } = controlledHasher();
    const queue = createHashQueue(hasher, 1);
    const first = queue.hash("a");
    const second = queue.hash("b");
    await tick();
    pending[0]?.fail(new Error("out of memory"));
    await assert.rejects(first, /out of memory/);
    await tick();
    pending[1]?.finish(true);
    assert.equal(await second, "hash:b");
  });

  it("takes turns between owners, so one owner's flood delays another by one turn", async () => {
    const { hasher, pending } = controlledHasher();
    const queue = createHashQueue(hasher, 1);
    const flood = ["f1", "f2", "f3", "f4"].map((p) => queue.verify("h", p, "198.51.100.7"));
    const other = queue.verify("h", "o1", "203.0.113.9");
    await tick();
    pending[0]?.finish(false);
    await tick();
    pending[1]?.finish(false);
    await tick();
    assert.deepEqual(
      pending.map((p) => p.password),
      ["f1", "f2", "o1"],
      "the other owner runs after one more of the flood, not after all of it",
    );
    for (const call of pending.slice(2)) call.finish(true);
    await tick();
    for (const call of pending.slice(3)) call.finish(false);
    await tick();
    pending[4]?.finish(false);
    assert.equal(await other, true);
    assert.deepEqual(await Promise.all(flood), [false, false, false, false]);
  });
});
