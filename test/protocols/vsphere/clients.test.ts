/**
 * The real vSphere clients against sessiond: Debian's pyVmomi 6.7.1 (over HTTPS on localhost, and over
 * plain HTTP on 127.0.0.2, which dodges pyVmomi's Python 3.11 bug on localhost) and rbvmomi 1.8.2
 * (plain HTTP). The scripts are in test/fixtures/vsphere-clients/; each prints "ok" when all its
 * checks passed. `.ci/run` installs both packages, so CI skips none of these.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { DEBIAN_PYTHON, PYVMOMI_SKIP_REASON, RBVMOMI_SKIP_REASON, runClient } from "../../helpers/real-clients.ts";
import { startApp, type TestApp } from "../../helpers/start-app.ts";
import { TLS_SKIP_REASON, testCertificate } from "../../helpers/tls.ts";
import { VSPHERE_REALMS } from "../../helpers/vsphere.ts";

const SCRIPTS = fileURLToPath(new URL("../../fixtures/vsphere-clients/", import.meta.url));

function portOf(t: TestApp): string {
  return new URL(t.url).port;
}

async function withServer(http: Record<string, unknown>, work: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await startApp({ realms: VSPHERE_REALMS, http: { port: 0, ...http } });
  try {
    await work(t);
  } finally {
    await t.stop();
  }
}

function assertOk(run: { status: number | null; stdout: string; stderr: string }): void {
  assert.equal(run.status, 0, `exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^ok$/m, run.stdout);
}

const httpsSkip = PYVMOMI_SKIP_REASON ?? TLS_SKIP_REASON;

describe("vsphere: pyVmomi (python3-pyvmomi)", () => {
  it("passes the conformance script over HTTPS on localhost", { skip: httpsSkip }, async () => {
    const cert = testCertificate();
    await withServer({ host: "127.0.0.1", tls: { cert: cert.cert, key: cert.key } }, async (t) => {
      assertOk(await runClient(DEBIAN_PYTHON, [`${SCRIPTS}pyvmomi_check.py`, "https", "localhost", portOf(t)]));
    });
  });

  it("passes the conformance script over plain HTTP (on 127.0.0.2)", { skip: PYVMOMI_SKIP_REASON }, async () => {
    await withServer({ host: "127.0.0.2" }, async (t) => {
      assertOk(await runClient(DEBIAN_PYTHON, [`${SCRIPTS}pyvmomi_check.py`, "http", "127.0.0.2", portOf(t)]));
    });
  });

  it("calls every SessionManager method through pyVmomi's API", { skip: httpsSkip }, async () => {
    const cert = testCertificate();
    await withServer({ host: "127.0.0.1", tls: { cert: cert.cert, key: cert.key } }, async (t) => {
      assertOk(await runClient(DEBIAN_PYTHON, [`${SCRIPTS}pyvmomi_methods.py`, "localhost", portOf(t)]));
    });
  });

  it("learns of UpdateServiceMessage at once through CreateFilter and WaitForUpdatesEx", {
    skip: httpsSkip,
  }, async () => {
    const cert = testCertificate();
    await withServer({ host: "127.0.0.1", tls: { cert: cert.cert, key: cert.key } }, async (t) => {
      assertOk(await runClient(DEBIAN_PYTHON, [`${SCRIPTS}pyvmomi_push.py`, "localhost", portOf(t)]));
    });
  });
});

describe("vsphere: rbvmomi (ruby-rbvmomi)", () => {
  it("passes the conformance script over plain HTTP", { skip: RBVMOMI_SKIP_REASON }, async () => {
    await withServer({ host: "127.0.0.1" }, async (t) => {
      assertOk(await runClient("ruby", [`${SCRIPTS}rbvmomi_check.rb`, "127.0.0.1", portOf(t)]));
    });
  });
});
