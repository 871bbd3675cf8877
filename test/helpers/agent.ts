/**
 * Shared pieces of the Agent front door tests: a server with the seed's `root` user (its Unix
 * groups, numbered as in the seed) and the seed's host id, raw socket connections that read
 * NUL-terminated packets, and a wait for engine events.
 */

import { once } from "node:events";
import { connect, type Socket } from "node:net";
import type { Engine } from "../../src/core/engine.ts";
import type { SessionEvent } from "../../src/core/events.ts";
import { GRANTABLE_PRIVILEGES } from "../../src/core/privileges.ts";
import { type AgentClient, base64Param, connectAgent } from "../../src/protocols/agent/client.ts";
import { agentInfo } from "../../src/protocols/agent/door.ts";
import { createPacketDecoder } from "../../src/protocols/agent/framing.ts";
import { startApp, type TestApp } from "./start-app.ts";

/** The seed's Agent host id: its SIDs and `vzclient<N>-…` targets carry it. */
export const SEED_HOST_ID = "4fce28dd-0cd3-1345-bb94-3192b940fb90";
export const DEFAULT_REALM_GUID = "00000000-0000-0000-0000-000000000000";
export const OTHER_REALM_GUID = "458d583f-1111-2222-3333-444455556666";

export const AGENT_PASSWORDS = { root: "mypass", admin: "admin-password", alice: "alice-password" } as const;

/** root's Unix groups in the seed's order: root(0), bin(1), wheel(10), daemon(2), sys(3), adm(4), disk(6). */
export const SEED_GROUPS = [
  { name: "root", number: 0 },
  { name: "bin", number: 1 },
  { name: "wheel", number: 10 },
  { name: "daemon", number: 2 },
  { name: "sys", number: 3 },
  { name: "adm", number: 4 },
  { name: "disk", number: 6 },
];

/** The seed's user SID of root and group SIDs, in the seed's order. */
export const SEED_USER_SID = "AQUAAAAAIAHdKM5P0wxFE7uUMZK5QPuQAAAAAA==";
export const SEED_GROUP_SIDS = [
  "AQUAAAAAIADdKM5P0wxFE7uUMZK5QPuQAAAAAA==",
  "AQUAAAAAIADdKM5P0wxFE7uUMZK5QPuQAQAAAA==",
  "AQUAAAAAIADdKM5P0wxFE7uUMZK5QPuQCgAAAA==",
  "AQUAAAAAIADdKM5P0wxFE7uUMZK5QPuQAgAAAA==",
  "AQUAAAAAIADdKM5P0wxFE7uUMZK5QPuQAwAAAA==",
  "AQUAAAAAIADdKM5P0wxFE7uUMZK5QPuQBAAAAA==",
  "AQUAAAAAIADdKM5P0wxFE7uUMZK5QPuQBgAAAA==",
];

/**
 * The default realm (idle timeout 1800 s) with the seed's `root` (number 0, no privileges of its
 * own), `admin` (number 1, every privilege) and `alice` (number 2); and a second realm `ldap` with
 * its own GUID and one user `carol` (number 7, group `staff` number 20).
 */
export const AGENT_REALMS = [
  {
    name: "default",
    idleTimeoutSeconds: 1800,
    users: [
      { name: "root", number: 0, password: AGENT_PASSWORDS.root, groups: SEED_GROUPS.map((g) => g.name) },
      { name: "admin", number: 1, password: AGENT_PASSWORDS.admin, privileges: [...GRANTABLE_PRIVILEGES] },
      { name: "alice", number: 2, password: AGENT_PASSWORDS.alice },
    ],
    groups: SEED_GROUPS,
  },
  {
    name: "ldap",
    id: OTHER_REALM_GUID,
    idleTimeoutSeconds: 600,
    users: [{ name: "carol", number: 7, password: "carol-password", groups: ["staff"] }],
    groups: [{ name: "staff", number: 20 }],
  },
];

export interface AgentTestApp extends TestApp {
  /** tcp://127.0.0.1:port */
  agentUrl: string;
  /** tls://127.0.0.1:port, when TLS is on. */
  agentTlsUrl: string | undefined;
  /** A client connected to the plain listener. */
  client(): Promise<AgentClient>;
  /** A client connected and logged in (`system/login`) as `name`. */
  loggedIn(name?: keyof typeof AGENT_PASSWORDS): Promise<AgentClient>;
  /** A raw socket on the plain listener. */
  raw(options?: { localAddress?: string }): Promise<RawConnection>;
}

