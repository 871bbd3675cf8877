/**
 * Creates or updates a user (command line `user add`, configuration at start-up, JSON `POST` and
 * `PATCH /realms/{realm}/users`). Needs `Directory.Manage`. The password is hashed with argon2id off
 * the event loop; when an update brings the same password again (a restart with an unchanged
 * configuration) the hash is kept, so sessions survive. When the password really changes, or the user
 * is disabled, the user's other sessions end. A change is audited, the password only as changed.
 */

import { resolveLoginName } from "../directory.ts";
import { PUT_USER_INPUT } from "../directory-input.ts";
import { SessionError } from "../errors.ts";
import { defineOperation } from "../operation.ts";
import type { Static } from "../schema.ts";
import type { DirectoryChange, User } from "../types.ts";
import { type UserView, userView } from "../views.ts";
import { userChanges } from "./_directory-changes.ts";
import { endSessionsOfUser } from "./set-password.ts";

export type PutUserInput = Static<typeof PUT_USER_INPUT> & { mode: "create" | "update" | "upsert" };

export const putUser = defineOperation({
  name: "directory.putUser",
  auth: "user",
  privilege: "Directory.Manage",
  input: PUT_USER_INPUT,
  refine: (input): PutUserInput => ({ ...input, mode: input.mode ?? "create" }),
  async run(ctx, input): Promise<UserView> {
    const realm = input.realm === undefined ? await ctx.defaultRealm() : await ctx.realm(input.realm);
    const { userName } = await resolveLoginName(ctx, input.name, realm.name);
    const existing = await ctx.store.getUser(realm.name, userName);
    if (existing && input.mode === "create")
      throw new SessionError("ALREADY_EXISTS", "A user with this name exists in the realm.");
    if (!existing && input.mode === "update") throw new SessionError("NOT_FOUND", "No such user.");
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
    const changes = userChanges(existing, user);
    if (changes === null) return userView(user);
    await ctx.store.putUser(user);
    await ctx.audit(changeKind(existing, user, passwordChanged), { realm: realm.name, userName, detail: changes });
    if (existing && (passwordChanged || user.disabled)) {
      await endSessionsOfUser(
        ctx,
        realm.name,
        userName,
        user.disabled ? "The user was disabled." : "The password changed.",
        { keepCallers: !user.disabled },
      );
    }
    return userView(user);
  },
});

/** How the audit log names a change to a user: a change of password or of standing before any other. */
function changeKind(existing: User | null, user: User, passwordChanged: boolean): DirectoryChange {
  if (!existing) return "user-created";
  if (existing.disabled !== user.disabled) return user.disabled ? "user-disabled" : "user-enabled";
  const onlyPassword =
    passwordChanged && userChanges(existing, { ...user, passwordHash: existing.passwordHash }) === null;
  return onlyPassword ? "password-changed" : "user-updated";
}
