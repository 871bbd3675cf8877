/**
 * Who may see and end which sessions: one's own user's sessions always; everyone's with
 * `Sessions.TerminateSession`. Shared by listing, inspecting and terminating.
 */

import type { Caller } from "../operation.ts";
import type { SessionRecord } from "../types.ts";

export function ownsSession(caller: Caller, session: SessionRecord): boolean {
  return (
    caller.user !== null &&
    session.userName !== null &&
    session.realm === caller.user.realm &&
    session.userName === caller.user.name
  );
}

export function maySeeAllSessions(caller: Caller): boolean {
  return caller.privileges.has("Sessions.TerminateSession");
}

export function maySee(caller: Caller, session: SessionRecord): boolean {
  return maySeeAllSessions(caller) || ownsSession(caller, session) || caller.session?.key === session.key;
}
