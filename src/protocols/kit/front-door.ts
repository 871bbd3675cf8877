/**
 * What a front door is to the server: a name, a settings reader, and up to two steps, so that the
 * server (`src/server/app.ts`) wires every door the same way and names none of them. Adding a door
 * is a checklist (`docs/architecture.md`): write its `door.ts` and add it to `../doors.ts`.
 *
 * - `settings` reads the door's configuration block (`config.frontDoors[name]`), checked before
 *   anything opens; undefined when the door is off.
 * - `http` registers the door's Fastify scope on the one HTTP listener, before it listens; it may
 *   return a fast path that answers some requests before Fastify's routing.
 * - `start` runs once the HTTP listener listens: listeners of the door's own (the Agent's TCP
 *   ports), or state that needs the listener's URL (AstroGrid's default session and discovery file).
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { Config } from "../../core/config.ts";
import type { Engine, EngineLogger } from "../../core/engine.ts";

/** A socket the server listens on, as printed when it is ready. */
export interface Listener {
  name: string;
  url: string;
}

/** What a door may use. */
export interface DoorContext {
  engine: Engine;
  config: Config;
  /** The server's logger (pino): a door logs under its own name. */
  log: EngineLogger & {
    child(bindings: Record<string, unknown>): EngineLogger & { debug(o: unknown, m?: string): void };
  };
  /** The HTTP listener's URL as clients reach it; known once it listens. */
  baseUrl(): string;
  /** sessiond's version, for doors that report it (vSphere's `AboutInfo`). */
  productVersion: string;
}

/** Answers a request itself and returns true, or returns false and leaves it to Fastify. */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean;

/** A door once started: what it listens on, what the server should print, and how to stop it. */
export interface StartedDoor<Info = unknown> {
  listeners: Listener[];
  /** Lines the command line prints once the server is ready (never a secret). */
  notices: string[];
  /** What the door exposes to embedders and tests. */
  info: Info;
  stop(): Promise<void>;
}

export interface FrontDoor<Settings = unknown, Info = unknown> {
  readonly name: string;
  settings(config: Config): Settings | undefined;
  http?(app: FastifyInstance, settings: Settings, context: DoorContext): Promise<FastPath | undefined>;
  start?(settings: Settings, context: DoorContext): Promise<StartedDoor<Info>>;
}

/** A door with its settings read: what the server runs, the same for every door. */
export interface PreparedDoor {
  readonly name: string;
  http?(app: FastifyInstance, context: DoorContext): Promise<FastPath | undefined>;
  start?(context: DoorContext): Promise<StartedDoor>;
}

/** A door in the registry: it reads its settings when the server is built. */
export interface RegisteredDoor {
  readonly name: string;
  /** The door with its settings, or undefined when it is off. Throws on bad settings. */
  prepare(config: Config): PreparedDoor | undefined;
}

/** Registers a door, keeping its settings' type private to it. */
export function registerDoor<Settings, Info>(door: FrontDoor<Settings, Info>): RegisteredDoor {
  return {
    name: door.name,
    prepare(config) {
      const settings = door.settings(config);
      if (settings === undefined) return undefined;
      const { http, start } = door;
      return {
        name: door.name,
        ...(http ? { http: (app: FastifyInstance, context: DoorContext) => http(app, settings, context) } : {}),
        ...(start ? { start: (context: DoorContext) => start(settings, context) } : {}),
      };
    },
  };
}
