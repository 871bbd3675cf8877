/**
 * Merges the configuration sources in rising order: defaults, a JSON file (`--config FILE` or
 * `SESSIOND_CONFIG`), `SESSIOND_*` environment variables, then flags. The result is checked by the
 * core's `parseConfig`.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { type Config, parseConfig } from "../core/config.ts";
import { SessionError } from "../core/errors.ts";

/** Environment variables and the setting each one sets. */
export const ENVIRONMENT: Record<string, { path: string[]; type: "string" | "integer" }> = {
  SESSIOND_DATA_DIR: { path: ["dataDir"], type: "string" },
  SESSIOND_NODE_ID: { path: ["nodeId"], type: "string" },
  SESSIOND_STORE: { path: ["store", "driver"], type: "string" },
  SESSIOND_STORE_PATH: { path: ["store", "path"], type: "string" },
  SESSIOND_STORE_URL: { path: ["store", "url"], type: "string" },
  SESSIOND_HTTP_HOST: { path: ["http", "host"], type: "string" },
  SESSIOND_HTTP_PORT: { path: ["http", "port"], type: "integer" },
  SESSIOND_TLS_CERT: { path: ["http", "tls", "cert"], type: "string" },
  SESSIOND_TLS_KEY: { path: ["http", "tls", "key"], type: "string" },
  SESSIOND_LOG_LEVEL: { path: ["log", "level"], type: "string" },
};

/** Flags common to every command that reads the configuration, and the setting each one sets. */
export const CONFIG_FLAGS: Record<string, { path: string[]; type: "string" | "integer" }> = {
  "data-dir": { path: ["dataDir"], type: "string" },
  store: { path: ["store", "driver"], type: "string" },
  host: { path: ["http", "host"], type: "string" },
  port: { path: ["http", "port"], type: "integer" },
  "log-level": { path: ["log", "level"], type: "string" },
};

type Raw = Record<string, unknown>;

function setPath(target: Raw, path: string[], value: unknown): void {
  let node = target;
  for (const name of path.slice(0, -1)) {
    const next = node[name];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[name] = {};
    node = node[name] as Raw;
  }
  node[path[path.length - 1] as string] = value;
}

function convert(value: string, type: "string" | "integer", source: string): unknown {
  if (type === "string") return value;
  if (!/^\d+$/.test(value)) throw new SessionError("INVALID_ARGUMENT", `${source} must be a whole number.`);
  return Number(value);
}

/** Reads a JSON config file, with errors that say which file and what is wrong. */
export function readConfigFile(path: string): Raw {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SessionError("INVALID_ARGUMENT", `Cannot read the config file ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("it is not a JSON object");
    return parsed as Raw;
  } catch (error) {
    throw new SessionError(
      "INVALID_ARGUMENT",
      `The config file ${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
}

export function loadConfig(
  flags: Record<string, string | boolean | string[] | undefined>,
  env: NodeJS.ProcessEnv,
): Config {
  const file = (flags.config as string | undefined) ?? env.SESSIOND_CONFIG;
  const raw: Raw = file ? readConfigFile(file) : {};
  for (const [name, target] of Object.entries(ENVIRONMENT)) {
    const value = env[name];
    if (value !== undefined && value !== "") setPath(raw, target.path, convert(value, target.type, name));
  }
  for (const [name, target] of Object.entries(CONFIG_FLAGS)) {
    const value = flags[name];
    if (typeof value === "string") setPath(raw, target.path, convert(value, target.type, `--${name}`));
  }
  return parseConfig(raw);
}
