/**
 * The operators' console end to end in real Chromium (Debian's, driven by playwright-core) against a
 * server on 127.0.0.1: signing in, live sessions, ending them, the directory, the service message,
 * the audit log, CSRF and a plain user's view. The screenshots of the main pages go to docs/console/.
 */

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { API_PASSWORDS, startApiApp } from "../../helpers/api.ts";
import { type Browser, CHROMIUM_SKIP_REASON, launchChromium } from "../../helpers/chromium.ts";
import { runClient } from "../../helpers/real-clients.ts";
import type { TestApp } from "../../helpers/start-app.ts";

/**
 * Screenshots go to a temporary directory on every run, and to docs/console/ only when
 * SESSIOND_CONSOLE_SCREENSHOTS=docs asks for it, so that a test run leaves the checkout as it was.
 */
const SCREENSHOTS =
  process.env.SESSIOND_CONSOLE_SCREENSHOTS === "docs"
    ? join(process.cwd(), "docs", "console")
    : mkdtempSync(join(tmpdir(), "sessiond-console-shots-"));

describe("the operators' console in Chromium", { skip: CHROMIUM_SKIP_REASON }, () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  const go = (path: string) => page.goto(app.url + path);
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const heading = () => page.locator("h1").innerText();

  async function logIn(target: Page, userName: string, password: string): Promise<void> {
    await target.goto(`${app.url}/console/login`);
    await target.getByLabel("User name").fill(userName);
    await target.getByLabel("Password").fill(password);
    await target.getByRole("button", { name: "Log in" }).click();
  }

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    app = await startApiApp();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("refuses a wrong password and logs in with the right one", async () => {
    await go("/console");
    assert.equal(await heading(), "Log in");
    await shot("sign-in");
    await logIn(page, "admin", "not-the-password");
    assert.match(await page.locator("[role=alert]").innerText(), /Wrong user name or password/);
    await logIn(page, "admin", API_PASSWORDS.admin);
    assert.equal(await heading(), "Dashboard");
    const cookie = (await browser.context.cookies()).find((c) => c.name === "sessiond_console");
    assert.ok(cookie, "the console's session cookie is set");
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Strict");
    const nav = await page.getByRole("navigation", { name: "Console" }).innerText();
    for (const entry of ["Sessions", "Users", "Groups", "Realms", "Service message", "Audit log"]) {
      assert.match(nav, new RegExp(entry));
    }
  });

  it("shows a JSON API session live, ends it, and that client's next request is refused", async () => {
    await go("/console/sessions");
    await page.locator("#live-log").waitFor({ state: "attached" });
    // Give the event stream a moment to open before the session is made.
    await page.waitForTimeout(300);
    const secret = await app.login("alice", API_PASSWORDS.alice);
    const row = page.locator("#sessions tr", { hasText: "alice" });
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.innerText(), /api/);
    await page.locator("#live-log li", { hasText: "alice" }).first().waitFor();
    await app.request("PUT", "/api/v1/session/attributes/cart", { bearer: secret, body: { value: "3 apples" } });
    await shot("sessions");

    await row.getByRole("link").first().click();
    assert.match(await heading(), /^Session \d+$/);
    assert.match(await page.locator("#attributes").innerText(), /cart\s+hidden/);
    await page.getByRole("button", { name: "Reveal attribute values" }).click();
    await page.locator("#attributes", { hasText: "3 apples" }).waitFor();
    await shot("session-detail");

    await go("/console/sessions");
    await page.locator("#sessions tr", { hasText: "alice" }).getByRole("button", { name: "End session" }).click();
    assert.equal(await heading(), "End sessions?");
    await page.getByRole("button", { name: "End session" }).click();
    assert.match(await page.getByRole("status").innerText(), /1 session ended/);
    const refused = await app.request("GET", "/api/v1/session", { bearer: secret });
    assert.equal(refused.status, 401);
  });

  it("removes a session that ends elsewhere live, saying why", async () => {
    const secret = await app.login("bob", API_PASSWORDS.bob);
    await go("/console/sessions?user=bob");
    const row = page.locator("#sessions tbody tr", { hasText: "bob" });
    await row.waitFor();
    await page.waitForTimeout(300);
    assert.equal((await app.request("DELETE", "/api/v1/session", { bearer: secret })).status, 204);
    await page.locator("#live-log li", { hasText: /of bob@default \(api\) ended: disposed/ }).waitFor();
    await row.waitFor({ state: "detached" });
  });

  it("ends every session of a user after a confirmation", async () => {
    const first = await app.login("bob", API_PASSWORDS.bob);
    const second = await app.login("bob", API_PASSWORDS.bob);
    await go("/console/sessions?user=bob");
    await page.getByRole("button", { name: "End all sessions of bob" }).click();
    assert.match(await page.locator("main").innerText(), /all 2 sessions of bob/);
    await page.getByRole("button", { name: "End all these sessions" }).click();
    assert.match(await page.getByRole("status").innerText(), /2 sessions ended/);
    for (const secret of [first, second]) {
      assert.equal((await app.request("GET", "/api/v1/session", { bearer: secret })).status, 401);
    }
  });

  it("creates a user, shows its live session, and disabling it ends that session", async () => {
    await go("/console/users");
    await shot("users");
    await page.getByLabel("User name").fill("carol");
    await page.getByLabel("Full name").fill("Carol <Operator>");
    await page.getByLabel("Password").fill("carol-password-3");
    await page.getByLabel("Sessions.TerminateSession").check();
    await page.getByRole("button", { name: "Create user" }).click();
    assert.equal(await heading(), "User carol@default");
    assert.match(await page.getByRole("status").innerText(), /The user was created/);

    const secret = await app.login("carol", "carol-password-3");
    await page.reload();
    assert.match(await page.locator("main table").first().innerText(), /carol/);
    await shot("user");
    await page.getByRole("button", { name: "Disable user and end sessions" }).click();
    assert.match(await page.getByRole("status").innerText(), /disabled and their sessions ended/);
    assert.equal((await app.request("GET", "/api/v1/session", { bearer: secret })).status, 401);
    const again = await app.request("POST", "/api/v1/login", {
      body: { userName: "carol", password: "carol-password-3" },
    });
    assert.equal(again.status, 401);

    // The search box finds her by name prefix across the realm, and keeps the search.
    await go("/console/users");
    await page.getByLabel("Name starts with").fill("car");
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/[?&]q=car(&|$)/);
    assert.deepEqual(await page.locator("main table tbody tr td:first-child").allInnerTexts(), ["carol"]);
    assert.equal(await page.getByLabel("Name starts with").inputValue(), "car");
  });

  it("creates a group, and deletes it only after a confirmation", async () => {
    await go("/console/groups");
    await page.getByLabel("Group name").fill("operators");
    await page.getByLabel("Audit.Read").check();
    await page.getByRole("button", { name: "Create group" }).click();
    assert.equal(await heading(), "Group operators@default");
    assert.equal(await page.getByLabel("Audit.Read").isChecked(), true);
    await page.getByRole("button", { name: "Delete group" }).click();
    assert.equal(await heading(), "Delete group?");
    await page.getByRole("link", { name: "Cancel" }).click();
    assert.equal(await heading(), "Group operators@default");
    await page.getByRole("button", { name: "Delete group" }).click();
    await page.getByRole("button", { name: "Delete group" }).click();
    assert.match(await page.getByRole("status").innerText(), /group was deleted/);
    assert.doesNotMatch(await page.locator("main").innerText(), /operators/);
  });

  it("edits a realm's policy, refusing a bad value with the core's words", async () => {
    await go("/console/realms/default");
    await page.getByLabel("Sessions per user").fill("many");
    await page.getByRole("button", { name: "Save realm policy" }).click();
    assert.equal(await heading(), "Please check the form");
    assert.match(await page.locator("main").innerText(), /maxSessionsPerUser/);
    await go("/console/realms/default");
    await page.getByLabel("Sessions per user").fill("5");
    await page.getByRole("button", { name: "Save realm policy" }).click();
    assert.match(await page.getByRole("status").innerText(), /policy was saved/);
    assert.equal(await page.getByLabel("Sessions per user").inputValue(), "5");
    await shot("realm");
  });

  it("sets the service message, previews it, and a new JSON API login sees it", async () => {
    await go("/console/message");
    await page.getByLabel("Message for every locale without its own text").fill("Maintenance at 18:00 UTC");
    await page.getByLabel("Message in de", { exact: true }).fill("Wartung um 18:00 UTC");
    await page.locator("#preview", { hasText: "Wartung um 18:00 UTC" }).waitFor();
    await page.getByRole("button", { name: "Save service message" }).click();
    assert.match(await page.getByRole("status").innerText(), /service message was saved/);
    await shot("service-message");
    const login = await app.request("POST", "/api/v1/login", {
      body: { userName: "bob", password: API_PASSWORDS.bob },
    });
    assert.equal(login.status, 201);
    assert.equal(login.body.serviceMessage, "Maintenance at 18:00 UTC");
    const german = await app.request("POST", "/api/v1/login", {
      body: { userName: "bob", password: API_PASSWORDS.bob, locale: "de" },
    });
    assert.equal(german.body.serviceMessage, "Wartung um 18:00 UTC");
  });

  it("shows all of the above in the audit log, filterable", async () => {
    await go("/console/audit");
    const log = await page.locator("main table").innerText();
    for (const kind of [
      "login-failed",
      "login",
      "terminated",
      "attributes-revealed",
      "user-created",
      "user-disabled",
      "realm-updated",
      "message-updated",
    ]) {
      assert.match(log, new RegExp(`\\b${kind}\\b`), `the audit log shows ${kind}`);
    }
    await shot("audit");
    await page.getByLabel("Kind").selectOption("user-disabled");
    await page.getByRole("button", { name: "Filter entries" }).click();
    const filtered = await page.locator("main table tbody").innerText();
    assert.match(filtered, /carol/);
    assert.doesNotMatch(filtered, /login-failed/);
  });

  it("refuses a state-changing request without the CSRF token", async () => {
    const bob = await app.login("bob", API_PASSWORDS.bob);
    const key = (await app.request("GET", "/api/v1/session", { bearer: bob })).body.session.key;
    // The browser's own cookie goes along; only the token is missing.
    const refused = await page.request.post(`${app.url}/console/sessions/end`, {
      form: { key, confirmed: "yes" },
      maxRedirects: 0,
    });
    assert.equal(refused.status(), 403);
    assert.match(await refused.text(), /nothing was changed/);
    const wrong = await page.request.post(`${app.url}/console/sessions/end`, {
      form: { key, confirmed: "yes", _csrf: "not-the-token" },
      maxRedirects: 0,
    });
    assert.equal(wrong.status(), 403);
    assert.equal((await app.request("GET", "/api/v1/session", { bearer: bob })).status, 200, "the session lives on");
    const noCookie = await fetch(`${app.url}/console/sessions/end`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key, confirmed: "yes" }),
    });
    assert.equal(noCookie.status, 303);
    assert.match(noCookie.headers.get("location") ?? "", /\/console\/login$/);
  });

  it("sends a Content-Security-Policy without inline script or third-party origins, and breaks none of it", async () => {
    const response = await page.request.get(`${app.url}/console/sessions`);
    const policy = response.headers()["content-security-policy"] ?? "";
    assert.match(policy, /script-src 'self'(;|$)/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https?:/);
    assert.doesNotMatch(await response.text(), /<script>|<script [^>]*>[^<]/);
    assert.deepEqual(cspViolations, []);
  });

  it("shows a plain user only their own sessions and no directory pages", async () => {
    // A browser of its own: the operator's cookie must not come along.
    const other = await launchChromium();
    const plain = await other.context.newPage();
    try {
      // With the keyboard alone: the user name field has the focus, Tab moves on, Enter logs in.
      await plain.goto(`${app.url}/console/login`);
      await plain.keyboard.type("bob");
      await plain.keyboard.press("Tab");
      await plain.keyboard.type(API_PASSWORDS.bob);
      await plain.keyboard.press("Enter");
      await plain.waitForURL(/\/console$/);
      assert.equal(await plain.locator("h1").innerText(), "Dashboard");
      const nav = await plain.getByRole("navigation", { name: "Console" }).innerText();
      assert.doesNotMatch(nav, /Users|Groups|Realms|Audit log|Service message/);
      await plain.goto(`${app.url}/console/sessions`);
      const users = await plain.locator("#sessions tbody tr td:nth-child(4)").allInnerTexts();
      assert.ok(users.length > 0);
      assert.deepEqual([...new Set(users)], ["bob"]);
      const directory = await plain.goto(`${app.url}/console/users`);
      assert.equal(directory?.status(), 403);
      assert.equal(await plain.locator("h1").innerText(), "Not allowed");
    } finally {
      await other.close();
    }
  });

  it("logs in by the one-time link of `sessiond console-link`, once", async () => {
    // A process of its own, as an operator runs it; asynchronously, so that this process's server answers it.
    const cli = await runClient(process.execPath, [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "console-link",
      "--url",
      app.url,
      "--user",
      "admin",
      "--data-dir",
      app.dataDir,
    ]);
    assert.equal(cli.status, 0, cli.stderr);
    const link = cli.stdout.trim();
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/console\/link\?user=admin&ticket=[0-9a-f]{40}$/);

    await page.getByRole("button", { name: "Log out" }).click();
    assert.equal(await heading(), "Log in");
    await page.goto(link);
    await page.getByRole("button", { name: "Log in as admin" }).click();
    assert.equal(await heading(), "Dashboard");
    await shot("dashboard");
    await page.emulateMedia({ colorScheme: "dark" });
    await go("/console/sessions");
    await shot("sessions-dark");
    await page.emulateMedia({ colorScheme: "light" });
    await page.getByRole("button", { name: "Log out" }).click();
    await page.goto(link);
    await page.getByRole("button", { name: "Log in as admin" }).click();
    assert.match(await page.locator("[role=alert]").innerText(), /Wrong user name or password/);
  });
});
