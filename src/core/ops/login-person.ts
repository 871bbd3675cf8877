/**
 * Logs the caller's session in as a user named the LysKOM way (httpkom `current/login`): by the
 * user's number, or by a typed name that must mean exactly one user of the realm (see
 * `findUserByTypedName`). httpkom addresses the session under the realm (its `server_id`), so the two
 * agree; a logged-in session may log in again as someone else, as a LysKOM connection may.
 *
 * Failures say which person: `INVALID_LOGIN` carries the reason `"undefined-person"` or
 * `"invalid-password"` and `details.id`, the number (LysKOM person numbers are public).
 */

import { findUserByTypedName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import type { User } from "../types.ts";
import { invalid } from "../validate.ts";
import { asLoginAttempt } from "./_login-attempt.ts";
import { completeLogin, type LoginResult, verifyCredentials } from "./login.ts";

export interface LoginPersonInput {
  realm: string;
  userNumber?: number | undefined;
  name?: string | undefined;
  password: string;
}

export const loginPerson = defineOperation({
  name: "session.loginPerson",
  auth: "session",
  input: Type.Object(
    {
      realm: Type.String({ minLength: 1, maxLength: 63 }),
      userNumber: Type.Optional(Type.Integer({ minimum: 0 })),
      name: Type.Optional(Type.String({ maxLength: 200 })),
      // May be empty: httpkom persons may have an empty password.
      password: Type.String({ maxLength: 1024 }),
    },
    { additionalProperties: false },
  ),
  refine(input): LoginPersonInput {
    if ((input.userNumber === undefined) === (input.name === undefined)) {
      throw invalid("userNumber or name", "must be given, not both");
    }
    return input;
  },
  async run(ctx, input): Promise<LoginResult> {
    const realm = await ctx.realm(input.realm);
    let user: User | null;
    if (input.userNumber !== undefined) {
      user = await ctx.store.getUserByNumber(realm.name, input.userNumber);
      if (!user) {
        const number = input.userNumber;
        // Throttled like any attempt: guessing numbers is guessing names.
        await asLoginAttempt(ctx, realm, `#${number}`, async () => {
          // Spend the time of a real check, as for any unknown user.
          await ctx.hasher.verify(await ctx.decoyHash(), input.password, ctx.caller.context.ipAddress);
          ctx.emit("login-failed", null, {
            realm: realm.name,
            protocol: ctx.caller.context.protocol,
            ipAddress: ctx.caller.context.ipAddress ?? null,
            detail: `No user has number ${number}.`,
          });
          throw new SessionError("INVALID_LOGIN", undefined, { reason: "undefined-person", details: { id: number } });
        });
        throw new SessionError("INVALID_LOGIN");
      }
    } else {
      user = await findUserByTypedName(ctx, realm.name, input.name ?? "");
    }
    const verified = await verifyCredentials(ctx, realm, user.name, input.password, {
      reason: "invalid-password",
      details: { id: user.number },
    });
    return completeLogin(ctx, realm, verified, { replaceUser: true }, undefined);
  },
});
