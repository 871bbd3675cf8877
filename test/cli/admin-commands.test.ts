/**
 * The directory and audit commands with the real command line in real processes (issue 14): while a
 * server runs on the data directory they go through its API, authenticated by local ticket, so a
 * change takes effect at once (disabling a user ends their live session there and then); with no
 * server they write and read the store; `sessiond audit` filters and pages the log either way.
 */

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { RUNNING_SERVER_FILE } from "../../src/server/running-server.ts";
import { startServer } from "../helpers/server-process.ts";

interface AuditPage {
  entries: {
    id: number;
    kind: string;
    userName: string | null;
    realm: string | null;
    actor: string | null;
    sessionKey?: string | null;
  }[];
  nextAfter: number | null;
}

const CLI = ["--import", "tsx", fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url))];

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a `sessiond` command without blocking this process (unlike `runCli`): while a synchronous child
 * runs, this process's idle keep-alive sockets go unwatched, and the next `fetch` would take one the
 * server has closed meanwhile.
 */
function runCliAsync(args: string[], input = ""): Promise<CliResult> {
  const child = spawn(process.execPath, [...CLI, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(input);
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

function setUp(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), "sessiond-admin-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, "data");
  const configPath = join(dir, "sessiond.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      dataDir,
      http: { host: "127.0.0.1", port: 0 },
      realms: [{ name: "default", defaultLocale: "en", supportedLocales: ["en"] }],
    }),
  );
  const cli = (args: string[], input?: string) => runCliAsync([...args, "--config", configPath], input);
  return { dataDir, configPath, cli };
}

function ok(result: CliResult, what: string) {
  assert.equal(result.status, 0, `${what}: ${result.stderr}`);
  return result;
}

test("while the server runs, user, realm, group and audit commands go through its API and take effect at once", async (t) => {
  const { dataDir, configPath, cli } = setUp(t);
  const server = await startServer(["--config", configPath], {
    SESSIOND_ADMIN_PASSWORD: "admin-password",
  });
  t.after(() => server.stop());
  assert.ok(existsSync(join(dataDir, RUNNING_SERVER_FILE)), "the server announced itself in its data directory");

  assert.match(
    ok(await cli(["user", "add", "carol", "--full-name", "Carol C"], "carol-password\n"), "user add").stdout,
    /created user carol/,
  );
  const login = await fetch(`${server.url}/api/v1/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userName: "carol", password: "carol-password" }),
  });
  assert.equal(login.status, 201);
  const { secret } = (await login.json()) as { secret: string };

  const disabled = ok(await cli(["user", "disable", "carol"]), "user disable");
  assert.match(disabled.stdout, /user carol disabled; 1 session\(s\) ended/);
  const whoAmI = await fetch(`${server.url}/api/v1/session`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(whoAmI.status, 401, "carol's live session ended at once");

  ok(await cli(["realm", "add", "lab", "--idle-timeout", "600", "--locale", "en"]), "realm add");
  ok(await cli(["realm", "set", "lab", "--max-sessions-per-user", "2"]), "realm set");
  const lab = JSON.parse(ok(await cli(["realm", "show", "lab", "--json"]), "realm show").stdout);
  assert.deepEqual([lab.idleTimeoutSeconds, lab.maxSessionsPerUser], [600, 2]);
  const realms = JSON.parse(ok(await cli(["realm", "list", "--json"]), "realm list").stdout) as { name: string }[];
  assert.deepEqual(
    realms.map((r) => r.name),
    ["default", "lab"],
  );
  ok(await cli(["group", "add", "ops", "--realm", "lab", "--privilege", "Sessions.TerminateSession"]), "group add");
  assert.match(
    ok(await cli(["group", "list", "--realm", "lab"]), "group list").stdout,
    /ops\s+Sessions\.TerminateSession/,
  );

  const ticket = ok(await cli(["user", "login-ticket", "admin", "--json"]), "user login-ticket");
  const { ticket: oneTime } = JSON.parse(ticket.stdout) as { ticket: string };
  const ticketLogin = (password: string) =>
    fetch(`${server.url}/api/v1/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userName: "admin", password }),
    });
  assert.equal((await ticketLogin(oneTime)).status, 201);
  assert.equal((await ticketLogin(oneTime)).status, 401, "a login ticket works once");

  // Every change above was made by the server, for the administrator who logged in by local ticket.
  const changes = JSON.parse(
    ok(await cli(["audit", "--json", "--kind", "user-disabled"]), "audit").stdout,
  ) as AuditPage;
  assert.deepEqual(
    changes.entries.map((e) => [e.userName, e.actor]),
    [["carol", "admin@default"]],
  );
  const carols = JSON.parse(
    ok(await cli(["audit", "--json", "--user", "carol", "--realm", "default"]), "audit").stdout,
  );
  assert.deepEqual(
    (carols as AuditPage).entries.map((e) => e.kind),
    ["user-created", "login", "user-disabled", "terminated"],
  );
  // One session's trail, by its key: carol's session's login and its ending, not her user's changes.
  const carolSession = (carols as AuditPage).entries.find((e) => e.kind === "login")?.sessionKey ?? "";
  const trail = JSON.parse(ok(await cli(["audit", "--json", "--session", carolSession]), "audit --session").stdout);
  assert.deepEqual(
    (trail as AuditPage).entries.map((e) => e.kind),
    ["login", "terminated"],
  );
  const first = ok(await cli(["audit", "--user", "carol", "--limit", "1"]), "audit page");
  assert.match(first.stdout, /ID\s+AT\s+KIND/);
  assert.match(first.stdout, /user-created\s+carol@default\s+admin@default\s+api/);
  const next = /--after (\d+)/.exec(first.stderr)?.[1];
  assert.ok(next, `the first page says where the next starts: ${first.stderr}`);
  const second = JSON.parse(
    ok(await cli(["audit", "--json", "--user", "carol", "--limit", "1", "--after", next]), "page 2").stdout,
  );
  assert.equal((second as AuditPage).entries[0]?.kind, "login");

  const bad = await cli(["audit", "--kind", "made-up"]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /kind/);
  assert.match(bad.stderr, /INVALID_ARGUMENT/);

  assert.equal(await server.stop(), 0);
  assert.ok(!existsSync(join(dataDir, RUNNING_SERVER_FILE)), "the server removed its notice when it stopped");
});

