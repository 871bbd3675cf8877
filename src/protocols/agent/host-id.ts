/**
 * The Agent host id: a GUID generated once and kept in `<dataDir>/agent-host-id`, so that the SIDs
 * of the default realm's users (and the `vzclient<N>-<hostId>` targets) stay the same across
 * restarts. An operator who sets `agent.hostId` needs no file at all.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SessionError } from "../../core/errors.ts";
import { GUID_PATTERN } from "../../core/validate.ts";

export const HOST_ID_FILE = "agent-host-id";

/** The host id kept in the data directory, made (readable by the owner only) when there is none. */
export function loadOrCreateHostId(dataDir: string): string {
  const path = join(dataDir, HOST_ID_FILE);
  const existing = readHostId(path);
  if (existing !== undefined) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    // "wx": two servers starting on one data directory at once keep the first one's id.
    writeFileSync(path, `${randomUUID()}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const made = readHostId(path);
  if (made === undefined) throw new Error(`Could not create the Agent host id file ${path}`);
  return made;
}

function readHostId(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const id = text.trim();
  if (!GUID_PATTERN.test(id)) {
    throw new SessionError(
      "INVALID_ARGUMENT",
      `The Agent host id file ${path} does not hold a GUID: fix it, remove it (new SIDs), or set agent.hostId.`,
    );
  }
  return id.toLowerCase();
}
