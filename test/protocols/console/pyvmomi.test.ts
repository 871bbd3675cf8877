/**
 * A pyVmomi session (Debian's python3-pyvmomi, over plain HTTP on 127.0.0.2, which dodges pyVmomi's
 * Python 3.11 bug on localhost) seen live in the console in Chromium, ended from there, and the
 * client's next call refused.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, CHROMIUM_SKIP_REASON, launchChromium } from "../../helpers/chromium.ts";
import { DEBIAN_PYTHON, PYVMOMI_SKIP_REASON } from "../../helpers/real-clients.ts";
import { startApp, type TestApp } from "../../helpers/start-app.ts";
import { VSPHERE_REALMS } from "../../helpers/vsphere.ts";

const SCRIPT = fileURLToPath(new URL("../../fixtures/console/pyvmomi_hold.py", import.meta.url));

describe("the console and a pyVmomi client", { skip: CHROMIUM_SKIP_REASON ?? PYVMOMI_SKIP_REASON }, () => {
  let app: TestApp;
  let browser: Browser;

  before(async () => {
    app = await startApp({ realms: VSPHERE_REALMS, http: { host: "127.0.0.2", port: 0 } });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("shows the pyVmomi session live, ends it, and refuses the client's next call", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${app.url}/console/login`);
    await page.getByLabel("User name").fill("root");
    await page.getByLabel("Password").fill("mypass");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.goto(`${app.url}/console/sessions`);
    await page.waitForTimeout(300);

    const client = spawn(DEBIAN_PYTHON, [SCRIPT, "127.0.0.2", new URL(app.url).port], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    client.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: client.stdout })[Symbol.asyncIterator]();
    try {
      const ready = await lines.next();
      assert.match(String(ready.value), /^ready [0-9a-f-]+$/, stderr);
      const key = String(ready.value).split(" ")[1] ?? "";

      const row = page.locator(`#sessions tr[data-session-key="${key}"]`);
      await row.waitFor({ timeout: 10_000 });
      assert.match(await row.innerText(), /vsphere/);
      await row.getByRole("button", { name: "End session" }).click();
      await page.getByRole("button", { name: "End session" }).click();
      assert.match(await page.getByRole("status").innerText(), /1 session ended/);

      client.stdin.write("go\n");
      const verdict = await lines.next();
      assert.equal(verdict.value, "refused", stderr);
    } finally {
      client.kill();
    }
  });
});
