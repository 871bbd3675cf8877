/**
 * Creates or updates a user (command line `user add`, configuration at start-up). Needs
 * `Directory.Manage`. The password is hashed with argon2id off the event loop; when an update brings
 * the same password again (a restart with an unchanged configuration) the hash is kept, so sessions
 * survive. When the password really changes, the user's other sessions end.
 */

import { resolveLoginName } from "../directory.ts";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import { isPrivilege, type Privilege } from "../privileges.ts";
import type { User } from "../types.ts";
import {
  asObject,
  invalid,
  NAME_PATTERN,
  oneOf,
  onlyFields,
  optionalBoolean,
  optionalInteger,
  optionalString,
  optionalStringArray,
  requiredString,
} from "../validate.ts";
import { type UserView, userView } from "../views.ts";
import { endSessionsOfUser } from "./set-password.ts";

export interface PutUserInput {
  name: string;
  realm?: string | undefined;
  mode: "create" | "upsert";
  number?: number | undefined;
  fullName?: string | undefined;
  password?: string | undefined;
  passwordHash?: string | undefined;
  groups?: string[] | undefined;
  privileges?: Privilege[] | undefined;
  disabled?: boolean | undefined;
}

export const putUser = defineOperation({
  name: "directory.putUser",
  auth: "user",
  privilege: "Directory.Manage",
  parse(raw: unknown): PutUserInput {
    const input = asObject(raw);
    onlyFields(input, [
      "name",
      "realm",
      "mode",
      "number",
      "fullName",
      "password",
      "passwordHash",
      "groups",
      "privileges",
      "disabled",
    ]);
    const privileges = optionalStringArray(input, "privileges", { max: 64 });
    if (privileges && !privileges.every(isPrivilege)) throw invalid("privileges", "must name known privileges");
    const groups = optionalStringArray(input, "groups", { max: 256 });
    if (groups && !groups.every((g) => NAME_PATTERN.test(g))) throw invalid("groups", "must be group names");
    const password = optionalString(input, "password", { max: 1024 });
    if (password === "") throw invalid("password", "must not be empty");
    return {
      name: requiredString(input, "name", { pattern: NAME_PATTERN }),
      realm: optionalString(input, "realm", { max: 63 }),
      mode: oneOf(input, "mode", ["create", "upsert"] as const) ?? "create",
      number: optionalInteger(input, "number", { min: 0, max: 2 ** 31 - 1 }),
      fullName: optionalString(input, "fullName", { max: 200 }),
      password,
      passwordHash: optionalString(input, "passwordHash", { max: 512, pattern: /^\$argon2id\$/ }),
      groups,
      privileges: privileges as Privilege[] | undefined,
      disabled: optionalBoolean(input, "disabled"),
    };
  },
  async run(ctx, input): Promise<UserView> {
    const realm = input.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(input.realm);
    const { userName } = await resolveLoginName(ctx, input.name, realm.name);
    const existing = await ctx.store.getUser(realm.name, userName);
    if (existing && input.mode === "create")
      throw new SessionError("ALREADY_EXISTS", "A user with this name exists in the realm.");
    let number = input.number ?? existing?.number;
    if (number === undefined) {
      const users = await ctx.store.listUsers(realm.name);
      number = users.reduce((max, u) => Math.max(max, u.number + 1), 1);
    }
    let passwordHash = input.passwordHash ?? existing?.passwordHash ?? null;
    let passwordChanged = input.passwordHash !== undefined && input.passwordHash !== existing?.passwordHash;
    if (input.password !== undefined) {
      const same = existing?.passwordHash ? await ctx.hasher.verify(existing.passwordHash, input.password) : false;
      if (!same) {
        passwordHash = await ctx.hasher.hash(input.password);
        passwordChanged = true;
      }
    }
    const user: User = {
      realm: realm.name,
      number,
      name: userName,
      fullName: input.fullName ?? existing?.fullName ?? userName,
      passwordHash,
      groups: input.groups ?? existing?.groups ?? [],
      privileges: input.privileges ?? existing?.privileges ?? [],
      disabled: input.disabled ?? existing?.disabled ?? false,
      createdAt: existing?.createdAt ?? ctx.clock.now(),
    };
    await ctx.store.putUser(user);
    if (existing && (passwordChanged || user.disabled)) {
      await endSessionsOfUser(
        ctx,
        realm.name,
        userName,
        user.disabled ? "The user was disabled." : "The password changed.",
      );
    }
    return userView(user);
  },
});
