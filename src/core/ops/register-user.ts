/**
 * Self-registration (httpkom `POST /persons/`): any session may create a user in a realm whose
 * `allowSelfRegistration` is on (off by default). The user gets no privileges and no groups, the next
 * free number, and a name made from the full name (`userNameFromFullName`). A full name or user name
 * already taken is `ALREADY_EXISTS` (reason `"person-exists"`).
 */

import { userNameFromFullName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { Type } from "../schema.ts";
import type { User } from "../types.ts";
import { invalid } from "../validate.ts";
import { type UserView, userView } from "../views.ts";

export interface RegisterUserInput {
  realm: string;
  fullName: string;
  password: string;
}

export const registerUser = defineOperation({
  name: "directory.registerUser",
  auth: "session",
  input: Type.Object(
    {
      realm: Type.String({ minLength: 1, maxLength: 63 }),
      fullName: Type.String({ minLength: 1, maxLength: 200 }),
      password: Type.String({ maxLength: 1024 }),
    },
    { additionalProperties: false },
  ),
  refine(input): RegisterUserInput {
    if (input.password === "") throw invalid("password", "is required and must not be empty");
    return { ...input, fullName: input.fullName.trim() };
  },
  async run(ctx, input): Promise<UserView> {
    const realm = await ctx.realm(input.realm);
    if (!realm.allowSelfRegistration) {
      throw new SessionError(
        "NO_PERMISSION",
        "This realm does not allow self-registration: ask an administrator to create the user.",
        { reason: "self-registration-disabled" },
      );
    }
    const userName = userNameFromFullName(input.fullName);
    if (!userName) {
      throw new SessionError("INVALID_ARGUMENT", "fullName must contain letters or digits.", {
        reason: "bad-name",
        details: { field: "fullName" },
      });
    }
    const users = await ctx.store.listUsers(realm.name);
    const fold = (text: string) => text.toLowerCase().split(/\s+/).join(" ");
    if (users.some((u) => u.name.toLowerCase() === userName || fold(u.fullName) === fold(input.fullName))) {
      throw new SessionError("ALREADY_EXISTS", "A user with this name exists in the realm.", {
        reason: "person-exists",
      });
    }
    const user: User = {
      realm: realm.name,
      number: users.reduce((max, u) => Math.max(max, u.number + 1), 1),
      name: userName,
      fullName: input.fullName,
      passwordHash: await ctx.hasher.hash(input.password),
      groups: [],
      privileges: [],
      disabled: false,
      createdAt: ctx.clock.now(),
    };
    await ctx.store.putUser(user);
    return userView(user);
  },
});
