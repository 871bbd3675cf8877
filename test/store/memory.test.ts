import assert from "node:assert/strict";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type { SessionRecord } from "../../src/core/types.ts";
import { createMemoryStore } from "../../src/store/memory/index.ts";
import { storeContract } from "./contract/index.ts";

storeContract("memory", async () => createMemoryStore());

function digestOf(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function session(number: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    key: randomUUID(),
    number,
    secretDigest: digestOf(`secret-${number}-${Math.random()}`),
    realm: "default",
    userName: `user${number % 7}`,
    impersonatedBy: null,
    protocol: "api",
    createdAt: 1_000,
    loginAt: 1_000,
    lastActiveAt: 1_000,
    userActiveAt: null,
    callCount: 0,
    locale: "en",
    messageLocale: "en",
    client: { ipAddress: "127.0.0.1", userAgent: "test/1.0" },
    idleTimeoutMs: 1_800_000,
    idleTimeoutChosen: false,
    expiresAt: null,
    binding: null,
    ...overrides,
  };
}

describe("memory store", () => {
  it("reuses slots after deletes and keeps every lookup right", async () => {
    const store = createMemoryStore();
    const records = new Map<number, SessionRecord>();
    for (let n = 1; n <= 2_000; n++) {
      const record = session(n, n % 3 === 0 ? { client: { name: "x" }, binding: { kind: "server", node: "a" } } : {});
      records.set(n, record);
      await store.insertSession(record);
    }
    // Delete every other session, then fill the freed slots with new ones.
    for (let n = 1; n <= 2_000; n += 2) {
      const record = records.get(n) as SessionRecord;
      assert.deepEqual(await store.takeSession(record.key), record);
      records.delete(n);
    }
    for (let n = 2_001; n <= 3_000; n++) {
      const record = session(n, { userName: n % 2 ? null : "late", locale: `l${n % 5}`, expiresAt: 5_000 + n });
      records.set(n, record);
      await store.insertSession(record);
    }
    assert.equal(await store.countSessions({}), records.size);
    for (const [n, record] of records) {
      assert.deepEqual(await store.getSessionByKey(record.key), record);
      assert.deepEqual(await store.getSessionByDigest(record.secretDigest), record);
      assert.deepEqual(await store.getSessionByNumber(n), record);
    }
    for (let n = 1; n <= 2_000; n += 2) assert.equal(await store.getSessionByNumber(n), null);
    const all: SessionRecord[] = [];
    let after: number | null = null;
    for (;;) {
      const page = await store.listSessions({}, after, 333);
      all.push(...page.sessions);
      if (page.nextAfter === null) break;
      after = page.nextAfter;
    }
    assert.deepEqual(
      all,
      [...records.values()].sort((a, b) => a.number - b.number),
    );
    const late = await store.listSessions({ userName: "late" }, null, 10_000);
    assert.equal(late.sessions.length, 500);
    assert.equal(await store.countSessions({ userName: "late" }), 500);
    assert.equal(await store.countSessions({ realm: "default", protocol: "api" }), records.size);
  });

  it("takes exactly the expired few out of 200,000 sessions", async () => {
    const store = createMemoryStore();
    const expiring = new Set<string>();
    const digests = randomBytes(32 * 200_000).toString("hex");
    for (let n = 1; n <= 200_000; n++) {
      const soon = n % 40_000 === 7;
      const record = session(n, {
        secretDigest: digests.slice((n - 1) * 64, n * 64),
        lastActiveAt: soon ? 10_000 : 20_000 + n,
        idleTimeoutMs: n % 2 ? 60_000 : null,
        expiresAt: soon && n % 2 === 0 ? 50_000 : n % 2 ? null : 10_000_000,
      });
      if (soon) expiring.add(record.key);
      await store.insertSession(record);
    }
    // Touch one that was about to expire: it must survive.
    const touched = [...expiring][0] as string;
    await store.applyActivity([{ key: touched, lastActiveAt: 100_000, calls: 1, userActiveAt: null }]);
    expiring.delete(touched);
    const taken = await store.takeExpiredSessions(75_000, 1_000);
    assert.deepEqual(new Set(taken.map((s) => s.key)), expiring);
    assert.deepEqual(await store.takeExpiredSessions(75_000, 1_000), []);
    assert.equal(await store.countSessions({}), 200_000 - expiring.size);
    assert.ok(await store.getSessionByKey(touched));
  });

  it("keeps keys and digests that are not in canonical form", async () => {
    const store = createMemoryStore();
    const odd = [
      session(1, { key: "k1", secretDigest: "d1" }),
      session(2, { key: randomUUID().toUpperCase(), secretDigest: digestOf("2").toUpperCase() }),
      session(3, { key: "", secretDigest: `${digestOf("3")} ` }),
      session(4, { key: "00000000-0000-0000-0000-00000000000g", secretDigest: "z".repeat(64) }),
      session(5),
    ];
    for (const record of odd) await store.insertSession(record);
    for (const record of odd) {
      assert.deepEqual(await store.getSessionByKey(record.key), record);
      assert.deepEqual(await store.getSessionByDigest(record.secretDigest), record);
    }
    assert.equal(await store.getSessionByKey((odd[1] as SessionRecord).key.toLowerCase()), null);
    await assert.rejects(store.insertSession(session(6, { key: "k1" })), { code: "ALREADY_EXISTS" });
    await assert.rejects(store.insertSession(session(6, { secretDigest: "d1" })), { code: "ALREADY_EXISTS" });
    assert.deepEqual(await store.takeSession("k1"), odd[0]);
    assert.equal(await store.getSessionByDigest("d1"), null);
    await store.insertSession(session(7, { key: "k1", secretDigest: "d1" }));
    assert.equal((await store.getSessionByDigest("d1"))?.number, 7);
  });

  it("keeps per-user lists and counts right when user names change", async () => {
    const store = createMemoryStore();
    const records = Array.from({ length: 30 }, (_, i) => session(i + 1, { userName: i % 3 ? "ann" : null }));
    for (const record of records) await store.insertSession(record);
    assert.equal(await store.countSessions({ userName: "ann" }), 20);
    for (const record of records.slice(0, 12)) {
      await store.updateSession(record.key, { userName: record.number % 2 ? "bob" : null });
    }
    await store.updateSession((records[29] as SessionRecord).key, { userName: "ann" });
    await store.takeSession((records[28] as SessionRecord).key);
    const ann = (await store.listSessions({ userName: "ann" }, null, 100)).sessions.map((s) => s.number);
    assert.deepEqual(ann, [14, 15, 17, 18, 20, 21, 23, 24, 26, 27, 30]);
    const bob = await store.listSessions({ userName: "bob", realm: "default" }, 3, 2);
    assert.deepEqual(
      bob.sessions.map((s) => s.number),
      [5, 7],
    );
    assert.equal(bob.nextAfter, 7);
    assert.equal(await store.countSessions({ userName: "bob" }), 6);
    assert.equal(await store.countSessions({ userName: "bob", protocol: "api" }), 6);
    assert.equal(await store.countSessions({ userName: "nobody" }), 0);
    assert.equal(await store.countSessions({ realm: "default" }), 29);
    assert.equal(await store.countSessions({ protocol: "vsphere" }), 0);
  });

  it("hands out fresh records and copies", async () => {
    const store = createMemoryStore();
    const record = session(1, { client: { name: "c", version: "1" } });
    await store.insertSession(record);
    const got = (await store.getSessionByKey(record.key)) as SessionRecord;
    got.client.name = "changed";
    record.client.version = "2";
    assert.deepEqual((await store.getSessionByKey(record.key))?.client, { name: "c", version: "1" });
  });
});

describe("memory store clients", () => {
  it("keeps each session's client right when interned clients are freed and reused", async () => {
    const store = createMemoryStore();
    const a = session(1, { client: { name: "a" } });
    const b = session(2, { client: { name: "b", version: "2" } });
    await store.insertSession(a);
    await store.takeSession(a.key);
    await store.insertSession(b);
    const c = session(3, { client: { name: "a" } });
    await store.insertSession(c);
    assert.deepEqual((await store.getSessionByKey(b.key))?.client, { name: "b", version: "2" });
    assert.deepEqual((await store.getSessionByKey(c.key))?.client, { name: "a" });
  });
});
