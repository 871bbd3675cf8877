/**
 * Self-registration (httpkom `POST /persons/`): any session may create a user in a realm whose
 * `allowSelfRegistration` is on (off by default). The user gets no privileges and no groups, the next
 * free number, and a name made from the full name (`userNameFromFullName`). A full name or user name
 * already taken is `ALREADY_EXISTS` (reason `"person-exists"`).
 */

import { userNameFromFullName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import type { User } from "../types.ts";
import { asObject, invalid, onlyFields, optionalString, requiredString } from "../validate.ts";
import { type UserView, userView } from "../views.ts";

export interface RegisterUserInput {
  realm: string;
  fullName: string;
  password: string;
}

export const registerUser = defineOperation({
  name: "directory.registerUser",
  auth: "session",
  parse(raw: unknown): RegisterUserInput {
    const input = asObject(raw);
    onlyFields(input, ["realm", "fullName", "password"]);
    const password = optionalString(input, "password", { max: 1024 });
    if (!password) throw invalid("password", "is required and must not be empty");
    return {
      realm: requiredString(input, "realm", { max: 63 }),
      fullName: requiredString(input, "fullName", { max: 200 }).trim(),
      password,
    };
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
