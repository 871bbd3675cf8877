/**
 * Ends other sessions, by key or by number, in one of two modes:
 *
 * - `in-order` (vSphere `TerminateSession`): needs `Sessions.TerminateSession`; processes the list in
 *   order and stops at the first failure (`NOT_FOUND` for an unknown session, `INVALID_ARGUMENT` for
 *   the caller's own); sessions ended before the failure stay ended.
 * - `batch` (JSON `DELETE /sessions/{key}` and `POST /sessions/terminate`, httpkom `DELETE /sessions/{n}`):
 *   a result for every item; one's own user's sessions (including the caller's own) may always be
 *   ended, others need `Sessions.TerminateSession`.
 */

import { SessionError } from "../errors.ts";
import { defineOperation, type OpContext } from "../operation.ts";
import { choiceOf, Type } from "../schema.ts";
import type { SessionRecord } from "../types.ts";
import { maySeeAllSessions, ownsSession } from "./_visibility.ts";

export type SessionRef = { key: string } | { number: number };

export interface TerminateInput {
  sessions: SessionRef[];
  mode: "in-order" | "batch";
}

export type TerminateOutcome = "terminated" | "not-found" | "no-permission";

export interface TerminateResult {
  /** One entry per requested session, in order (in-order mode: only those processed). */
  results: { ref: SessionRef; key: string | null; outcome: TerminateOutcome }[];
}

export const terminateSessions = defineOperation({
  name: "session.terminate",
  auth: "user",
  input: Type.Object(
    {
      sessions: Type.Array(
        Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Integer({ minimum: 0 })], {
          errorMessage: "must be a session key (text) or number",
        }),
        {
          minItems: 1,
          maxItems: 1000,
          errorMessage: "must be a list of 1 to 1000 session keys or numbers",
          description: "Session keys, or session numbers",
        },
      ),
      mode: Type.Optional(
        choiceOf(["batch", "in-order"] as const, {
          description: "`batch`: a result per session. `in-order`: stop at the first failure, as vSphere does.",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  refine: (input): TerminateInput => ({
    sessions: input.sessions.map((ref) => (typeof ref === "string" ? { key: ref } : { number: ref })),
    mode: input.mode ?? "batch",
  }),
  async run(ctx, input): Promise<TerminateResult> {
    const caller = ctx.caller;
    if (input.mode === "in-order" && !maySeeAllSessions(caller)) {
      throw new SessionError("NO_PERMISSION", "This operation needs the Sessions.TerminateSession privilege.", {
        details: { privilegeId: "Sessions.TerminateSession" },
      });
    }
    const results: TerminateResult["results"] = [];
    for (const ref of input.sessions) {
      const session = await find(ctx, ref);
      if (input.mode === "in-order") {
        if (session && session.key === caller.session?.key) {
          throw new SessionError("INVALID_ARGUMENT", "A session cannot terminate itself this way; log out instead.", {
            details: { field: "sessions", index: results.length },
          });
        }
        if (!session) throw new SessionError("NOT_FOUND", "No such session.", { details: { index: results.length } });
      }
      if (!session) {
        results.push({ ref, key: null, outcome: "not-found" });
        continue;
      }
      if (!maySeeAllSessions(caller) && !ownsSession(caller, session)) {
        // Someone else's session needs the privilege. Session numbers are public (httpkom answers
        // PermissionDenied here), so saying so reveals nothing new.
        results.push({ ref, key: null, outcome: "no-permission" });
        continue;
      }
      const own = session.key === caller.session?.key;
      const ended = await ctx.endSession(session.key, own ? "disposed" : "terminated");
      results.push({ ref, key: session.key, outcome: ended ? "terminated" : "not-found" });
    }
    return { results };
  },
});

/** A live session by reference; number 0 means the caller's own session (httpkom). */
async function find(ctx: OpContext, ref: SessionRef): Promise<SessionRecord | null> {
  if ("key" in ref) return ctx.sessions.find({ key: ref.key });
  if (ref.number === 0) return ctx.caller.session;
  return ctx.sessions.find({ number: ref.number });
}