test("with no server, the commands write and read the store; a notice whose server is gone is passed over", async (t) => {
  const { dataDir, cli } = setUp(t);
  ok(await cli(["user", "add", "dave", "--no-password"]), "user add");
  assert.match(ok(await cli(["user", "disable", "dave"]), "user disable").stdout, /0 session\(s\) ended/);
  const users = JSON.parse(ok(await cli(["user", "list", "--json"]), "user list").stdout) as {
    name: string;
    disabled: boolean;
  }[];
  assert.deepEqual(
    users.find((u) => u.name === "dave"),
    { ...users.find((u) => u.name === "dave"), disabled: true },
  );

  // A notice left by a server that was killed: its process is gone, so the store is used.
  const ended = spawnSync(process.execPath, ["-e", "process.pid"]);
  writeFileSync(join(dataDir, RUNNING_SERVER_FILE), JSON.stringify({ pid: ended.pid, url: "http://127.0.0.1:9" }));
  ok(await cli(["user", "enable", "dave"]), "user enable with a stale notice");
  // A notice whose process runs but does not answer (a server stopping): the store, with a word why.
  writeFileSync(join(dataDir, RUNNING_SERVER_FILE), JSON.stringify({ pid: process.pid, url: "http://127.0.0.1:9" }));
  const passedOver = ok(await cli(["user", "delete", "dave"]), "user delete with a silent server");
  assert.match(passedOver.stderr, /does not answer; using the store directly/);

  const audit = JSON.parse(ok(await cli(["audit", "--json", "--user", "dave"]), "audit").stdout) as AuditPage;
  assert.deepEqual(
    audit.entries.map((e) => [e.kind, e.actor]),
    [
      ["user-created", "(local administrator)"],
      ["user-disabled", "(local administrator)"],
      ["user-enabled", "(local administrator)"],
      ["user-deleted", "(local administrator)"],
    ],
  );
  // An explicit --url that does not answer is an error, not a quiet fall back to the store.
  const unreachable = await cli(["user", "list", "--url", "http://127.0.0.1:9"]);
  assert.equal(unreachable.status, 1);
  assert.match(unreachable.stderr, /Cannot reach sessiond at http:\/\/127\.0\.0\.1:9/);
});
