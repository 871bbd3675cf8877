/**
 * Counts audit entries of some kinds from a time on: the console dashboard's logins and failed logins
 * over the last hour. Read from the store's audit log, so that every node of a shared store answers
 * the same, whatever each node saw itself or how long it has been up; the store's (type, at) index
 * serves it. Needs `Audit.Read`, as reading the log itself does.
 */

import { defineOperation } from "../operation.ts";
import { choiceOf, Type } from "../schema.ts";
import { AUDIT_KINDS, type AuditKind } from "../types.ts";

export const countAudit = defineOperation({
  name: "audit.count",
  auth: "user",
  privilege: "Audit.Read",
  input: Type.Object(
    {
      kinds: Type.Array(choiceOf(AUDIT_KINDS, { errorMessage: "is not a kind of audit entry" }), {
        minItems: 1,
        maxItems: AUDIT_KINDS.length,
        uniqueItems: true,
        description: "The kinds to count, each counted apart",
      }),
      since: Type.Integer({ minimum: 0, description: "Epoch milliseconds: entries written at or after it count" }),
    },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<{ counts: Partial<Record<AuditKind, number>>; since: number }> {
    return { counts: await ctx.store.countAudit(input.kinds, input.since), since: input.since };
  },
});
