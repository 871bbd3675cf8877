import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SESSION_LIMITS, parseConfig } from "../../src/core/config.ts";
import { SessionError } from "../../src/core/errors.ts";

/** The example configuration of the design (section 7). */
const DESIGN_EXAMPLE = {
  dataDir: "./data",
  store: { driver: "sqlite" },
  http: { host: "127.0.0.1", port: 8480, tls: { cert: "cert.pem", key: "key.pem" } },
  agent: { host: "127.0.0.1", port: 4433, tlsPort: 4434 },
  astrogrid: { discoveryFile: "~/.astrogrid-desktop" },
  realms: [
    {
      name: "default",
      id: "00000000-0000-0000-0000-000000000000",
      idleTimeoutSeconds: 1800,
      defaultLocale: "en",
      supportedLocales: ["en", "de", "sv"],
      users: [
        {
          name: "root",
          number: 0,
          password: "mypass",
          fullName: "Root",
          groups: ["root"],
          privileges: ["Sessions.TerminateSession"],
        },
      ],
      groups: [{ name: "root", number: 0, privileges: [] }],
    },
  ],
};

/** Asserts that parsing fails with INVALID_ARGUMENT whose message and details name `path`. */
function refuses(raw: unknown, path: string): void {
  assert.throws(
    () => parseConfig(raw),
    (error: unknown) => {
      assert.ok(error instanceof SessionError);
      assert.equal(error.code, "INVALID_ARGUMENT");
      assert.ok(error.message.includes(path), `the message "${error.message}" names ${path}`);
      assert.equal(error.details.path, path);
      return true;
    },
  );
}

