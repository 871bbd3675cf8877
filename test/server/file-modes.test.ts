/**
 * Secrets at rest: a real `sessiond serve` process, started from a parent whose umask lets others read
 * (022), keeps what it writes to its own user. Its data directory is tightened to 0700 when it exists
 * with a looser mode, its SQLite files are 0600, and whatever else it writes is private too, under
 * its umask of 077 (here the directories the AstroGrid discovery file needs, made without a mode).
 *
 * @see issue 15, part 4
 */

import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/core/config.ts";
import { openConfiguredStore } from "../../src/server/store-from-config.ts";
import { startServer } from "../helpers/server-process.ts";

const mode = (path: string) => statSync(path).mode & 0o777;

describe("file modes of a running server", () => {
  it("tightens the data directory, makes its SQLite files 0600 and writes everything else privately", async (ctx) => {
    const root = mkdtempSync(join(tmpdir(), "sessiond-modes-"));
    ctx.after(() => rmSync(root, { recursive: true, force: true }));
    const dataDir = join(root, "data");
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const discoveryFile = join(root, "desktop", "runtime", "astrogrid-desktop");
    const configPath = join(root, "sessiond.json");
    writeFileSync(
      configPath,
      JSON.stringify({ dataDir, store: { driver: "sqlite" }, astrogrid: { discoveryFile }, log: { level: "warn" } }),
    );

    // The child inherits the umask of the process that starts it.
    const parentUmask = process.umask(0o022);
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(["--config", configPath], { SESSIOND_ADMIN_PASSWORD: "modes-admin-password" });
    } finally {
      process.umask(parentUmask);
    }
    ctx.after(() => server.stop());
    const login = await fetch(`${server.url}/api/v1/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userName: "admin", password: "modes-admin-password" }),
    });
    assert.equal(login.status, 201);

    assert.equal(mode(dataDir), 0o700, "the data directory was tightened");
    const db = join(dataDir, "sessiond.db");
    for (const file of [db, `${db}-wal`, `${db}-shm`]) assert.equal(mode(file), 0o600, `${file}`);
    assert.equal(mode(join(root, "desktop")), 0o700, "a directory made without a mode, under umask 077");
    assert.equal(mode(join(root, "desktop", "runtime")), 0o700);
    assert.equal(mode(discoveryFile), 0o600);
  });

  it("the store the command line opens (user add, realm add) makes its data directory and database private too", async (ctx) => {
    const root = mkdtempSync(join(tmpdir(), "sessiond-modes-"));
    ctx.after(() => rmSync(root, { recursive: true, force: true }));
    const fresh = join(root, "fresh", "data");
    const loose = join(root, "loose");
    mkdirSync(loose);
    chmodSync(loose, 0o755);
    const parentUmask = process.umask(0o022);
    try {
      for (const dataDir of [fresh, loose]) {
        const store = await openConfiguredStore(parseConfig({ dataDir, store: { driver: "sqlite" } }));
        await store.putSetting("x", 1);
        await store.close();
        assert.equal(mode(dataDir), 0o700, dataDir);
        assert.equal(mode(join(dataDir, "sessiond.db")), 0o600);
      }
    } finally {
      process.umask(parentUmask);
    }
  });
});
