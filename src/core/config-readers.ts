/**
 * Readers of configuration values. Each checks one raw value and throws `INVALID_ARGUMENT` naming its
 * path (`agent.port must be an integer from 0 to 65535`), so that the core's configuration parser and
 * every front door's settings parser refuse a wrong setting in the same words.
 *
 * @module
 */

import { SessionError } from "./errors.ts";

/** A `{ "cert", "key" }` block: the PEM files a listener serves TLS with. */
export interface TlsConfig {
  /** Path of the PEM certificate (chain). */
  cert: string;
  /** Path of the PEM private key. */
  key: string;
}

export type RawSettings = Record<string, unknown>;

/** Throws the error for a setting at `path` that is not what `expectation` says. */
export function failSetting(path: string, expectation: string): never {
  throw new SessionError("INVALID_ARGUMENT", `Configuration: ${path} ${expectation}.`, { details: { path } });
}

export function settingsObject(value: unknown, path: string): RawSettings {
  if (typeof value !== "object" || value === null || Array.isArray(value)) failSetting(path, "must be an object");
  return value as RawSettings;
}

/** Refuses names the block does not know; `path` is the block's (`""` for the top level). */
export function checkKnownSettings(raw: RawSettings, path: string, names: readonly string[]): void {
  for (const name of Object.keys(raw)) {
    if (!names.includes(name)) {
      failSetting(`${path}${path ? "." : ""}${name}`, `is not a known setting (known: ${names.join(", ")})`);
    }
  }
}

export function textSetting(value: unknown, path: string, options: { pattern?: RegExp; max?: number } = {}): string {
  if (typeof value !== "string" || value === "") failSetting(path, "must be a non-empty string");
  if (options.max !== undefined && value.length > options.max) {
    failSetting(path, `must be text of 1 to ${options.max} characters`);
  }
  if (options.pattern && !options.pattern.test(value)) failSetting(path, "has an invalid format");
  return value;
}

export function integerSetting(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    failSetting(path, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function booleanSetting(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") failSetting(path, "must be true or false");
  return value;
}

/** A `{ "cert", "key" }` block of PEM file paths, or null when absent. */
export function tlsSetting(value: unknown, path: string): TlsConfig | null {
  if (value === undefined || value === null) return null;
  const raw = settingsObject(value, path);
  checkKnownSettings(raw, path, ["cert", "key"]);
  return { cert: textSetting(raw.cert, `${path}.cert`), key: textSetting(raw.key, `${path}.key`) };
}
