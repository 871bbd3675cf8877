/**
 * A password check run as a login attempt under the brute-force throttle (`../login-throttle.ts`):
 * admitted before any password is verified, so a throttled attempt spends no argon2 time; counted as
 * a failure only when the check itself says the credentials are wrong (`INVALID_LOGIN`), so a login
 * the session cap refuses later is no failure; and, in a realm that opts in with
 * `lockoutAfterFailures`, the user is disabled once their failures reach it.
 *
 * Trusted in-process callers (the server making its own sessions) are not throttled.
 */

import { SessionError } from "../errors.ts";
import type { OpContext } from "../operation.ts";
import type { Realm } from "../types.ts";
import { endSessionsOfUser } from "./set-password.ts";

export async function asLoginAttempt<T>(
  ctx: OpContext,
  realm: Realm,
  typedName: string,
  check: () => Promise<T>,
): Promise<T> {
  if (ctx.caller.context.trusted) return check();
  const attempt = await ctx.throttle.admit(realm.name, typedName, ctx.caller.context.ipAddress);
  try {
    const result = await check();
    await attempt.succeeded();
    return result;
  } catch (error) {
    if (error instanceof SessionError && error.code === "INVALID_LOGIN") {
      const failures = await attempt.failed();
      await lockOutWhenDue(ctx, realm, typedName, failures);
    }
    throw error;
  } finally {
    attempt.release();
  }
}

/** Disables the user once their failures reach the realm's lockout, if the realm has one. */
async function lockOutWhenDue(ctx: OpContext, realm: Realm, typedName: string, failures: number): Promise<void> {
  const lockoutAfter = realm.lockoutAfterFailures;
  if (lockoutAfter === null || failures < lockoutAfter) return;
  const user = await ctx.store.getUser(realm.name, typedName);
  if (!user || user.disabled) return;
  await ctx.store.putUser({ ...user, disabled: true });
  ctx.emit("user-locked-out", null, {
    realm: realm.name,
    userName: user.name,
    protocol: ctx.caller.context.protocol,
    ipAddress: ctx.caller.context.ipAddress ?? null,
    detail: `Disabled after ${failures} failed logins; an operator enables it again.`,
  });
  await endSessionsOfUser(ctx, realm.name, user.name, "The user was locked out after failed logins.");
}
