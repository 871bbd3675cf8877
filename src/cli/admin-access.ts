/**
 * How the directory and audit commands (`user`, `realm`, `group`, `audit`) reach the directory: through
 * the running server's JSON API when a server works on this configuration, otherwise by opening the
 * store in this process (`withLocalEngine`).
 *
 * Through the server, a change takes effect at once: the server ends the sessions a change ends and
 * tells their streams, and forgets what it cached. Written into the store behind a running server's
 * back, the change shows when the server's directory cache next reads the store (within a second), and
 * a disabled user's session ends at its next call rather than at once.
 *
 * A server is found by `--url`, or by the notice `sessiond serve` leaves in its data directory
 * (`server/running-server.ts`). A notice whose server does not answer (it is stopping, or was killed)
 * is passed over for the store.
 *
 * Every command names both ways to do its work, the operation with its input and the API route, and the
 * route answers what the operation returns, so the command prints the same either way.
 *
 * @module
 */

import type { Engine } from "../core/engine.ts";
import { SessionError } from "../core/errors.ts";
import type { Operation } from "../core/operation.ts";
import { listRealms } from "../core/ops/index.ts";
import { LOCAL_ADMIN } from "../server/provision.ts";
import { readRunningServer } from "../server/running-server.ts";
import { type CommandInput, type CommandOptions, configFlags, stringFlag } from "./command.ts";
import { loadConfig } from "./config-sources.ts";
import { withLocalEngine } from "./local-engine.ts";
import { connectAsLocalUser, type ServerClient, ServerError } from "./server-client.ts";

/** An admin route of the JSON API, relative to `/api/v1`. */
export interface ApiRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
}

export interface AdminAccess {
  /** Runs the operation: through its route on the running server, or in this process on the store. */
  run<I, O>(op: Operation<I, O>, input: Record<string, unknown>, route: ApiRoute): Promise<O>;
}

export const adminOptions: CommandOptions = {
  url: {
    type: "string",
    placeholder: "URL",
    description: "Go through the server at this URL (default: the server running on this data directory, if any)",
  },
  as: {
    type: "string",
    placeholder: "NAME",
    description: "Through a server, act as this user, by local ticket (default admin)",
  },
};

/** A path segment of a route, escaped. */
export const segment = (text: string): string => encodeURIComponent(text);

/** Opens the way to the directory for this command, runs `work` with it, and closes it. */
export async function withAdminAccess<T>(input: CommandInput, work: (access: AdminAccess) => Promise<T>): Promise<T> {
  const config = loadConfig(configFlags(input), input.env);
  const explicitUrl = stringFlag(input, "url");
  const url = explicitUrl ?? readRunningServer(config.dataDir)?.url;
  if (url !== undefined) {
    let client: ServerClient | undefined;
    try {
      client = await connectAsLocalUser(config, { url, userName: stringFlag(input, "as") ?? "admin" });
    } catch (error) {
      const gone = error instanceof ServerError && error.code === "UNREACHABLE";
      if (explicitUrl !== undefined || !gone) throw error;
      process.stderr.write(`sessiond: the server at ${url} does not answer; using the store directly\n`);
    }
    if (client) {
      try {
        return await work(serverAccess(client));
      } finally {
        await client.close();
      }
    }
  }
  return withLocalEngine(config, (engine) => work(storeAccess(engine)));
}

function serverAccess(client: ServerClient): AdminAccess {
  return {
    run: <I, O>(_op: Operation<I, O>, _input: Record<string, unknown>, route: ApiRoute) =>
      client.call<O>(route.method, `/api/v1${route.path}`, route.body),
  };
}

function storeAccess(engine: Engine): AdminAccess {
  return { run: (op, input) => engine.call(op, LOCAL_ADMIN, input) };
}

/** The realm a command names, or the default realm's name: a route needs a realm in its path. */
export async function realmOrDefault(access: AdminAccess, name: string | undefined): Promise<string> {
  if (name !== undefined) return name;
  const realms = await allPages(async (after: string | null) => {
    const query = new URLSearchParams({ limit: "1000", ...(after === null ? {} : { after }) });
    const page = await access.run(
      listRealms,
      { limit: 1000, ...(after === null ? {} : { after }) },
      {
        method: "GET",
        path: `/realms?${query}`,
      },
    );
    return { items: page.realms, nextAfter: page.nextAfter };
  });
  const found = realms.find((realm) => realm.isDefault);
  if (!found) throw new SessionError("NOT_FOUND", "There is no default realm: name one with --realm.");
  return found.name;
}

/** Every item of a listing, page by page: `page(after)` answers one page and the cursor of the next. */
export async function allPages<T, C>(
  page: (after: C | null) => Promise<{ items: T[]; nextAfter: C | null }>,
): Promise<T[]> {
  const all: T[] = [];
  let after: C | null = null;
  do {
    const next: { items: T[]; nextAfter: C | null } = await page(after);
    all.push(...next.items);
    after = next.nextAfter;
  } while (after !== null);
  return all;
}
