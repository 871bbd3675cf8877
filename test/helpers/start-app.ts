/**
 * Starts a real sessiond app on 127.0.0.1 port 0 for a test, with a manual clock and a cheap argon2id
 * setting (the real cost is measured in bench/, not here). Requests go over a real socket.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createManualClock, type ManualClock } from "../../src/core/clock.ts";
import { parseConfig } from "../../src/core/config.ts";
import { createArgon2Hasher } from "../../src/core/password.ts";
import type { Store } from "../../src/core/store/index.ts";
import type { Listener } from "../../src/protocols/kit/front-door.ts";
import { type App, buildApp } from "../../src/server/app.ts";

export const TEST_HASHER = createArgon2Hasher({ memoryCost: 1024, timeCost: 1 });

export interface TestApp {
  app: App;
  url: string;
  /** Every listener the server opened, the HTTP one first. */
  listeners: Listener[];
  clock: ManualClock;
  dataDir: string;
  /** Log lines the server wrote, for tests that check what is (not) logged. */
  logs: string[];
  /** JSON request to the server; `bearer` sets the Authorization header. */
  request(
    method: string,
    path: string,
    options?: { bearer?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{
    status: number;
    headers: Headers;
    body: any;
    text: string;
  }>;
  /** Logs in over the JSON API and returns the secret. */
  login(userName: string, password: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startApp(
  raw: Record<string, unknown> = {},
  options: { adminPassword?: string; store?: Store; clock?: ManualClock } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), "sessiond-test-"));
  const config = parseConfig({
    dataDir,
    store: { driver: "memory" },
    http: { host: "127.0.0.1", port: 0 },
    log: { level: "warn" },
    ...raw,
  });
  const clock = options.clock ?? createManualClock(Date.UTC(2026, 10, 22, 12));
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = await buildApp(config, {
    clock,
    hasher: TEST_HASHER,
    adminPassword: options.adminPassword ?? "admin-password",
    logStream,
    ...(options.store ? { store: options.store } : {}),
  });
  const listeners = await app.start();
  const [listener] = listeners;
  if (!listener) throw new Error("no listener");
  const url = listener.url;
  const request: TestApp["request"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers["content-type"] ??= "application/json";
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    }
    const response = await fetch(url + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
  return {
    app,
    url,
    listeners,
    clock,
    dataDir,
    logs,
    request,
    async login(userName, password) {
      const res = await request("POST", "/api/v1/login", { body: { userName, password } });
      if (res.status !== 201) throw new Error(`login failed: ${res.status} ${res.text}`);
      return res.body.secret as string;
    },
    async stop() {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
