/**
 * The `httpkom` block of the configuration, checked:
 *
 * ```json
 * "httpkom": { "prefix": "/httpkom", "allowedOrigins": [], "corsMaxAge": 0 }
 * ```
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";

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

function fail(path: string, expectation: string): never {
  throw new SessionError("INVALID_ARGUMENT", `Configuration: ${path} ${expectation}.`, { details: { path } });
}

/** Checks the raw `httpkom` block (absent means all defaults). Throws `INVALID_ARGUMENT` naming the path. */
export function parseHttpkomSettings(raw: Record<string, unknown> | undefined): HttpkomSettings {
  const settings: HttpkomSettings = { ...DEFAULT_HTTPKOM_SETTINGS, allowedOrigins: [] };
  if (raw === undefined) return settings;
  const known = ["prefix", "allowedOrigins", "corsMaxAge"];
  for (const name of Object.keys(raw)) {
    if (!known.includes(name)) fail(`httpkom.${name}`, `is not a known setting (known: ${known.join(", ")})`);
  }
  if (raw.prefix !== undefined) {
    if (typeof raw.prefix !== "string" || !PREFIX_PATTERN.test(raw.prefix)) {
      fail("httpkom.prefix", 'must be "/" or a path like "/httpkom" (letters, digits and ._~- between slashes)');
    }
    settings.prefix = raw.prefix;
  }
  if (raw.allowedOrigins !== undefined) {
    if (!Array.isArray(raw.allowedOrigins)) fail("httpkom.allowedOrigins", "must be a list of origins");
    settings.allowedOrigins = raw.allowedOrigins.map((origin, i) => {
      if (typeof origin !== "string" || origin === "" || origin.length > 512) {
        fail(`httpkom.allowedOrigins[${i}]`, 'must be an origin like "https://jskom.example.org" or "*"');
      }
      return origin;
    });
  }
  if (raw.corsMaxAge !== undefined) {
    const value = raw.corsMaxAge;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > 86_400 * 365) {
      fail("httpkom.corsMaxAge", "must be an integer number of seconds from 0 to 31536000");
    }
    settings.corsMaxAge = value;
  }
  return settings;
}