describe("parseConfig", () => {
  it("fills in the defaults for an empty configuration", () => {
    for (const config of [parseConfig({}), parseConfig(undefined)]) {
      assert.equal(config.dataDir, "./data");
      assert.equal(config.nodeId, "main");
      assert.deepEqual(config.store, {
        driver: "sqlite",
        path: "sessiond.db",
        durability: "normal",
        url: null,
        poolSize: 10,
      });
      assert.deepEqual(config.cluster, {
        leaseTtlMs: 15_000,
        heartbeatMs: 5_000,
        maxClockSkewMs: 2_000,
        reconcileMs: 5_000,
      });
      assert.equal(config.http.host, "127.0.0.1");
      assert.equal(config.http.port, 8480);
      assert.equal(config.http.tls, null);
      assert.equal(config.http.bodyLimitBytes, 1024 * 1024);
      assert.equal(config.log.level, "info");
      assert.deepEqual(config.sessions, DEFAULT_SESSION_LIMITS);
      assert.equal(config.sessions.activityFlushMs, 1000);
      assert.deepEqual(config.realms, []);
    }
  });

  it("does not share default objects between parses", () => {
    const one = parseConfig({});
    one.sessions.maxAttributes = 1;
    one.http.port = 1;
    const two = parseConfig({});
    assert.equal(two.sessions.maxAttributes, DEFAULT_SESSION_LIMITS.maxAttributes);
    assert.equal(two.http.port, 8480);
  });

  it("parses the design's example configuration", () => {
    const config = parseConfig(structuredClone(DESIGN_EXAMPLE));
    assert.equal(config.store.driver, "sqlite");
    assert.deepEqual(config.http.tls, { cert: "cert.pem", key: "key.pem" });
    assert.equal(config.http.port, 8480);
    assert.deepEqual(config.frontDoors.agent, { host: "127.0.0.1", port: 4433, tlsPort: 4434 });
    assert.deepEqual(config.frontDoors.astrogrid, { discoveryFile: "~/.astrogrid-desktop" });
    const [realm] = config.realms;
    assert.equal(realm?.name, "default");
    assert.equal(realm?.id, "00000000-0000-0000-0000-000000000000");
    assert.deepEqual(realm?.supportedLocales, ["en", "de", "sv"]);
    assert.equal(realm?.idleTimeoutSeconds, 1800);
    assert.equal(realm?.users[0]?.name, "root");
    assert.equal(realm?.users[0]?.number, 0);
    assert.equal(realm?.users[0]?.password, "mypass");
    assert.deepEqual(realm?.users[0]?.groups, ["root"]);
    assert.deepEqual(realm?.users[0]?.privileges, ["Sessions.TerminateSession"]);
    assert.deepEqual(realm?.groups, [{ name: "root", number: 0, privileges: [] }]);
  });

  it("accepts the settings tests rely on", () => {
    const config = parseConfig({
      store: { driver: "memory" },
      http: { host: "::1", port: 0, bodyLimitBytes: 2048 },
      log: { level: "silent" },
      sessions: { activityFlushMs: 50, maxAttributes: 3 },
      nodeId: "node-2",
    });
    assert.equal(config.store.driver, "memory");
    assert.equal(config.http.port, 0);
    assert.equal(config.http.bodyLimitBytes, 2048);
    assert.equal(config.log.level, "silent");
    assert.equal(config.sessions.activityFlushMs, 50);
    assert.equal(config.sessions.maxAttributes, 3);
    assert.equal(config.sessions.sweepIntervalMs, DEFAULT_SESSION_LIMITS.sweepIntervalMs);
    assert.equal(config.nodeId, "node-2");
  });

  it("refuses unknown keys, naming their path", () => {
    refuses({ dataDirectory: "x" }, "dataDirectory");
    refuses({ http: { hots: "x" } }, "http.hots");
    refuses({ store: { driver: "memory", file: "x" } }, "store.file");
    refuses({ sessions: { idleTimeout: 5 } }, "sessions.idleTimeout");
    refuses({ realms: [{ name: "default", idle: 5 }] }, "realms[0].idle");
    refuses({ realms: [{ name: "default", users: [{ name: "u", pasword: "x" }] }] }, "realms[0].users[0].pasword");
    refuses({ realms: [{ name: "default", groups: [{ name: "g", members: [] }] }] }, "realms[0].groups[0].members");
    refuses({ http: { tls: { cert: "c", key: "k", ca: "x" } } }, "http.tls.ca");
  });

  it("refuses bad values, naming their path", () => {
    refuses({ store: { driver: "mongodb" } }, "store.driver");
    refuses({ http: { port: 70000 } }, "http.port");
    refuses({ http: { port: "8480" } }, "http.port");
    refuses({ http: { port: -1 } }, "http.port");
    refuses({ http: { tls: { cert: "c" } } }, "http.tls.key");
    refuses({ log: { level: "verbose" } }, "log.level");
    refuses({ sessions: { maxAttributes: 0 } }, "sessions.maxAttributes");
    refuses({ sessions: { activityFlushMs: 1.5 } }, "sessions.activityFlushMs");
    refuses({ dataDir: "" }, "dataDir");
    refuses({ nodeId: "a/b" }, "nodeId");
    refuses({ realms: {} }, "realms");
    refuses({ realms: [{ name: "Not A Slug" }] }, "realms[0].name");
    refuses({ realms: [{ name: "default", id: "not-a-guid" }] }, "realms[0].id");
    refuses({ realms: [{ name: "default", defaultLocale: "english" }] }, "realms[0].defaultLocale");
    refuses({ realms: [{ name: "default", supportedLocales: ["en", "EN-us"] }] }, "realms[0].supportedLocales");
    refuses({ realms: [{ name: "default", idleTimeoutSeconds: -5 }] }, "realms[0].idleTimeoutSeconds");
    refuses({ realms: [{ name: "default", maxSessionsPerUser: 0 }] }, "realms[0].maxSessionsPerUser");
    refuses({ realms: [{ name: "default", maxSessionsPolicy: "random" }] }, "realms[0].maxSessionsPolicy");
    refuses(
      { realms: [{ name: "default", users: [{ name: "u", privileges: ["Root.All"] }] }] },
      "realms[0].users[0].privileges[0]",
    );
    refuses(
      { realms: [{ name: "default", users: [{ name: "u", passwordHash: "plain" }] }] },
      "realms[0].users[0].passwordHash",
    );
    refuses({ realms: [{ name: "default", users: [{ name: "u", number: 1.5 }] }] }, "realms[0].users[0].number");
    refuses({ realms: [{ name: "a" }, { name: "a" }] }, "realms[1].name");
    refuses({ agent: "yes" }, "agent");
    refuses({ store: { driver: "postgres" } }, "store.url");
    refuses({ store: { driver: "postgres", url: "mysql://x" } }, "store.url");
    refuses({ store: { poolSize: 0 } }, "store.poolSize");
    refuses({ cluster: { leaseTtlMs: 0 } }, "cluster.leaseTtlMs");
    refuses({ cluster: { heartbeatMs: 10_000, leaseTtlMs: 15_000 } }, "cluster.heartbeatMs");
    refuses({ cluster: { gossip: true } }, "cluster.gossip");
    refuses({ sessions: { hashConcurrency: -1 } }, "sessions.hashConcurrency");
  });

  // @see issue 15, part 3: what a stranger can make the server hold, as settings with safe defaults.
  it("has limits on anonymous sessions and on the HTTP listener, with safe defaults, that it checks", () => {
    const config = parseConfig({});
    assert.equal(config.sessions.anonymousMaxIdleTimeoutSeconds, 1800);
    assert.equal(config.sessions.anonymousMaxAttributes, 16);
    assert.equal(config.sessions.anonymousMaxAttributeTotalBytes, 16 * 1024);
    assert.equal(config.sessions.anonymousSessionsPerAddress, 1000);
    assert.equal(config.sessions.anonymousCreationsPerMinute, 60);
    assert.equal(config.sessions.maxDatabaseBytes, 0, "no cap: the disk's size is the operator's to know");
    assert.deepEqual(
      { ...config.http, host: undefined, port: undefined, tls: undefined, bodyLimitBytes: undefined },
      {
        host: undefined,
        port: undefined,
        tls: undefined,
        bodyLimitBytes: undefined,
        maxConnections: 10_000,
        maxConnectionsPerAddress: 256,
        firstByteTimeoutMs: 5000,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        maxEventStreams: 4096,
        maxEventStreamsPerAddress: 128,
        maxEventStreamsPerSession: 8,
      },
    );
    const set = parseConfig({
      http: { maxConnectionsPerAddress: 2, requestTimeoutMs: 5000, headersTimeoutMs: 5000 },
      sessions: { maxDatabaseBytes: 1 << 30, anonymousSessionsPerAddress: 5 },
    });
    assert.equal(set.http.maxConnectionsPerAddress, 2);
    assert.equal(set.http.requestTimeoutMs, 5000);
    assert.equal(set.sessions.maxDatabaseBytes, 1 << 30);
    assert.equal(set.sessions.anonymousSessionsPerAddress, 5);
    refuses({ http: { maxConnections: 0 } }, "http.maxConnections");
    refuses({ http: { firstByteTimeoutMs: 1.5 } }, "http.firstByteTimeoutMs");
    refuses({ http: { headersTimeoutMs: 60_000 } }, "http.headersTimeoutMs");
    refuses({ sessions: { anonymousCreationsPerMinute: 0 } }, "sessions.anonymousCreationsPerMinute");
    refuses({ sessions: { maxDatabaseBytes: -1 } }, "sessions.maxDatabaseBytes");
  });

  it("takes a postgres store with its URL, and the cluster settings", () => {
    const config = parseConfig({
      store: { driver: "postgres", url: "postgres://sessiond@db:5432/sessiond", poolSize: 4 },
      cluster: { leaseTtlMs: 9_000, heartbeatMs: 3_000 },
    });
    assert.equal(config.store.url, "postgres://sessiond@db:5432/sessiond");
    assert.equal(config.store.poolSize, 4);
    assert.equal(config.cluster.leaseTtlMs, 9_000);
    assert.equal(config.cluster.heartbeatMs, 3_000);
    assert.equal(config.cluster.maxClockSkewMs, 2_000);
  });

  it("refuses a top level that is not an object", () => {
    for (const raw of [null, [], "config", 5]) {
      assert.throws(
        () => parseConfig(raw),
        (error: unknown) => error instanceof SessionError && error.code === "INVALID_ARGUMENT",
      );
    }
  });

  it("never echoes a password in its error message", () => {
    try {
      parseConfig({ realms: [{ name: "default", users: [{ name: "bad name!", password: "hunter2-secret" }] }] });
      assert.fail("should refuse the name");
    } catch (error) {
      assert.ok(error instanceof SessionError);
      assert.ok(!error.message.includes("hunter2-secret"));
    }
  });
});
