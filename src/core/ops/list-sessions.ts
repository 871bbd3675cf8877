/**
 * Lists live sessions, filtered by realm, user and protocol, a page at a time (vSphere `sessionList`,
 * JSON `GET /sessions`). Without `Sessions.TerminateSession` a caller sees only their own user's
 * sessions, unless it asks for `all` (vSphere's `sessionList` is everyone's or nothing): then it is
 * refused with `NO_PERMISSION`.
 */

import { REALM_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { requirePrivilege } from "../privileges.ts";
import { choiceOf, Type } from "../schema.ts";
import { PROTOCOLS, type Protocol } from "../types.ts";
import { type SessionView, sessionView } from "../views.ts";
import { maySeeAllSessions } from "./_visibility.ts";

export interface ListSessionsInput {
  realm?: string | undefined;
  userName?: string | undefined;
  protocol?: Protocol | undefined;
  after?: number | undefined;
  limit: number;
  /** Everyone's sessions or `NO_PERMISSION`, instead of falling back to the caller's own. */
  all?: boolean | undefined;
}

export const listSessions = defineOperation({
  name: "session.list",
  auth: "user",
  serviceTicket: true,
  input: Type.Object(
    {
      realm: Type.Optional(REALM_REFERENCE),
      userName: Type.Optional(Type.String({ maxLength: 200 })),
      protocol: Type.Optional(choiceOf(PROTOCOLS)),
      after: Type.Optional(Type.Integer({ minimum: 0, description: "The `nextAfter` of the previous page" })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: "At most this many (default 100)" })),
      all: Type.Optional(Type.Boolean({ description: "Everyone's sessions or NO_PERMISSION" })),
    },
    { additionalProperties: false },
  ),
  refine: (input): ListSessionsInput => ({ ...input, limit: input.limit ?? 100 }),
  async run(ctx, input): Promise<{ sessions: SessionView[]; nextAfter: number | null }> {
    const caller = ctx.caller;
    const filter = { ...input };
    if (input.all) requirePrivilege(caller.privileges, "Sessions.TerminateSession");
    if (!maySeeAllSessions(caller)) {
      // Not an error: a plain user asking for everything gets what they may see, their own sessions.
      const own = caller.user;
      if (!own || (input.realm !== undefined && input.realm !== own.realm)) return { sessions: [], nextAfter: null };
      if (input.userName !== undefined && input.userName !== own.name) return { sessions: [], nextAfter: null };
      filter.realm = own.realm;
      filter.userName = own.name;
    }
    const storeFilter = {
      ...(filter.realm === undefined ? {} : { realm: filter.realm }),
      ...(filter.userName === undefined ? {} : { userName: filter.userName }),
      ...(filter.protocol === undefined ? {} : { protocol: filter.protocol }),
    };
    const page = await ctx.sessions.list(storeFilter, input.after ?? null, input.limit);
    const live = page.sessions;
    const fullNames = new Map<string, string>();
    for (const s of live) {
      const id = `${s.realm}/${s.userName}`;
      if (s.userName === null || fullNames.has(id)) continue;
      fullNames.set(id, (await ctx.store.getUser(s.realm, s.userName))?.fullName ?? s.userName);
    }
    return {
      sessions: live.map((s) => sessionView(s, fullNames.get(`${s.realm}/${s.userName}`) ?? null)),
      nextAfter: page.nextAfter,
    };
  },
});