/** A server with the Agent front door on (plain listener on a free port) and the realms above. */
export async function startAgentApp(
  agent: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Promise<AgentTestApp> {
  const t = await startApp({
    realms: AGENT_REALMS,
    agent: { port: 0, tlsPort: 0, hostId: SEED_HOST_ID, ...agent },
    ...overrides,
  });
  const listeners = agentInfo(t.app.doors)?.listeners ?? [];
  const plain = listeners.find((l) => l.name === "agent");
  if (!plain) throw new Error("the Agent front door did not start");
  const agentUrl = plain.url;
  const clients: AgentClient[] = [];
  const raws: RawConnection[] = [];
  const client = async () => {
    const made = await connectAgent({ url: agentUrl, timeoutMs: 10_000 });
    clients.push(made);
    return made;
  };
  return {
    ...t,
    agentUrl,
    agentTlsUrl: listeners.find((l) => l.name === "agent-tls")?.url,
    client,
    async loggedIn(name = "root") {
      const made = await client();
      const answer = await made.call("system", "login", [
        base64Param("name", name),
        base64Param("password", AGENT_PASSWORDS[name]),
      ]);
      if (answer.error) throw new Error(`system/login failed: ${answer.xml}`);
      return made;
    },
    async raw(options = {}) {
      const made = await openRaw(agentUrl, options);
      raws.push(made);
      return made;
    },
    async stop() {
      for (const made of clients) made.close().catch(() => {});
      for (const made of raws) made.socket.destroy();
      await t.stop();
    },
  };
}

export interface RawConnection {
  socket: Socket;
  /** Writes bytes as given (add the NUL yourself). */
  send(data: string | Buffer): void;
  /** The next packet the server sent, as text without its NUL. */
  next(timeoutMs?: number): Promise<string>;
  /** Packets received and not yet taken by `next`. */
  readonly buffered: string[];
  /** Resolves when the socket has closed. */
  closed: Promise<void>;
}

/** A raw TCP connection to an Agent URL that splits what it receives at NULs. */
export async function openRaw(url: string, options: { localAddress?: string } = {}): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), ...options });
  socket.on("error", () => {});
  const decoder = createPacketDecoder({ maxPacketBytes: 64 * 1024 * 1024 });
  const buffered: string[] = [];
  const waiting: ((text: string) => void)[] = [];
  socket.on("data", (chunk: Buffer) => {
    for (const item of decoder.push(chunk)) {
      if (item.kind !== "packet") continue;
      const text = item.bytes.toString("utf8");
      const waiter = waiting.shift();
      if (waiter) waiter(text);
      else buffered.push(text);
    }
  });
  const closed = new Promise<void>((done) => socket.once("close", () => done()));
  await Promise.race([once(socket, "connect"), once(socket, "error").then(([error]) => Promise.reject(error))]);

  const next = (timeoutMs = 10_000): Promise<string> => {
    const ready = buffered.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error("no packet arrived in time")), timeoutMs);
      const waiter = (text: string) => {
        clearTimeout(timer);
        done(text);
      };
      waiting.push(waiter);
      void closed.then(() => {
        const index = waiting.indexOf(waiter);
        if (index < 0) return;
        waiting.splice(index, 1);
        clearTimeout(timer);
        fail(new Error("the connection closed before a packet arrived"));
      });
    });
  };
  return { socket, buffered, closed, next, send: (data) => socket.write(data) };
}

/** Resolves with the first engine event that matches; subscribe before causing it. */
export function waitForEvent(
  engine: Engine,
  matches: (event: SessionEvent) => boolean,
  timeoutMs = 10_000,
): Promise<SessionEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error("the expected event did not come"));
    }, timeoutMs);
    const unsubscribe = engine.events.subscribe((event) => {
      if (!matches(event)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(event);
    });
  });
}

/** The `<code>` of an error answer's text, or undefined when it is no error. */
export function errorCodeOf(xml: string): number | undefined {
  const match = /<error><code>(\d+)<\/code>/.exec(xml);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** A packet of one call, plain, as the seed writes them, with its NUL. */
export function packet(body: string, attributes = 'version="4.0.0" id="1"', header = ""): string {
  return `<packet ${attributes}>${header}<data>${body}</data></packet>\0`;
}
