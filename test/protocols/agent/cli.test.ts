/**
 * The Agent front door from the real command line, in real processes: `sessiond serve` prints the
 * Agent listener, and `sessiond agent call` logs in, makes a temporary session, stores and reads
 * attributes in it, and reports error answers with exit code 1.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseCallArguments } from "../../../src/cli/commands/agent.ts";
import { AGENT_REALMS, SEED_HOST_ID, SEED_USER_SID } from "../../helpers/agent.ts";
import { runCli, type ServerProcess, startServer } from "../../helpers/server-process.ts";
import { TLS_SKIP_REASON, testCertificate } from "../../helpers/tls.ts";

/** Waits until the server printed a line matching `pattern`; resolves with the first group. */
function printed(server: ServerProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(server.output());
      if (!match) return false;
      resolve(match[1] ?? match[0]);
      return true;
    };
    if (check()) return;
    const timer = setTimeout(() => reject(new Error(`not printed: ${pattern}\n${server.output()}`)), 20_000);
    const onData = () => {
      if (check()) {
        clearTimeout(timer);
        server.child.stdout?.off("data", onData);
      }
    };
    server.child.stdout?.on("data", onData);
  });
}

describe("agent: the command line", () => {
  const certificate = TLS_SKIP_REASON ? undefined : testCertificate();
  let dir: string;
  let configPath: string;
  let server: ServerProcess;
  let url: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sessiond-agent-cli-"));
    configPath = join(dir, "sessiond.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        dataDir: join(dir, "data"),
        store: { driver: "memory" },
        http: { host: "127.0.0.1", port: 0 },
        agent: {
          port: 0,
          tlsPort: 0,
          hostId: SEED_HOST_ID,
          ...(certificate ? { tls: { cert: certificate.cert, key: certificate.key } } : {}),
        },
        realms: AGENT_REALMS,
      }),
    );
    server = await startServer(["--config", configPath]);
    url = await printed(server, /^sessiond: agent listening on (tcp:\/\/127\.0\.0\.1:\d+)$/m);
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const agent = (args: string[], input?: string) =>
    runCli(["agent", "call", ...args, "--url", url], input === undefined ? {} : { input });

  it("serve prints the Agent listener on its own line, without the JSON API note", () => {
    assert.match(
      server.output(),
      /^sessiond: http listening on http:\/\/127\.0\.0\.1:\d+ \(JSON API at \/api\/v1, memory store\)$/m,
    );
    assert.match(server.output(), /^sessiond: agent listening on tcp:\/\/127\.0\.0\.1:\d+$/m);
    if (certificate) assert.match(server.output(), /^sessiond: agent-tls listening on tls:\/\/127\.0\.0\.1:\d+$/m);
    else assert.doesNotMatch(server.output(), /agent-tls/, "no TLS listener without a certificate");
  });

  it("speaks TLS, trusting a certificate with --ca or any with --insecure", { skip: TLS_SKIP_REASON }, async () => {
    const tlsUrl = await printed(server, /^sessiond: agent-tls listening on (tls:\/\/127\.0\.0\.1:\d+)$/m);
    const call = (...flags: string[]) => runCli(["agent", "call", "system", "get_realm", "--url", tlsUrl, ...flags]);
    const trusted = call("--ca", certificate?.cert ?? "");
    assert.equal(trusted.status, 0, trusted.stderr);
    assert.match(trusted.stdout, /^<data><system><realm>/);
    assert.equal(call("--insecure").status, 0);
    const untrusted = call();
    assert.equal(untrusted.status, 1);
    assert.match(untrusted.stderr, /Cannot connect to tls:.*certificate/i);
  });

  it("calls system/get_realm and prints the answer's data element", () => {
    const result = agent(["system", "get_realm"]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /^<data><system><realm><id>00000000-0000-0000-0000-000000000000<\/id><name>default<\/name><\/realm>/,
    );
  });

  it("logs in with --login (password on standard input), makes a session and uses it", () => {
    // Both passwords come from standard input, in order: --login's, then the one marked `-`.
    const login = agent(
      ["sessionm", "login", "name:base64=alice", "password:base64=-", "expiration=600", "--login", "root"],
      "mypass\nalice-password\n",
    );
    assert.equal(login.status, 0, login.stderr);
    const session = /<session_id>([^<]+)<\/session_id>/.exec(login.stdout)?.[1];
    assert.ok(session, login.stdout);
    for (const secret of ["mypass", "alice-password"]) {
      assert.ok(!login.stdout.includes(secret) && !login.stderr.includes(secret), secret);
    }
    const short = agent(["sessionm", "login", "name:base64=alice", "password:base64=-", "--login", "root"], "mypass\n");
    assert.equal(short.status, 1);
    assert.match(short.stderr, /2 non-empty line/);

    const put = agent(
      ["sessionm", "put", "data.key=a", "data.value=1", "data.key=b", "--login", "root", "--session", session],
      "mypass\n",
    );
    assert.equal(put.status, 0, put.stderr);
    assert.equal(put.stdout, "<data><sessionm><ok/></sessionm></data>\n");
    const get = agent(["sessionm", "get", `session_id=${session}`, "--login", "root"], "mypass\n");
    assert.equal(get.status, 0, get.stderr);
    assert.equal(
      get.stdout,
      "<data><sessionm><data><key>a</key><value>1</value></data><data><key>b</key><value/></data></sessionm></data>\n",
    );
    const systemLogin = agent(["system", "login", "name:base64=root", "password:base64=-"], "mypass\n");
    assert.ok(systemLogin.stdout.includes(`<user>${SEED_USER_SID}</user>`), systemLogin.stdout);

    // An ordinary session: `sessiond sessions list` shows it.
    const listed = runCli([
      "sessions",
      "list",
      "--config",
      configPath,
      "--url",
      server.url,
      "--protocol",
      "agent",
      "--json",
    ]);
    assert.equal(listed.status, 0, listed.stderr);
    const sessions = JSON.parse(listed.stdout) as { userName: string; binding: string | null; idleTimeoutMs: number }[];
    assert.deepEqual(
      sessions.filter((s) => s.binding === null).map((s) => [s.userName, s.idleTimeoutMs]),
      [["alice", 600_000]],
    );
  });

  it("exits 1 with `code N: message` on an error answer", () => {
    const notLoggedIn = agent(["sessionm", "get"]);
    assert.equal(notLoggedIn.status, 1);
    assert.match(notLoggedIn.stderr, /^sessiond agent call: code 11: Not logged in/);
    const badLogin = agent(["sessionm", "get", "--login", "root"], "wrong\n");
    assert.equal(badLogin.status, 1);
    assert.match(badLogin.stderr, /^sessiond agent call: system\/login: code 10: /);
    assert.ok(!badLogin.stderr.includes("wrong"));
  });

  it("explains wrong usage (exit 2), bad arguments and unreachable servers (exit 1), and has --help", () => {
    const help = runCli(["agent", "call", "--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: sessiond agent call INTERFACE CALL/);
    assert.match(help.stdout, /--login NAME/);
    assert.match(runCli(["--help"]).stdout, /agent call/);
    assert.equal(runCli(["agent", "call", "system"]).status, 2);
    const badArgument = agent(["system", "get_realm", "novalue"]);
    assert.equal(badArgument.status, 1);
    assert.match(badArgument.stderr, /is not NAME=VALUE/);
    const badName = agent(["sys<tem", "x"]);
    assert.equal(badName.status, 1);
    const unreachable = runCli(["agent", "call", "system", "get_realm", "--url", "tcp://127.0.0.1:1"]);
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, /Cannot connect to tcp:\/\/127\.0\.0\.1:1/);
    const defaultPortZero = runCli(["agent", "call", "system", "get_realm", "--config", configPath]);
    assert.equal(defaultPortZero.status, 1);
    assert.match(defaultPortZero.stderr, /give the server's --url/);
  });
});

describe("agent call arguments", () => {
  it("parse text, base64 and nested parameters, starting a new parent when a child repeats", () => {
    assert.deepEqual(
      parseCallArguments(["a=1", "b:base64=x=y", "data.key=k", "data.value=", "data.key=k2", "data.key=k3"]),
      [
        { name: "a", text: "1" },
        { name: "b", base64: "x=y" },
        {
          name: "data",
          children: [
            { name: "key", text: "k" },
            { name: "value", text: "" },
          ],
        },
        { name: "data", children: [{ name: "key", text: "k2" }] },
        { name: "data", children: [{ name: "key", text: "k3" }] },
      ],
    );
    assert.throws(() => parseCallArguments(["=1"]), /is not NAME=VALUE/);
    assert.throws(() => parseCallArguments(["a<b=1"]), /is not NAME=VALUE/);
  });
});
