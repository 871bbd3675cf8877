/**
 * Building new sessions: the one place that decides a new session's timers, locale and secret, so
 * that creating, logging in, cloning and impersonating all follow the realm's policy alike.
 *
 * @module
 */

import { SessionError } from "./errors.ts";
import { MAX_REALM_NAME_LENGTH } from "./fields.ts";
import { isSupportedLocale } from "./locale.ts";
import type { BindingRequest, OpContext } from "./operation.ts";
import { choiceOf, type Static, Type } from "./schema.ts";
import { digestSecret, generateSecret, newSessionKey, type SecretFormat } from "./secrets.ts";
import type { SessionCap, SessionPatch } from "./store/index.ts";
import type { ClientInfo, Realm, SessionRecord } from "./types.ts";
import { GUID_PATTERN } from "./validate.ts";

export const SECRET_FORMATS = [
  "base64url",
  "uuid",
  "hex40",
  "hex32",
  "agent",
] as const satisfies readonly SecretFormat[];
export const BINDING_REQUESTS = ["none", "connection", "server"] as const satisfies readonly BindingRequest[];

/**
 * The longest idle timeout a client may choose for its session, 366 days. Front doors that take it
 * in other units (the Agent's `expiration` seconds, AstroGrid's minutes) derive their bound from this.
 */
export const MAX_CHOSEN_IDLE_SECONDS = 366 * 24 * 3600;

/** How a client describes itself; what the server sees itself (address, user agent) it records itself. */
export const ClientInput = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 128 })),
    version: Type.Optional(Type.String({ maxLength: 64 })),
    ipAddress: Type.Optional(
      Type.String({ maxLength: 64, description: "Ignored: the server records the address it sees." }),
    ),
    userAgent: Type.Optional(
      Type.String({ maxLength: 256, description: "Ignored: the server records the header it gets." }),
    ),
  },
  { additionalProperties: false },
);

/** The input fields every session-creating operation accepts (`NewSessionOptions`). */
export const NEW_SESSION_INPUT = {
  realm: Type.Optional(
    Type.String({ maxLength: MAX_REALM_NAME_LENGTH, description: "The realm (default: the default realm)" }),
  ),
  realmId: Type.Optional(
    Type.String({ pattern: GUID_PATTERN.source, description: "The realm by GUID instead of by name" }),
  ),
  idleTimeoutSeconds: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_CHOSEN_IDLE_SECONDS,
      description: "Idle timeout instead of the realm's, cut to the realm's `maxIdleTimeoutSeconds`",
    }),
  ),
  binding: Type.Optional(choiceOf(BINDING_REQUESTS)),
  secretFormat: Type.Optional(choiceOf(SECRET_FORMATS)),
  client: Type.Optional(ClientInput),
};

const NewSessionSchema = Type.Object(NEW_SESSION_INPUT);
/** Options every session-creating operation accepts. */
export type NewSessionOptions = Static<typeof NewSessionSchema>;

/** A new session record for the caller and its secret. It is not stored yet. */
export async function buildSession(
  ctx: OpContext,
  realm: Realm,
  options: NewSessionOptions,
  user: { name: string; locale?: string | undefined; impersonatedBy?: string | null } | null,
): Promise<{ record: SessionRecord; secret: string }> {
  const now = ctx.clock.now();
  const binding = ctx.binding(options.binding ?? "none");
  const idleSeconds = chosenIdleSeconds(realm, options.idleTimeoutSeconds);
  const secret = generateSecret(options.secretFormat ?? "base64url");
  const locale = user?.locale ?? realm.defaultLocale;
  const client: ClientInfo = {};
  if (options.client?.name !== undefined) client.name = options.client.name;
  if (options.client?.version !== undefined) client.version = options.client.version;
  const context = ctx.caller.context;
  if (context.ipAddress !== undefined) client.ipAddress = context.ipAddress;
  if (context.userAgent !== undefined) client.userAgent = context.userAgent.slice(0, 256);
  const record: SessionRecord = {
    key: newSessionKey(),
    number: await ctx.store.nextSessionNumber(),
    secretDigest: digestSecret(secret),
    realm: realm.name,
    userName: user?.name ?? null,
    impersonatedBy: user?.impersonatedBy ?? null,
    protocol: context.protocol,
    createdAt: now,
    loginAt: user ? now : null,
    lastActiveAt: now,
    userActiveAt: null,
    callCount: 1,
    locale,
    messageLocale: locale,
    client,
    // A bound session lives exactly as long as what it is bound to: no timers at all.
    idleTimeoutMs: binding || idleSeconds === 0 ? null : idleSeconds * 1000,
    idleTimeoutChosen: binding === null && options.idleTimeoutSeconds !== undefined,
    expiresAt: binding || realm.maxLifetimeSeconds === null ? null : now + realm.maxLifetimeSeconds * 1000,
    binding,
  };
  return { record, secret };
}

