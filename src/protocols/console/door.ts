/**
 * The operators' console as a front door: server-rendered pages with htmx at `/console` on the HTTP
 * listener, on unless `console.enabled` is false. Its sessions are ordinary sessions of protocol
 * `console`; every page runs the core's operations, which check the operator's privileges.
 *
 * @module
 */

import type { FrontDoor } from "../kit/front-door.ts";
import { consolePlugin } from "./plugin.ts";
import { type ConsoleSettings, parseConsoleSettings } from "./settings.ts";

export const consoleDoor: FrontDoor<ConsoleSettings> = {
  name: "console",
  settings: (config) => parseConsoleSettings(config.frontDoors.console),
  async http(app, settings, { engine }) {
    await app.register(consolePlugin, { prefix: settings.prefix, engine });
    return undefined;
  },
};
