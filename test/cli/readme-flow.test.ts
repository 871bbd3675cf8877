/**
 * The README's first-session walk-through, with the real command line in real processes: start the
 * server with a config file, create a user, log in over the JSON API, see the session in
 * `sessiond sessions list`, end it with `sessiond sessions terminate`, and see the client's next
 * request refused with NOT_AUTHENTICATED.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, startServer } from "../helpers/server-process.ts";

test("the README flow works end to end with the real command line", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sessiond-readme-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const configPath = join(dir, "sessiond.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      dataDir: join(dir, "data"),
      http: { host: "127.0.0.1", port: 0 },
      realms: [{ name: "default", idleTimeoutSeconds: 1800, defaultLocale: "en", supportedLocales: ["en", "de"] }],
    }),
  );
  const server = await startServer(["--config", configPath], { SESSIOND_ADMIN_PASSWORD: "change-me" });
  t.after(() => server.stop());

  const added = runCli(["user", "add", "alice", "--config", configPath, "--full-name", "Alice Example"], {
    input: "alice-password\n",
  });
  assert.equal(added.status, 0, added.stderr);
  assert.match(added.stdout, /created user alice/);

  const login = await fetch(`${server.url}/api/v1/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userName: "alice", password: "alice-password" }),
  });
  assert.equal(login.status, 201);
  const { secret, session } = (await login.json()) as { secret: string; session: { key: string; fullName: string } };
  assert.equal(session.fullName, "Alice Example");

  const listed = runCli(["sessions", "list", "--config", configPath, "--url", server.url, "--json"]);
  assert.equal(listed.status, 0, listed.stderr);
  const sessions = JSON.parse(listed.stdout) as { key: string; userName: string }[];
  assert.ok(
    sessions.some((s) => s.key === session.key && s.userName === "alice"),
    "alice's session is listed",
  );

  const table = runCli(["sessions", "list", "--config", configPath, "--url", server.url, "--as", "admin"]);
  assert.match(table.stdout, /alice@default/);

  const ended = runCli(["sessions", "terminate", session.key, "--config", configPath, "--url", server.url]);
  assert.equal(ended.status, 0, ended.stderr);
  assert.match(ended.stdout, new RegExp(`${session.key}: terminated`));

  const after = await fetch(`${server.url}/api/v1/session`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(after.status, 401);
  assert.equal(((await after.json()) as { error: { code: string } }).error.code, "NOT_AUTHENTICATED");

  // The command line ends its own session when done, so the only live session is the listing one.
  const remaining = JSON.parse(
    runCli(["sessions", "list", "--config", configPath, "--url", server.url, "--json"]).stdout,
  );
  assert.equal(remaining.length, 1, "only the listing command's own session is live while it lists");
});

test("the command line explains wrong usage and unknown commands with exit code 2", () => {
  const unknown = runCli(["frobnicate"]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const missing = runCli(["user", "add"]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /Usage: sessiond user add NAME/);
  const help = runCli(["--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /sessions terminate/);
  const badFlag = runCli(["user", "list", "--no-such-flag"]);
  assert.equal(badFlag.status, 2);
});

test("a bad config file is refused with the path of the mistake", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sessiond-badconf-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const configPath = join(dir, "bad.json");
  writeFileSync(configPath, JSON.stringify({ dataDir: dir, http: { port: "eighty" } }));
  const result = runCli(["user", "list", "--config", configPath]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /http\.port must be an integer/);
  writeFileSync(configPath, "{ not json");
  assert.match(runCli(["user", "list", "--config", configPath]).stderr, /is not valid JSON/);
});

test("sessions commands say clearly when no server is running", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sessiond-noserver-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const result = runCli(["sessions", "list", "--data-dir", dir, "--url", "http://127.0.0.1:9"]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /Cannot reach sessiond at http:\/\/127\.0\.0\.1:9/);
});
