/**
 * The `httpkom` block of the configuration, checked:
 *
 * ```json
 * "httpkom": { "prefix": "/httpkom", "allowedOrigins": [], "corsMaxAge": 0 }
 * ```
 *
 * @module
 */

import { checkKnownSettings, failSetting, integerSetting } from "../../core/config-readers.ts";

export interface HttpkomSettings {
  /** Where the front door is mounted: `/` or `/segment[/segment...]`. @default "/httpkom" */
  prefix: string;
  /** Origins that CORS answers with their own name; empty allows any (`*`). @default [] */
  allowedOrigins: string[];
  /** `Access-Control-Max-Age`, seconds. @default 0 */
  corsMaxAge: number;
}

export const DEFAULT_HTTPKOM_SETTINGS: HttpkomSettings = { prefix: "/httpkom", allowedOrigins: [], corsMaxAge: 0 };

/** Literal path segments only: no router parameters (`:`), wildcards or empty segments. */
const PREFIX_PATTERN = /^(\/|(\/[A-Za-z0-9._~-]+)+)$/;

/** Checks the raw `httpkom` block (absent means all defaults). Throws `INVALID_ARGUMENT` naming the path. */
export function parseHttpkomSettings(raw: Record<string, unknown> | undefined): HttpkomSettings {
  const settings: HttpkomSettings = { ...DEFAULT_HTTPKOM_SETTINGS, allowedOrigins: [] };
  if (raw === undefined) return settings;
  checkKnownSettings(raw, "httpkom", ["prefix", "allowedOrigins", "corsMaxAge"]);
  if (raw.prefix !== undefined) {
    if (typeof raw.prefix !== "string" || !PREFIX_PATTERN.test(raw.prefix)) {
      failSetting("httpkom.prefix", 'must be "/" or a path like "/httpkom" (letters, digits and ._~- between slashes)');
    }
    settings.prefix = raw.prefix;
  }
  if (raw.allowedOrigins !== undefined) {
    if (!Array.isArray(raw.allowedOrigins)) failSetting("httpkom.allowedOrigins", "must be a list of origins");
    settings.allowedOrigins = raw.allowedOrigins.map((origin, i) => {
      if (typeof origin !== "string" || origin === "" || origin.length > 512) {
        failSetting(`httpkom.allowedOrigins[${i}]`, 'must be an origin like "https://jskom.example.org" or "*"');
      }
      return origin;
    });
  }
  if (raw.corsMaxAge !== undefined) {
    settings.corsMaxAge = integerSetting(raw.corsMaxAge, "httpkom.corsMaxAge", 0, 86_400 * 365);
  }
  return settings;
}
