/**
 * The `console` block of the configuration, checked:
 *
 * ```json
 * "console": { "enabled": true }
 * ```
 *
 * The console is on by default; `enabled: false` turns it off, and `/console` is then unknown.
 *
 * @module
 */

import { booleanSetting, checkKnownSettings } from "../../core/config-readers.ts";

export interface ConsoleSettings {
  /** Where the console is mounted; fixed, so that links printed by `sessiond console-link` are right. */
  prefix: "/console";
}

/** The console's settings, or undefined when it is turned off. Throws `INVALID_ARGUMENT` naming the path. */
export function parseConsoleSettings(raw: Record<string, unknown> | undefined): ConsoleSettings | undefined {
  if (raw !== undefined) {
    checkKnownSettings(raw, "console", ["enabled"]);
    if (raw.enabled !== undefined && !booleanSetting(raw.enabled, "console.enabled")) return undefined;
  }
  return { prefix: "/console" };
}
