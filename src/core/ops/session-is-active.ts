/**
 * Whether a session with this key is live and belongs to this user (vSphere `SessionIsActive`).
 * Never fails for an unknown key: it answers false.
 */

import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";

export const sessionIsActive = defineOperation({
  name: "session.isActive",
  auth: "user",
  serviceTicket: true,
  privilege: "Sessions.ValidateSession",
  input: Type.Object(
    { key: Type.String({ minLength: 1, maxLength: 64 }), userName: Type.String({ minLength: 1, maxLength: 200 }) },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<boolean> {
    const session = await ctx.sessions.find({ key: input.key });
    if (!session || session.userName === null) return false;
    const at = input.userName.lastIndexOf("@");
    if (at > 0 && input.userName.slice(at + 1) === session.realm)
      return input.userName.slice(0, at) === session.userName;
    return input.userName === session.userName;
  },
});