/** The idle timeout of a new session: the realm's, or the client's choice cut to the realm's cap. */
export function chosenIdleSeconds(realm: Realm, chosen: number | undefined): number {
  if (chosen === undefined) return realm.idleTimeoutSeconds;
  const cap = realm.maxIdleTimeoutSeconds;
  return cap === null ? chosen : Math.min(chosen, cap);
}

/**
 * What changes when an anonymous session logs in to another realm and so moves into it: from then on
 * it follows that realm's idle timeout (a timeout its client chose stays, cut to the new realm's cap),
 * lifetime cap and locales. A bound session keeps having no timers.
 */
export function realmMovePatch(session: SessionRecord, realm: Realm): SessionPatch {
  const patch: SessionPatch = { realm: realm.name };
  if (session.binding === null) {
    const idleSeconds = session.idleTimeoutChosen
      ? chosenIdleSeconds(realm, Math.ceil((session.idleTimeoutMs ?? 0) / 1000) || undefined)
      : realm.idleTimeoutSeconds;
    patch.idleTimeoutMs = idleSeconds === 0 ? null : idleSeconds * 1000;
    patch.expiresAt = realm.maxLifetimeSeconds === null ? null : session.createdAt + realm.maxLifetimeSeconds * 1000;
  }
  if (!isSupportedLocale(session.locale, realm.supportedLocales)) patch.locale = realm.defaultLocale;
  if (!isSupportedLocale(session.messageLocale, realm.supportedLocales)) patch.messageLocale = realm.defaultLocale;
  return patch;
}

/** A realm's cap on sessions per user, as the store applies it, or undefined when it has none. */
export function capOf(realm: Realm): SessionCap | undefined {
  return realm.maxSessionsPerUser === null
    ? undefined
    : { max: realm.maxSessionsPerUser, policy: realm.maxSessionsPolicy };
}

/**
 * Stores a new session and announces it; with a cap, under it (atomically, across nodes), refusing
 * with `LIMIT_EXCEEDED` under `deny`.
 */
export async function insertSession(ctx: OpContext, record: SessionRecord, cap?: SessionCap): Promise<void> {
  const { denied } = await ctx.sessions.insert(record, cap);
  if (denied && cap) throw capExceeded(cap.max);
  ctx.emit("created", record);
  if (record.userName !== null) {
    ctx.emit("login", record, {
      actor: record.impersonatedBy,
      detail: record.impersonatedBy ? "impersonated" : null,
    });
  }
}

/**
 * Before a login under a cap: when the user's sessions fill it by the count, judges each of them, so
 * that sessions that have just expired (and are not swept yet) are ended and do not count. This reads
 * only that user's sessions, and only at the cap.
 */
export async function settleSessionsAtCap(ctx: OpContext, realm: Realm, userName: string): Promise<void> {
  const cap = capOf(realm);
  if (!cap) return;
  const filter = { realm: realm.name, userName };
  if ((await ctx.store.countSessions(filter)) < cap.max) return;
  let after: number | null = null;
  do {
    const page = await ctx.sessions.list(filter, after, 500);
    after = page.nextAfter;
  } while (after !== null);
}

export function capExceeded(cap: number): SessionError {
  return new SessionError("LIMIT_EXCEEDED", `A user of this realm may hold at most ${cap} sessions.`);
}
