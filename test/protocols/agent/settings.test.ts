/** Unit tests of the `agent` configuration block and of the host id kept in the data directory. */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "../../../src/core/config.ts";
import { SessionError } from "../../../src/core/errors.ts";
import { agentInfo } from "../../../src/protocols/agent/door.ts";
import { HOST_ID_FILE, loadOrCreateHostId } from "../../../src/protocols/agent/host-id.ts";
import { parseAgentSettings } from "../../../src/protocols/agent/settings.ts";
import { buildApp } from "../../../src/server/app.ts";
import { startApp } from "../../helpers/start-app.ts";

const HTTP = { host: "127.0.0.1", tls: null };

function refused(raw: Record<string, unknown>, path: RegExp, http: Parameters<typeof parseAgentSettings>[1] = HTTP) {
  assert.throws(
    () => parseAgentSettings(raw, http),
    (error: unknown) => error instanceof SessionError && error.code === "INVALID_ARGUMENT" && path.test(error.message),
  );
}

describe("agent settings", () => {
  it("are off without an agent block and all defaults with an empty one", () => {
    assert.equal(parseAgentSettings(undefined, HTTP), undefined);
    assert.deepEqual(parseAgentSettings({}, HTTP), {
      host: "127.0.0.1",
      port: 4433,
      tlsPort: 4434,
      tls: null,
      hostId: undefined,
      maxPacketBytes: 1024 * 1024,
      maxConnections: 1000,
      maxConnectionsPerAddress: 100,
      unauthenticatedIdleSeconds: 60,
      loginTimeoutSeconds: 120,
      maxQueuedPackets: 64,
    });
  });

  it("take host and certificate from http unless given their own", () => {
    const http = { host: "0.0.0.0", tls: { cert: "c.pem", key: "k.pem" } };
    assert.deepEqual(parseAgentSettings({}, http)?.tls, http.tls);
    assert.equal(parseAgentSettings({}, http)?.host, "0.0.0.0");
    const own = parseAgentSettings({ host: "::1", tls: { cert: "a.pem", key: "b.pem" } }, http);
    assert.deepEqual(own?.tls, { cert: "a.pem", key: "b.pem" });
    assert.equal(own?.host, "::1");
    assert.equal(parseAgentSettings({ tls: null }, http)?.tls, null, "null turns TLS off");
  });

  it("accept every setting in range, a GUID host id (lower-cased) and null ports", () => {
    const settings = parseAgentSettings(
      {
        port: 0,
        tlsPort: null,
        hostId: "4FCE28DD-0CD3-1345-BB94-3192B940FB90",
        maxPacketBytes: 2048,
        maxConnections: 5,
        maxConnectionsPerAddress: 2,
        unauthenticatedIdleSeconds: 0.25,
        maxQueuedPackets: 1,
      },
      HTTP,
    );
    assert.equal(settings?.hostId, "4fce28dd-0cd3-1345-bb94-3192b940fb90");
    assert.equal(settings?.tlsPort, null);
    assert.equal(settings?.unauthenticatedIdleSeconds, 0.25);
    assert.equal(parseAgentSettings({ port: null }, { host: "h", tls: { cert: "c", key: "k" } })?.port, null);
  });

  it("refuse unknown and wrong settings, naming the path", () => {
    refused({ prot: 1 }, /agent\.prot is not a known setting/);
    refused({ port: 65536 }, /agent\.port must be an integer/);
    refused({ tlsPort: "4434" }, /agent\.tlsPort/);
    refused({ host: "" }, /agent\.host/);
    refused({ hostId: "host-1" }, /agent\.hostId must be a GUID/);
    refused({ maxPacketBytes: 10 }, /agent\.maxPacketBytes/);
    refused({ maxConnections: 0 }, /agent\.maxConnections/);
    refused({ maxConnectionsPerAddress: 1.5 }, /agent\.maxConnectionsPerAddress/);
    refused({ unauthenticatedIdleSeconds: 0 }, /agent\.unauthenticatedIdleSeconds/);
    refused({ loginTimeoutSeconds: -1 }, /agent\.loginTimeoutSeconds/);
    refused({ maxQueuedPackets: -1 }, /agent\.maxQueuedPackets/);
    refused({ tls: { cert: "c" } }, /agent\.tls\.key/);
    refused({ tls: { cert: "c", key: "k", ca: "x" } }, /agent\.tls\.ca is not a known setting/);
    refused({ port: null }, /agent\.port is null/);
    refused({ port: 5000, tlsPort: 5000 }, /agent\.tlsPort must differ/, { host: "h", tls: { cert: "c", key: "k" } });
  });

  it("are checked when the app is built, before anything listens", async () => {
    const config = parseConfig({ agent: { colour: "blue" } });
    assert.deepEqual(config.frontDoors.agent, { colour: "blue" });
    await assert.rejects(
      buildApp(parseConfig({ store: { driver: "memory" }, agent: { colour: "blue" } })),
      /agent\.colour is not a known setting/,
    );
  });
});

describe("agent host id", () => {
  it("is made once in the data directory, owner-only, and read back after that", () => {
    const dir = mkdtempSync(join(tmpdir(), "sessiond-agent-host-"));
    try {
      const dataDir = join(dir, "data");
      const made = loadOrCreateHostId(dataDir);
      assert.match(made, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const file = join(dataDir, HOST_ID_FILE);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(readFileSync(file, "utf8"), `${made}\n`);
      assert.equal(loadOrCreateHostId(dataDir), made);
      writeFileSync(file, "not a guid\n");
      assert.throws(() => loadOrCreateHostId(dataDir), /does not hold a GUID/);
      writeFileSync(file, "4FCE28DD-0CD3-1345-BB94-3192B940FB90");
      assert.equal(loadOrCreateHostId(dataDir), "4fce28dd-0cd3-1345-bb94-3192b940fb90");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is what a server without agent.hostId uses, from its data directory", async () => {
    const t = await startApp({ agent: { port: 0, tlsPort: 0 } });
    try {
      const id = readFileSync(join(t.dataDir, HOST_ID_FILE), "utf8").trim();
      assert.equal(agentInfo(t.app.doors)?.hostId, id);
      assert.deepEqual(
        agentInfo(t.app.doors)?.listeners.map((l) => l.name),
        ["agent"],
        "no TLS listener without a certificate",
      );
    } finally {
      await t.stop();
    }
  });

  it("is not written, and no Agent port opened, without an agent block", async () => {
    const t = await startApp();
    try {
      assert.equal(agentInfo(t.app.doors), undefined);
      assert.throws(() => statSync(join(t.dataDir, HOST_ID_FILE)), /ENOENT/);
    } finally {
      await t.stop();
    }
  });
});
