/**
 * AstroGrid as a front door: on only when the configuration has an `astrogrid` block, since it
 * writes a discovery file into the user's home folder. Once the HTTP listener listens it makes the
 * default session (server-bound, so it lives as long as the server) and writes the root URL into the
 * discovery file (mode 0600, removed on stop).
 *
 * @module
 */

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Engine } from "../../core/engine.ts";
import { createSession } from "../../core/ops/index.ts";
import type { FrontDoor, StartedDoor } from "../kit/front-door.ts";
import { astrogridPlugin } from "./plugin.ts";
import { type AstrogridSettings, discoveryFilePath, parseAstrogridSettings } from "./settings.ts";

/** What the AstroGrid front door exposes once started. */
export interface AstrogridInfo {
  rootUrl: string;
  discoveryFile: string;
  /** The default session's id (its secret). */
  sessionId: string;
}

/** Calls made by the server itself: every privilege, no session. */
const SERVER = { protocol: "astrogrid", trusted: true } as const;

export const astrogridDoor: FrontDoor<AstrogridSettings, AstrogridInfo> = {
  name: "astrogrid",
  settings: (config) => parseAstrogridSettings(config.frontDoors.astrogrid),
  async http(app, settings, { engine, config, baseUrl }) {
    await app.register(astrogridPlugin, {
      prefix: settings.prefix,
      engine,
      settings,
      baseUrl,
      configuration: {
        "sessiond.nodeId": config.nodeId,
        "sessiond.astrogrid.prefix": settings.prefix,
        "sessiond.astrogrid.realm": settings.realm ?? "",
        "sessiond.sessions.maxAttributes": String(config.sessions.maxAttributes),
        "sessiond.sessions.maxAttributeValueBytes": String(config.sessions.maxAttributeValueBytes),
      },
    });
    return undefined;
  },
  async start(settings, { engine, baseUrl }) {
    const sessionId = await createDefaultSession(engine, settings);
    const rootUrl = `${baseUrl()}${settings.prefix}/${sessionId}/`;
    const discoveryFile = discoveryFilePath(settings);
    writeDiscoveryFile(discoveryFile, rootUrl);
    return {
      listeners: [],
      // The file holds the default session's secret: its path is printed, never its contents.
      notices: [`astrogrid root URL written to ${discoveryFile}`],
      info: { rootUrl, discoveryFile, sessionId },
      async stop() {
        rmSync(discoveryFile, { force: true });
      },
    };
  },
};

/**
 * The default session: bound to the server (it lives as long as the server does), with an AstroGrid
 * id, logged in as `astrogrid.defaultUser` when set. Returns its id (secret).
 */
async function createDefaultSession(engine: Engine, settings: AstrogridSettings): Promise<string> {
  const created = await engine.call(createSession, SERVER, {
    binding: "server",
    secretFormat: "hex32",
    client: { name: "astrogrid-default-session" },
    ...(settings.realm === undefined ? {} : { realm: settings.realm }),
    ...(settings.defaultUser === undefined ? {} : { userName: settings.defaultUser }),
  });
  return created.secret;
}

/** Writes the root URL as the discovery file's single line, readable by its owner only. */
function writeDiscoveryFile(path: string, rootUrl: string): void {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  writeFileSync(path, `${rootUrl}\n`, { mode: 0o600 });
}

/** The started AstroGrid front door's info among a server's started doors, or undefined when it is off. */
export function astrogridInfo(doors: ReadonlyMap<string, StartedDoor>): AstrogridInfo | undefined {
  return doors.get(astrogridDoor.name)?.info as AstrogridInfo | undefined;
}
