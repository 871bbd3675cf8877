/**
 * Lists live sessions, filtered by realm, user and protocol, a page at a time (vSphere `sessionList`,
 * JSON `GET /sessions`). Without `Sessions.TerminateSession` a caller sees only their own user's
 * sessions, unless it asks for `all` (vSphere's `sessionList` is everyone's or nothing): then it is
 * refused with `NO_PERMISSION`.
 */

import { defineOperation } from "../operation.ts";
import { requirePrivilege } from "../privileges.ts";
import { PROTOCOLS, type Protocol } from "../types.ts";
import { asObject, oneOf, onlyFields, optionalBoolean, optionalInteger, optionalString } from "../validate.ts";
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
  parse(raw: unknown): ListSessionsInput {
    const input = asObject(raw);
    onlyFields(input, ["realm", "userName", "protocol", "after", "limit", "all"]);
    return {
      realm: optionalString(input, "realm", { max: 63 }),
      userName: optionalString(input, "userName", { max: 200 }),
      protocol: oneOf(input, "protocol", PROTOCOLS),
      after: optionalInteger(input, "after", { min: 0 }),
      limit: optionalInteger(input, "limit", { min: 1, max: 1000 }) ?? 100,
      all: optionalBoolean(input, "all"),
    };
  },
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
