/**
 * An engine for a test: the memory store, a manual clock, a cheap argon2id setting and a directory
 * provisioned from a configuration, the way the server provisions it at start-up. Every event the
 * engine emits is recorded in `events`. Nothing listens and no timer runs unless a test calls
 * `engine.start()`.
 */

import { createManualClock, type ManualClock } from "../../src/core/clock.ts";
import { parseConfig, type SessionLimits } from "../../src/core/config.ts";
import { createEngine, type Engine } from "../../src/core/engine.ts";
import type { SessionEvent } from "../../src/core/events.ts";
import type { ThrottleSettings } from "../../src/core/login-throttle.ts";
import type { CallContext, EnginePorts, Operation } from "../../src/core/operation.ts";
import { type LoginResult, login } from "../../src/core/ops/index.ts";
import { createArgon2Hasher, type PasswordHasher } from "../../src/core/password.ts";
import { GRANTABLE_PRIVILEGES } from "../../src/core/privileges.ts";
import type { Store } from "../../src/core/store/index.ts";
import type { Protocol } from "../../src/core/types.ts";
import { provision } from "../../src/server/provision.ts";
import { createMemoryStore } from "../../src/store/memory/index.ts";

export const CHEAP_HASHER = createArgon2Hasher({ memoryCost: 1024, timeCost: 1 });

export const START = Date.UTC(2026, 0, 1, 12);

/** Passwords of the users of `DEFAULT_REALMS`. */
export const PASSWORDS = {
  admin: "admin-secret-pw",
  alice: "alice-secret-pw",
  bob: "bob-secret-pw",
  carol: "carol-secret-pw",
  vera: "vera-secret-pw",
} as const;

/**
 * The default realm: `admin` holds every grantable privilege, `alice` and `bob` none, `carol` gets
 * `Sessions.TerminateSession` through the `operators` group only, `vera` only `Sessions.ValidateSession`.
 */
export function defaultRealm(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "default",
    idleTimeoutSeconds: 1800,
    defaultLocale: "en",
    supportedLocales: ["en", "de", "sv"],
    users: [
      { name: "admin", number: 1, password: PASSWORDS.admin, privileges: [...GRANTABLE_PRIVILEGES] },
      { name: "alice", number: 2, password: PASSWORDS.alice, fullName: "Alice A." },
      { name: "bob", number: 3, password: PASSWORDS.bob },
      { name: "carol", number: 4, password: PASSWORDS.carol, groups: ["operators"] },
      { name: "vera", number: 5, password: PASSWORDS.vera, privileges: ["Sessions.ValidateSession"] },
    ],
    groups: [{ name: "operators", number: 10, privileges: ["Sessions.TerminateSession"] }],
    ...overrides,
  };
}

export interface TestEngine {
  engine: Engine;
  store: Store;
  clock: ManualClock;
  /** Every event emitted since the engine was made. */
  events: SessionEvent[];
  /** The raw configuration the directory was provisioned from. */
  config: Record<string, unknown>;
  /** A JSON-API-like caller context carrying `secret`. */
  context(secret?: string, extra?: Partial<CallContext>): CallContext;
  /** Calls an operation as the holder of `secret` (or anonymously). */
  call<I, O>(
    op: Operation<I, O>,
    secret: string | undefined,
    input?: unknown,
    extra?: Partial<CallContext>,
  ): Promise<O>;
  /** Logs in a new session and returns its secret and the login result. */
  login(
    userName: keyof typeof PASSWORDS | string,
    options?: Record<string, unknown>,
    extra?: Partial<CallContext>,
  ): Promise<LoginResult & { secret: string }>;
  /** Events of one type, optionally about one session. */
  eventsOf(type: SessionEvent["type"], sessionKey?: string): SessionEvent[];
}

export async function startEngine(
  options: {
    realms?: Record<string, unknown>[];
    limits?: Partial<SessionLimits>;
    ports?: EnginePorts;
    store?: Store;
    clock?: ManualClock;
    nodeId?: string;
    hasher?: PasswordHasher;
    throttle?: Partial<ThrottleSettings>;
    /** The front door every call comes through. @default "api" */
    protocol?: Protocol;
  } = {},
): Promise<TestEngine> {
  const store = options.store ?? createMemoryStore();
  const clock = options.clock ?? createManualClock(START);
  const engine = createEngine({
    store,
    clock,
    hasher: options.hasher ?? CHEAP_HASHER,
    ...(options.throttle ? { throttle: options.throttle } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.ports ? { ports: options.ports } : {}),
    ...(options.nodeId ? { nodeId: options.nodeId } : {}),
  });
  const events: SessionEvent[] = [];
  engine.events.subscribe((event) => events.push(event));
  const config = { store: { driver: "memory" }, realms: options.realms ?? [defaultRealm()] };
  await provision(engine, parseConfig(config));
  const context = (secret?: string, extra: Partial<CallContext> = {}): CallContext => ({
    protocol: options.protocol ?? "api",
    secret,
    ipAddress: "127.0.0.1",
    userAgent: "engine-test/1.0",
    isLoopback: true,
    ...extra,
  });
  const testEngine: TestEngine = {
    engine,
    store,
    clock,
    events,
    config,
    context,
    call: (op, secret, input, extra) => engine.call(op, context(secret, extra), input),
    async login(userName, loginOptions = {}, extra = {}) {
      const password = (PASSWORDS as Record<string, string>)[userName] ?? "";
      const result = await engine.call(login, context(undefined, extra), { userName, password, ...loginOptions });
      if (result.secret === undefined) throw new Error("login did not create a session");
      return { ...result, secret: result.secret };
    },
    eventsOf(type, sessionKey) {
      return events.filter((e) => e.type === type && (sessionKey === undefined || e.sessionKey === sessionKey));
    },
  };
  return testEngine;
}

/** Every string reachable from `root` (objects, arrays, maps, sets), for searching stored state for a secret. */
export function reachableStrings(root: unknown): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      found.push(value);
      return;
    }
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      // Typed arrays hold bytes: search them as latin1 text, which keeps ASCII secrets findable.
      found.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("latin1"));
      return;
    }
    if (value instanceof Map) {
      for (const [k, v] of value) {
        visit(k);
        visit(v);
      }
      return;
    }
    if (value instanceof Set) {
      for (const v of value) visit(v);
      return;
    }
    for (const key of Object.getOwnPropertyNames(value)) {
      visit(key);
      visit((value as Record<string, unknown>)[key]);
    }
  };
  visit(root);
  return found;
}
