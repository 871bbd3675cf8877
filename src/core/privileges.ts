/**
 * Privileges, named as vSphere names them, plus our own `Directory.Manage`, `Audit.Read` and
 * `Webhooks.Manage`.
 *
 * `System.Anonymous` is held by every caller, `System.View` by every logged-in user; the others are
 * granted to users directly or through their groups. A user's privileges are the union of both.
 *
 * Reading the audit log needs `Audit.Read`, not `System.Read`: the log tells who logged in from where
 * and who failed to, which is more than the read-only monitoring `System.Read` is granted for.
 * Managing webhooks needs `Webhooks.Manage`: an endpoint is sent those same facts, to a URL of the
 * holder's choosing.
 *
 * @module
 */

import { SessionError } from "./errors.ts";

export const PRIVILEGES = [
  "System.Anonymous",
  "System.View",
  "System.Read",
  "Sessions.TerminateSession",
  "Sessions.ValidateSession",
  "Sessions.GlobalMessage",
  "Sessions.ImpersonateUser",
  "Directory.Manage",
  "Audit.Read",
  "Webhooks.Manage",
] as const;

export type Privilege = (typeof PRIVILEGES)[number];

/** Every privilege there is: what the in-process administrator holds. */
export const ALL_PRIVILEGES: readonly Privilege[] = PRIVILEGES;

/** Privileges worth granting: all but the two every caller or every user holds anyway. */
export const GRANTABLE_PRIVILEGES: readonly Privilege[] = PRIVILEGES.filter(
  (p) => p !== "System.Anonymous" && p !== "System.View",
);

export function isPrivilege(value: unknown): value is Privilege {
  return typeof value === "string" && (PRIVILEGES as readonly string[]).includes(value);
}

/**
 * The privileges of a caller: what every caller has, what a logged-in user has, and what the user and
 * its groups were granted.
 */
export function effectivePrivileges(
  user: { privileges: readonly Privilege[]; groups: readonly string[] } | null,
  groupPrivileges: (groupName: string) => readonly Privilege[],
): Set<Privilege> {
  const held = new Set<Privilege>(["System.Anonymous"]);
  if (!user) return held;
  held.add("System.View");
  for (const p of user.privileges) held.add(p);
  for (const g of user.groups) for (const p of groupPrivileges(g)) held.add(p);
  return held;
}

/** Throws `NO_PERMISSION` (with the privilege in `details`, as vSphere faults need it) unless held. */
export function requirePrivilege(held: ReadonlySet<Privilege>, privilege: Privilege): void {
  if (!held.has(privilege)) {
    throw new SessionError("NO_PERMISSION", `This operation needs the ${privilege} privilege.`, {
      details: { privilegeId: privilege },
    });
  }
}
