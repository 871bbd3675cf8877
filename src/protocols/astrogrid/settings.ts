/**
 * The `astrogrid` block of the configuration, checked. The front door is on only when the block is
 * present (even empty), so that a server without it never writes into the user's home folder:
 *
 * ```json
 * "astrogrid": { "prefix": "/astrogrid", "discoveryFile": "~/.astrogrid-desktop", "defaultUser": "alice",
 *                "realm": "default", "maxRequestBytes": 262144 }
 * ```
 *
 * @module
 */

import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { checkKnownSettings, failSetting, integerSetting, textSetting } from "../../core/config-readers.ts";

export interface AstrogridSettings {
  /** Where the front door is mounted: `/segment[/segment...]`. @default "/astrogrid" */
  prefix: string;
  /** File that receives the root URL (`~` is the home folder). @default "~/.astrogrid-desktop" */
  discoveryFile: string;
  /** User (`name` or `name@realm`) the default session is logged in as; anonymous when absent. */
  defaultUser: string | undefined;
  /** Realm that sessions made by `createNewSession` start in (a login may move one to another); absent: the default realm. */
  realm: string | undefined;
  /** Largest XML-RPC request or form body, in bytes. @default 262144 */
  maxRequestBytes: number;
}

export const DEFAULT_ASTROGRID_SETTINGS: AstrogridSettings = {
  prefix: "/astrogrid",
  discoveryFile: "~/.astrogrid-desktop",
  defaultUser: undefined,
  realm: undefined,
  maxRequestBytes: 256 * 1024,
};

/** Literal path segments only, and not the root: session ids are the next segment. */
const PREFIX_PATTERN = /^(\/[A-Za-z0-9._~-]+)+$/;

/** Checks the raw `astrogrid` block; undefined when it is absent (the front door is off). */
export function parseAstrogridSettings(raw: Record<string, unknown> | undefined): AstrogridSettings | undefined {
  if (raw === undefined) return undefined;
  const settings: AstrogridSettings = { ...DEFAULT_ASTROGRID_SETTINGS };
  checkKnownSettings(raw, "astrogrid", ["prefix", "discoveryFile", "defaultUser", "realm", "maxRequestBytes"]);
  if (raw.prefix !== undefined) {
    if (typeof raw.prefix !== "string" || !PREFIX_PATTERN.test(raw.prefix)) {
      failSetting("astrogrid.prefix", 'must be a path like "/astrogrid" (letters, digits and ._~- between slashes)');
    }
    settings.prefix = raw.prefix;
  }
  if (raw.discoveryFile !== undefined)
    settings.discoveryFile = textSetting(raw.discoveryFile, "astrogrid.discoveryFile", { max: 4096 });
  if (raw.defaultUser !== undefined)
    settings.defaultUser = textSetting(raw.defaultUser, "astrogrid.defaultUser", { max: 200 });
  if (raw.realm !== undefined) settings.realm = textSetting(raw.realm, "astrogrid.realm", { max: 63 });
  if (raw.maxRequestBytes !== undefined) {
    settings.maxRequestBytes = integerSetting(raw.maxRequestBytes, "astrogrid.maxRequestBytes", 1024, 16 * 1024 * 1024);
  }
  return settings;
}

/** The discovery file's absolute path: `~` is the home folder, relative paths are from the working folder. */
export function discoveryFilePath(settings: AstrogridSettings, home = homedir()): string {
  const path = settings.discoveryFile;
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(path);
}
