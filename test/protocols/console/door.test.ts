/**
 * The console without a browser: its setting, its cookies over HTTP and HTTPS, its security headers,
 * the escaping of everything it shows, and the new core operation behind attribute reveals.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { describe, it } from "node:test";
import { listAudit, sessionAttributes } from "../../../src/core/ops/index.ts";
import { html, trustedHtml } from "../../../src/protocols/console/html.ts";
import { API_PASSWORDS, startApiApp } from "../../helpers/api.ts";
import { signInToConsole } from "../../helpers/console.ts";
import { startApp } from "../../helpers/start-app.ts";
import { TLS_SKIP_REASON, testCertificate } from "../../helpers/tls.ts";

describe("console: html", () => {
  it("escapes every interpolated value unless it is markup already", () => {
    const name = `<script>alert("x")</script>&'\``;
    const out = html`<td title="${name}">${name}</td>${[name, 1]}${trustedHtml("<b>ok</b>")}${null}${false}`;
    assert.equal(
      out.text,
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;">' +
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;</td>" +
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;1<b>ok</b>",
    );
  });
});

describe("console: the door", () => {
  it("is on by default and off with console.enabled false", async () => {
    const on = await startApp();
    try {
      const page = await on.request("GET", "/console/login");
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    } finally {
      await on.stop();
    }
    const off = await startApp({ console: { enabled: false } });
    try {
      const page = await off.request("GET", "/console/login");
      assert.equal(page.status, 404);
      assert.doesNotMatch(page.text, /<html/);
    } finally {
      await off.stop();
    }
  });

  it("refuses a wrong setting by name", async () => {
    await assert.rejects(startApp({ console: { enabled: "yes" } }), /console\.enabled must be true or false/);
    await assert.rejects(startApp({ console: { theme: "dark" } }), /console\.theme is not a known setting/);
  });

  it("serves htmx from node_modules with the security headers", async () => {
    const t = await startApp();
    try {
      const script = await t.request("GET", "/console/assets/htmx.min.js");
      assert.equal(script.status, 200);
      const installed = readFileSync("node_modules/htmx.org/dist/htmx.min.js", "utf8");
      assert.equal(script.text, installed);
      const page = await t.request("GET", "/console/login");
      assert.match(page.headers.get("content-security-policy") ?? "", /^default-src 'none'; script-src 'self';/);
      assert.equal(page.headers.get("x-frame-options"), "DENY");
      assert.equal(page.headers.get("referrer-policy"), "no-referrer");
      assert.doesNotMatch(page.text, /https?:\/\/(?!127\.0\.0\.1)/, "no third-party origin in the page");
      assert.equal((await t.request("GET", "/console/assets/nothing.js")).status, 404);
    } finally {
      await t.stop();
    }
  });

  it("marks its cookies Secure over HTTPS", { skip: TLS_SKIP_REASON }, async () => {
    const cert = testCertificate();
    const t = await startApp({ http: { host: "127.0.0.1", port: 0, tls: { cert: cert.cert, key: cert.key } } });
    try {
      const url = new URL("/console/login", t.url.replace("127.0.0.1", "localhost"));
      const cookies = await new Promise<string[]>((resolve, reject) => {
        const req = httpsRequest(url, { ca: readFileSync(cert.cert) }, (res) => {
          res.resume();
          resolve(res.headers["set-cookie"] ?? []);
        });
        req.on("error", reject);
        req.end();
      });
      assert.equal(cookies.length, 1);
      assert.match(cookies[0] ?? "", /; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await t.stop();
    }
  });
});

describe("console: session.attributes", () => {
  it("answers names, reveals values only when asked, audits the reveal, and needs the privilege", async () => {
    const t = await startApiApp();
    try {
      const alice = await t.login("alice", API_PASSWORDS.alice);
      await t.request("PUT", "/api/v1/session/attributes/cart", { bearer: alice, body: { value: "3 apples" } });
      const key = (await t.request("GET", "/api/v1/session", { bearer: alice })).body.session.key;
      const admin = { protocol: "console" as const, secret: await t.login("admin", API_PASSWORDS.admin) };
      const names = await t.app.engine.call(sessionAttributes, admin, { key });
      assert.deepEqual(names, { names: ["cart"], values: null });
      const revealed = await t.app.engine.call(sessionAttributes, admin, { key, reveal: true });
      assert.deepEqual(revealed.values, { cart: "3 apples" });
      const audit = await t.app.engine.call(listAudit, admin, { kind: "attributes-revealed" });
      assert.equal(audit.entries.length, 1);
      assert.equal(audit.entries[0]?.userName, "alice");
      assert.equal(audit.entries[0]?.actor?.startsWith("admin"), true);
      assert.doesNotMatch(JSON.stringify(audit), /3 apples/);
      const bob = { protocol: "console" as const, secret: await t.login("bob", API_PASSWORDS.bob) };
      await assert.rejects(t.app.engine.call(sessionAttributes, bob, { key, reveal: true }), { code: "NO_PERMISSION" });
    } finally {
      await t.stop();
    }
  });
});

describe("console: notices", () => {
  it("shows only the page's own notices: ?notice=constructor names nothing", async () => {
    const t = await startApiApp();
    try {
      const cookie = await signInToConsole(t, "admin", API_PASSWORDS.admin);
      for (const path of [
        "/console/users?notice=constructor",
        "/console/groups?notice=toString",
        "/console/sessions?notice=__proto__",
      ]) {
        const page = await fetch(`${t.url}${path}`, { headers: { cookie } });
        assert.equal(page.status, 200, path);
        const text = await page.text();
        assert.doesNotMatch(text, /function|native code|\[object/, path);
      }
      const known = await fetch(`${t.url}/console/users?notice=created`, { headers: { cookie } });
      assert.match(await known.text(), /The user was created\./);
    } finally {
      await t.stop();
    }
  });
});
