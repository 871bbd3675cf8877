/**
 * Whether the session a secret names is live (AstroGrid `exists`, `findXmlRpcSession`,
 * `findHttpSession`). The secret is the caller's knowledge of that session, as a bearer would be; the
 * answer says only live or not and whether it is server-bound, never which session it is. It is not
 * activity of that session: asking about a session does not keep it alive. Never fails for an
 * unknown secret.
 */

import { SECRET } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { digestSecret } from "../secrets.ts";

export const probeSecret = defineOperation({
  name: "session.probeSecret",
  auth: "session",
  input: Type.Object({ secret: SECRET }, { additionalProperties: false }),
  async run(ctx, input): Promise<{ live: boolean; serverBound: boolean }> {
    const session = await ctx.sessions.find({ digest: digestSecret(input.secret) });
    return { live: session !== null, serverBound: session?.binding?.kind === "server" };
  },
});
