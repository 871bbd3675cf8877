/**
 * Debian's Chromium driven by playwright-core, for the console's end-to-end tests: a fresh profile
 * per browser, headless, no sandbox (tests may run as root), no background traffic.
 */

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { skipReason } from "./skip.ts";

export const CHROMIUM_PATH = "/usr/bin/chromium";

export const CHROMIUM_SKIP_REASON = skipReason(existsSync(CHROMIUM_PATH), "needs Chromium (Debian package chromium)");

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "sessiond-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
