/**
 * Reads the audit log, a page at a time, oldest first, filtered by realm, user, kind and session
 * (JSON `GET /audit`, command line `sessiond audit`, the console's audit page and session detail).
 * Needs `Audit.Read` (see `privileges.ts` for why not `System.Read`). Each filter is an exact match;
 * a user name without a realm matches that name in every realm. Every shape of filter has its index
 * in the store, so a page reads what it returns.
 */

import { AFTER_NUMBER, PAGE_LIMIT, REALM_REFERENCE, SESSION_KEY } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { choiceOf, Type } from "../schema.ts";
import type { AuditFilter } from "../store/index.ts";
import { AUDIT_KINDS } from "../types.ts";
import { type AuditEntryView, auditEntryView } from "../views.ts";
import { DEFAULT_PAGE_LIMIT, pageOf } from "./_directory-changes.ts";

export const listAudit = defineOperation({
  name: "audit.list",
  auth: "user",
  privilege: "Audit.Read",
  input: Type.Object(
    {
      realm: Type.Optional(REALM_REFERENCE),
      userName: Type.Optional(
        Type.String({ maxLength: 200, description: "A user's name; with no realm, in every realm" }),
      ),
      kind: Type.Optional(
        choiceOf(AUDIT_KINDS, { description: "What happened: a session event or a directory change" }),
      ),
      sessionKey: Type.Optional(Type.String({ ...SESSION_KEY, description: "A session's key: that session's trail" })),
      after: Type.Optional(AFTER_NUMBER),
      limit: Type.Optional(PAGE_LIMIT),
    },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<{ entries: AuditEntryView[]; nextAfter: number | null }> {
    const filter: AuditFilter = {
      ...(input.realm === undefined ? {} : { realm: input.realm }),
      ...(input.userName === undefined ? {} : { userName: input.userName }),
      ...(input.kind === undefined ? {} : { type: input.kind }),
      ...(input.sessionKey === undefined ? {} : { sessionKey: input.sessionKey }),
    };
    const limit = input.limit ?? DEFAULT_PAGE_LIMIT;
    const fetched = await ctx.store.listAudit(input.after ?? null, limit + 1, filter);
    const page = pageOf(fetched, limit, (entry) => entry.id ?? 0);
    return { entries: page.items.map(auditEntryView), nextAfter: page.nextAfter };
  },
});
