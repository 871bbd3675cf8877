/**
 * `sessiond migrate-store` and `sessiond migrate`, through the real command line: a SQLite store
 * written by a server is copied into a fresh PostgreSQL database, and everything that lasts arrives
 * (realms, groups, users with their password hashes, settings, the audit log, live sessions with
 * their attributes and numbers), connection-bound sessions do not, and numbers never repeat.
 *
 * @see issue 12 ("how to move from SQLite to PostgreSQL")
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { digestSecret } from "../../src/core/secrets.ts";
import type { SessionRecord } from "../../src/core/types.ts";
import { openPostgresStore } from "../../src/store/postgres/index.ts";
import { createSqliteStore } from "../../src/store/sqlite.ts";
import { testPostgres } from "../helpers/postgres.ts";
import { runCli } from "../helpers/server-process.ts";

const pg = await testPostgres();
const dir = mkdtempSync(join(tmpdir(), "sessiond-migrate-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function session(number: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    key: `10000000-0000-4000-8000-${String(number).padStart(12, "0")}`,
    number,
    secretDigest: digestSecret(`secret-${number}`),
    realm: "default",
    userName: "alice",
    impersonatedBy: null,
    protocol: "api",
    createdAt: 1_000,
    loginAt: 1_000,
    lastActiveAt: Date.now(),
    userActiveAt: null,
    callCount: 3,
    locale: "en",
    messageLocale: "en",
    client: { name: "kom", ipAddress: "127.0.0.1" },
    idleTimeoutMs: 3_600_000,
    idleTimeoutChosen: false,
    expiresAt: null,
    binding: null,
    ...overrides,
  };
}

describe("sessiond migrate-store", { skip: pg.skip }, () => {
  it("copies a SQLite store into an empty PostgreSQL database, and refuses a database that is not empty", async () => {
    const path = join(dir, "source.db");
    const source = createSqliteStore({ path });
    await source.putRealm({
      id: "00000000-0000-0000-0000-000000000000",
      name: "default",
      defaultLocale: "en",
      supportedLocales: ["en", "sv"],
      idleTimeoutSeconds: 1800,
      maxIdleTimeoutSeconds: 7200,
      maxLifetimeSeconds: null,
      maxSessionsPerUser: 3,
      maxSessionsPolicy: "evict-oldest",
      allowSelfRegistration: true,
      lockoutAfterFailures: 8,
    });
    await source.putGroup({ realm: "default", name: "ops", number: 10, privileges: ["Sessions.TerminateSession"] });
    const alice = {
      realm: "default",
      number: 2,
      name: "alice",
      fullName: "Alice Example",
      passwordHash: "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$aGFzaA",
      groups: ["ops"],
      privileges: [],
      disabled: false,
      createdAt: 500,
    };
    await source.putUser(alice);
    await source.putSetting("serviceMessage", { text: "Back at 18:00", byLocale: {}, updatedAt: 5, updatedBy: null });
    for (let n = 1; n <= 3; n++) {
      await source.appendAudit({
        at: n,
        type: "login",
        realm: "default",
        userName: "alice",
        sessionKey: null,
        actor: null,
        ipAddress: null,
        protocol: "api",
        detail: `entry ${n}`,
      });
    }
    for (let n = 0; n < 5; n++) await source.nextSessionNumber();
    const kept = session(4);
    await source.insertSession(kept);
    await source.putAttributes(kept.key, [["cart", "3 apples"]], { maxCount: 10, maxTotalBytes: 1000 });
    await source.insertSession(session(5, { binding: { kind: "connection", node: "main", connection: "c1" } }));
    await source.close();

    const url = await pg.freshUrl();
    const run = runCli(["migrate-store", "--from", `sqlite:${path}`, "--to", url]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /copied 1 realms, 1 users, 1 groups, 1 settings, 3 audit entries and 1 sessions \(1 connection- or server-bound/,
    );

    const copied = await openPostgresStore({ url, nodeId: "test" });
    try {
      assert.equal((await copied.getRealm("default"))?.maxSessionsPolicy, "evict-oldest");
      assert.deepEqual(await copied.getUser("default", "alice"), alice);
      assert.deepEqual((await copied.getGroup("default", "ops"))?.privileges, ["Sessions.TerminateSession"]);
      assert.equal(((await copied.getSetting("serviceMessage")) as { text: string }).text, "Back at 18:00");
      assert.deepEqual(
        (await copied.listAudit(null, 10)).map((e) => e.detail),
        ["entry 1", "entry 2", "entry 3"],
      );
      assert.deepEqual(await copied.getSessionByDigest(kept.secretDigest), kept, "the secret still works");
      assert.deepEqual(await copied.listAttributes(kept.key), { cart: "3 apples" });
      assert.equal(await copied.getSessionByNumber(5), null, "a connection-bound session ends with its process");
      assert.ok((await copied.nextSessionNumber()) > 5, "numbers continue past every number the source handed out");
    } finally {
      await copied.close();
    }

    const again = runCli(["migrate-store", "--from", `sqlite:${path}`, "--to", url]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /not empty/);
  });

  it("`sessiond migrate` brings an empty PostgreSQL database to this version, then has nothing to do", async () => {
    const url = await pg.freshUrl();
    const env = { SESSIOND_STORE: "postgres", SESSIOND_STORE_URL: url };
    const first = runCli(["migrate"], { env });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /migrated the postgres schema from version 0 to \d+/);
    const second = runCli(["migrate"], { env });
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /is at version \d+: nothing to do/);
  });
});
