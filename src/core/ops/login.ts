/**
 * Logs a user in, with a password or a local ticket (vSphere `Login`, Agent `system/login` and
 * `sessionm/login`, httpkom `current/login`, JSON `POST /login`).
 *
 * Into the caller's anonymous session when it has one (httpkom logs in on its connection), or into a
 * new session otherwise, or always into a new one with `newSession: true`. A logged-in session is
 * refused unless `replaceUser` is set (LysKOM lets a connection log in again as someone else).
 *
 * An anonymous session may log in to any realm and moves into it (its timers and locales follow the
 * new realm); a logged-in session keeps its realm, so logging it in as a user of another realm is
 * `INVALID_REQUEST` with `details.reason` `"logged-in-elsewhere"`.
 *
 * Session fixation: a login into the caller's own session through a door whose clients take a new
 * secret from the answer (`ROTATING_DOORS`) rotates the secret, so a secret handed to the victim
 * before they logged in is worthless after. Doors that keep an id for life (httpkom connections,
 * AstroGrid contexts, vSphere cookies, Agent ids) cannot rotate, so they log in only anonymous
 * sessions they made themselves (`"session-of-another-door"`). `docs/security.md` says what is left.
 */

import { resolveLoginName } from "../directory.ts";
import { SessionError, type SessionErrorOptions } from "../errors.ts";
import { LOCALE, LOGIN_NAME, PASSWORD } from "../fields.ts";
import { checkLocale } from "../locale.ts";
import { defineOperation, type OpContext } from "../operation.ts";
import type { Privilege } from "../privileges.ts";
import { type Static, Type } from "../schema.ts";
import { digestSecret, generateSecret, localTicketDigest } from "../secrets.ts";
import { localizedMessage, readServiceMessage } from "../service-message.ts";
import {
  buildSession,
  capExceeded,
  capOf,
  insertSession,
  NEW_SESSION_INPUT,
  type NewSessionOptions,
  realmMovePatch,
  settleSessionsAtCap,
} from "../sessions.ts";
import type { Protocol, Realm, SessionRecord, User } from "../types.ts";
import { type SessionView, sessionView, type UserView, userView } from "../views.ts";
import { asLoginAttempt } from "./_login-attempt.ts";

const LoginInputSchema = Type.Object(
  {
    userName: LOGIN_NAME,
    password: Type.String({ ...PASSWORD, description: "The password, or a local ticket" }),
    locale: Type.Optional(LOCALE),
    newSession: Type.Optional(Type.Boolean({ description: "Log in into a new session even when the caller has one" })),
    replaceUser: Type.Optional(
      Type.Boolean({ description: "Log a logged-in session in again as someone else (LysKOM allows it)" }),
    ),
    identity: Type.Optional(
      Type.Boolean({ description: "Answer `identity` too (it costs a read of each of the user's groups)" }),
    ),
    ...NEW_SESSION_INPUT,
  },
  { additionalProperties: false },
);

export type LoginInput = Static<typeof LoginInputSchema>;

export interface LoginResult {
  /**
   * The secret of a newly created session, or the caller's own session's new secret when the login
   * rotated it (`secretRotated`); absent when the caller's session was logged in and kept its secret.
   */
  secret?: string;
  /** True when `secret` replaced the caller's own: the one sent with this login no longer works. */
  secretRotated?: boolean;
  session: SessionView;
  user: UserView;
  /** Who the user is, by number, for wire forms that name principals so (Agent SIDs); when asked for. */
  identity?: Identity;
  /** The service message in the session's message locale ("" when none is set). */
  serviceMessage: string;
}

/** A logged-in user as numbers: the realm's GUID, the user's and its groups' numbers, and what it may do. */
export interface Identity {
  realmId: string;
  userNumber: number;
  /** The user's groups that exist, in the user's order. */
  groups: { name: string; number: number }[];
  /** Every privilege the user holds, its own and its groups', sorted. */
  privileges: Privilege[];
}

export const login = defineOperation({
  name: "session.login",
  auth: "none",
  input: LoginInputSchema,
  async run(ctx, input): Promise<LoginResult> {
    // A login into the caller's own session that names no realm means that session's realm.
    const implied = input.newSession ? undefined : ctx.caller.session?.realm;
    const { realm, userName } = await resolveLoginName(ctx, input.userName, input.realm, input.realmId, implied);
    const locale = input.locale === undefined ? undefined : checkLocale(input.locale, realm.supportedLocales);
    const user = await verifyCredentials(ctx, realm, userName, input.password);
    return completeLogin(ctx, realm, user, input, locale);
  },
});

/**
 * The user, when the password (or a local ticket given as the password) is right; `INVALID_LOGIN`
 * otherwise, with the `failure` reason and details when the caller gives them (login by number says
 * which person).
 */
