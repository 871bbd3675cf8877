/**
 * Local ticket files: a one-time password written where only one OS user can read it.
 *
 * Each ticket is a file of mode 0600 in `<dataDir>/tickets/<user>/`, a directory of mode 0700. When an
 * OS user of that name exists and this process may change ownership (it runs as root), both belong to
 * that user; otherwise they belong to the user the server runs as, so the operator who runs the server
 * (and so can read its data directory anyway) can use them. Reading the file proves the caller is that
 * user on this machine.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { chown, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EnginePorts } from "../core/operation.ts";

export interface LocalTicketOptions {
  dataDir: string;
  /** Ticket files older than this are removed whenever a new ticket is written. */
  ttlMs: number;
}

export function createLocalTicketFiles(
  options: LocalTicketOptions,
): Required<Pick<EnginePorts, "writeLocalTicket" | "removeLocalTicket">> {
  const root = join(options.dataDir, "tickets");
  // The file name is derived from the ticket, so the file can be found again to remove it, but it
  // reveals nothing: it is a digest, and the directory is readable by its owner only.
  const fileName = (ticket: string) =>
    `${createHash("sha256").update(`file:${ticket}`).digest("hex").slice(0, 32)}.ticket`;
  const safeName = (userName: string) => userName.replace(/[^A-Za-z0-9._@-]/g, "_");

  async function pruneOld(dir: string): Promise<void> {
    const cutoff = Date.now() - options.ttlMs;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => null);
      if (info && info.mtimeMs < cutoff) await rm(path, { force: true });
    }
  }

  return {
    async writeLocalTicket(userName, ticket) {
      await mkdir(root, { recursive: true, mode: 0o711 });
      const dir = join(root, safeName(userName));
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await pruneOld(dir);
      const path = join(dir, fileName(ticket));
      // Exactly the ticket, as vSphere writes it: pyVim's GetLocalTicket passes the whole file, read
      // as is, as the password, so a line end would make the login fail.
      await writeFile(path, ticket, { mode: 0o600, flag: "wx" });
      const owner = osUser(userName);
      if (owner && process.getuid?.() === 0) {
        await chown(dir, owner.uid, owner.gid);
        await chown(path, owner.uid, owner.gid);
      }
      return path;
    },
    async removeLocalTicket(userName, ticket) {
      await rm(join(root, safeName(userName), fileName(ticket)), { force: true });
    },
  };
}

/** The uid and gid of an OS user, from /etc/passwd, or null when there is none. */
function osUser(name: string): { uid: number; gid: number } | null {
  let passwd: string;
  try {
    passwd = readFileSync("/etc/passwd", "utf8");
  } catch {
    return null;
  }
  for (const line of passwd.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}
