/**
 * httpkom as a front door: on by default, at `httpkom.prefix`.
 *
 * @module
 */

import type { FrontDoor } from "../kit/front-door.ts";
import { httpkomPlugin } from "./plugin.ts";
import { type HttpkomSettings, parseHttpkomSettings } from "./settings.ts";

export const httpkomDoor: FrontDoor<HttpkomSettings> = {
  name: "httpkom",
  settings: (config) => parseHttpkomSettings(config.frontDoors.httpkom),
  async http(app, settings, { engine }) {
    // With the prefix "/", `/api/v1/...` and `/healthz` still win: static routes beat the
    // `/:server_id/...` pattern, and no httpkom route has a path that could also be one of theirs.
    await app.register(httpkomPlugin, { prefix: settings.prefix === "/" ? "" : settings.prefix, engine, settings });
    return undefined;
  },
};
