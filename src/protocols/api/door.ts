/**
 * The JSON API as a front door: always on, at `/api/v1`, with the who-am-i fast path.
 *
 * @module
 */

import type { FrontDoor } from "../kit/front-door.ts";
import { createWhoAmIFastPath } from "./fast-path.ts";
import { API_PREFIX, apiPlugin } from "./plugin.ts";
import { setStreamLimits } from "./stream-limits.ts";

export const apiDoor: FrontDoor<Record<string, never>> = {
  name: "api",
  settings: () => ({}),
  async http(app, _settings, { engine, config, log }) {
    setStreamLimits(engine, config.http);
    await app.register(apiPlugin, { prefix: API_PREFIX, engine });
    return createWhoAmIFastPath(engine, log);
  },
};