export async function verifyCredentials(
  ctx: OpContext,
  realm: Realm,
  userName: string,
  password: string,
  failure?: SessionErrorOptions<"INVALID_LOGIN">,
): Promise<User> {
  return asLoginAttempt(ctx, realm, userName, async () => {
    const user = await ctx.store.getUser(realm.name, userName);
    const now = ctx.clock.now();
    // A local ticket works once as the password of the user it was made for (vSphere AcquireLocalTicket).
    const ticket = await ctx.store.takeTicket(localTicketDigest(realm.name, userName, password), "local", now);
    if (ticket && user && !user.disabled) {
      await ctx.ports.removeLocalTicket?.(user.name, password);
      return user;
    }
    // Hashing takes turns per client address, so one address's flood does not starve the others.
    const owner = ctx.caller.context.ipAddress;
    let verified = false;
    if (user?.passwordHash && !user.disabled) {
      verified = await ctx.hasher.verify(user.passwordHash, password, owner);
    } else {
      // Spend the same time on a missing or disabled user, so timing does not tell which names exist.
      await ctx.hasher.verify(await ctx.decoyHash(), password, owner);
    }
    if (verified && user) return user;
    // A name no user has may be a password typed in the wrong field: it goes out only as
    // `unknownUserName`, which the audit log records as a keyed digest.
    ctx.emit("login-failed", null, {
      realm: realm.name,
      userName: user ? userName : null,
      ...(user ? {} : { unknownUserName: userName }),
      protocol: ctx.caller.context.protocol,
      ipAddress: ctx.caller.context.ipAddress ?? null,
    });
    throw new SessionError("INVALID_LOGIN", undefined, failure);
  });
}

/** Doors whose clients take the secret a login answers: the JSON API. */
const ROTATING_DOORS: ReadonlySet<Protocol> = new Set<Protocol>(["api"]);

/** Puts a verified user into the caller's session or a new one; shared with clone and impersonate. */
export async function completeLogin(
  ctx: OpContext,
  realm: Realm,
  user: User,
  input: NewSessionOptions & {
    newSession?: boolean | undefined;
    replaceUser?: boolean | undefined;
    identity?: boolean | undefined;
  },
  locale: string | undefined,
  impersonatedBy: string | null = null,
): Promise<LoginResult> {
  const current = ctx.caller.session;
  const cap = capOf(realm);
  await settleSessionsAtCap(ctx, realm, user.name);
  let session: SessionRecord;
  let secret: string | undefined;
  const rotated = Boolean(current && !input.newSession);
  if (current && !input.newSession) {
    if (current.userName !== null && !input.replaceUser) {
      throw new SessionError(
        "INVALID_REQUEST",
        "This session is already logged in: log out first, or log in without it.",
      );
    }
    // An anonymous session belongs to no one yet: it may log in to any realm and moves into it. A
    // logged-in one keeps its realm, so its user's realm and the session's never disagree.
    const moves = current.realm !== realm.name;
    if (moves && current.userName !== null) {
      throw new SessionError(
        "INVALID_REQUEST",
        "This session is logged in to another realm: log out first, or log in without it.",
        { reason: "logged-in-elsewhere", details: { realm: current.realm } },
      );
    }
    const door = ctx.caller.context.protocol;
    const rotates = ROTATING_DOORS.has(door);
    if (!rotates && current.userName === null && current.protocol !== door) {
      throw new SessionError("INVALID_REQUEST", "This session was made by another front door: log in without it.", {
        reason: "session-of-another-door",
        details: { protocol: current.protocol },
      });
    }
    if (rotates) secret = generateSecret("base64url");
    const written = await ctx.sessions.login(
      current.key,
      {
        ...(moves ? realmMovePatch(current, realm) : {}),
        ...(secret === undefined ? {} : { secretDigest: digestSecret(secret) }),
        userName: user.name,
        loginAt: ctx.clock.now(),
        impersonatedBy,
        ...(locale === undefined ? {} : { locale, messageLocale: locale }),
      },
      cap,
    );
    if (written.denied && cap) throw capExceeded(cap.max);
    if (!written.session) throw new SessionError("NOT_AUTHENTICATED");
    session = written.session;
    ctx.emit("login", session, { actor: impersonatedBy, detail: impersonatedBy ? "impersonated" : null });
  } else {
    const built = await buildSession(ctx, realm, input, { name: user.name, locale, impersonatedBy });
    await insertSession(ctx, built.record, cap);
    session = built.record;
    secret = built.secret;
  }
  const message = await readServiceMessage(ctx.store);
  return {
    ...(secret === undefined ? {} : { secret }),
    ...(secret !== undefined && rotated ? { secretRotated: true } : {}),
    session: sessionView(session, user.fullName),
    user: userView(user),
    ...(input.identity ? { identity: await identityOf(ctx, realm, user) } : {}),
    serviceMessage: localizedMessage(message, session.messageLocale),
  };
}

async function identityOf(ctx: OpContext, realm: Realm, user: User): Promise<Identity> {
  const groups: Identity["groups"] = [];
  for (const name of user.groups) {
    const group = await ctx.store.getGroup(user.realm, name);
    if (group) groups.push({ name: group.name, number: group.number });
  }
  const privileges = [...(await ctx.privilegesOf(user))].sort();
  return { realmId: realm.id, userNumber: user.number, groups, privileges };
}
