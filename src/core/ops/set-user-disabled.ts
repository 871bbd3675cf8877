/**
 * Disables or enables a user (command line `user disable` and `user enable`, JSON `POST
 * /realms/{realm}/users/{name}/disable` and `/enable`). Needs `Directory.Manage`. A disabled user
 * cannot log in, and every session of theirs ends at once, each announced as `terminated`, so push
 * channels (SSE streams, vSphere waits, Agent connections) learn of it.
 */

import { resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { REALM_REFERENCE, USER_REFERENCE } from "../fields.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import { type UserView, userView } from "../views.ts";
import { endSessionsOfUser } from "./set-password.ts";

export const setUserDisabled = defineOperation({
  name: "directory.setUserDisabled",
  auth: "user",
  privilege: "Directory.Manage",
  input: Type.Object(
    { name: USER_REFERENCE, realm: Type.Optional(REALM_REFERENCE), disabled: Type.Boolean() },
    { additionalProperties: false },
  ),
  async run(ctx, input): Promise<{ user: UserView; sessionsEnded: number }> {
    const { realm, userName } = await resolveLoginName(ctx, input.name, input.realm);
    const user = await ctx.store.getUser(realm.name, userName);
    if (!user) throw new SessionError("NOT_FOUND", "No such user.");
    if (user.disabled !== input.disabled) {
      await ctx.store.putUser({ ...user, disabled: input.disabled });
      await ctx.audit(input.disabled ? "user-disabled" : "user-enabled", { realm: realm.name, userName });
    }
    const sessionsEnded = input.disabled
      ? await endSessionsOfUser(ctx, realm.name, userName, "The user was disabled.")
      : 0;
    return { user: userView({ ...user, disabled: input.disabled }), sessionsEnded };
  },
});
