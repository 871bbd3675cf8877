/**
 * What a stranger can make the server hold: the limits on anonymous sessions.
 *
 * Anyone who reaches a front door can create an anonymous session (httpkom `POST /sessions/`,
 * AstroGrid `createNewSession`, JSON `POST /sessions`) and store attributes in it, without a password.
 * Unlimited, that lets one client fill the disk. So a session without a user gets its own, smaller
 * limits (the `anonymous*` settings of `SessionLimits`):
 *
 * - its idle timeout is cut to `anonymousMaxIdleTimeoutSeconds`, whatever the client or the realm asks;
 * - its attributes are limited to `anonymousMaxAttributes` and `anonymousMaxAttributeTotalBytes`;
 * - one client address may hold `anonymousSessionsPerAddress` live ones, counted in the store, so the
 *   count holds across every node sharing it;
 * - one address may create `anonymousCreationsPerMinute` per minute, counted in memory per node (a
 *   token bucket): with N nodes behind a balancer, an address may create up to N times as many;
 * - past `maxDatabaseBytes` of store data, no new one is made at all.
 *
 * Sessions the server makes itself (trusted callers: the AstroGrid default session) and sessions bound
 * to the server are not a stranger's, and keep the ordinary limits. Logins are never refused here: a
 * user who logs in is no longer a stranger.
 *
 * @module
 */

import type { SessionLimits } from "./config.ts";
import { SessionError } from "./errors.ts";
import type { OpContext } from "./operation.ts";
import type { AttributeLimits } from "./store/index.ts";
import { createTokenBuckets, type TokenBuckets } from "./token-buckets.ts";
import type { SessionRecord } from "./types.ts";

/** How long a measured database size is trusted, in ms: measuring costs a query on PostgreSQL. */
const SIZE_TRUSTED_MS = 1000;

/** What one engine (one node) keeps for these limits. */
interface NodeState {
  creations: TokenBuckets;
  size: { bytes: number; at: number } | null;
  measuring: Promise<number> | null;
}

/**
 * One state per engine, found through the engine's event bus, which every call's context shares and
 * which lives exactly as long as the engine: several engines in one process (tests, embedders, a
 * cluster in one test) must not share their buckets.
 */
const states = new WeakMap<object, NodeState>();

function stateOf(ctx: OpContext): NodeState {
  let state = states.get(ctx.events);
  if (!state) {
    state = {
      creations: createTokenBuckets({ capacity: ctx.limits.anonymousCreationsPerMinute, periodMs: 60_000 }),
      size: null,
      measuring: null,
    };
    states.set(ctx.events, state);
  }
  return state;
}

/** The store's size, measured at most once per `SIZE_TRUSTED_MS` and once at a time. */
async function databaseBytes(ctx: OpContext, state: NodeState): Promise<number> {
  const now = ctx.clock.now();
  if (state.size && now - state.size.at < SIZE_TRUSTED_MS) return state.size.bytes;
  state.measuring ??= ctx.store.databaseBytes().finally(() => {
    state.measuring = null;
  });
  const bytes = await state.measuring;
  state.size = { bytes, at: now };
  return bytes;
}

/**
 * Checks, before an anonymous session is made for the caller, that the store is under
 * `maxDatabaseBytes`, that the caller's address holds fewer than `anonymousSessionsPerAddress` live
 * anonymous sessions, and that it has not created `anonymousCreationsPerMinute` in the last minute on
 * this node. Throws `LIMIT_EXCEEDED` saying which; a refused creation does not count against the rate.
 */
export async function admitAnonymousSession(ctx: OpContext): Promise<void> {
  const context = ctx.caller.context;
  if (context.trusted) return;
  const limits = ctx.limits;
  const state = stateOf(ctx);
  if (limits.maxDatabaseBytes > 0 && (await databaseBytes(ctx, state)) >= limits.maxDatabaseBytes) {
    throw new SessionError(
      "LIMIT_EXCEEDED",
      "The server takes no new anonymous sessions now: its store is full. Log in, or try again later.",
    );
  }
  const address = context.ipAddress;
  if (address === undefined) return;
  const now = ctx.clock.now();
  if ((await ctx.store.countAnonymousSessions(address, now)) >= limits.anonymousSessionsPerAddress) {
    throw new SessionError(
      "LIMIT_EXCEEDED",
      `Your address holds ${limits.anonymousSessionsPerAddress} sessions that are not logged in, the most it may: log in with one, or end some.`,
    );
  }
  if (!state.creations.take(address, now)) {
    const seconds = Math.max(1, Math.ceil(state.creations.waitMs(address, now) / 1000));
    throw new SessionError(
      "LIMIT_EXCEEDED",
      `Your address has created ${limits.anonymousCreationsPerMinute} sessions in the last minute, the most it may: try again in ${seconds} s.`,
      { details: { retryAfterSeconds: seconds } },
    );
  }
}

/**
 * Cuts the idle timeout of a new anonymous session a stranger creates to
 * `anonymousMaxIdleTimeoutSeconds`, the realm's "no idle expiry" included. Bound sessions have no
 * timers and are left alone, as are the server's own.
 */
export function limitAnonymousSession(ctx: OpContext, record: SessionRecord): void {
  if (ctx.caller.context.trusted || record.binding !== null || record.userName !== null) return;
  const capMs = ctx.limits.anonymousMaxIdleTimeoutSeconds * 1000;
  if (record.idleTimeoutMs === null || record.idleTimeoutMs > capMs) record.idleTimeoutMs = capMs;
}

/**
 * The attribute limits of a session: the ordinary ones, or for a session without a user (other than
 * the server's own) the smaller of them and the anonymous ones.
 */
export function attributeLimitsOf(session: SessionRecord, limits: SessionLimits): AttributeLimits {
  const ordinary = { maxCount: limits.maxAttributes, maxTotalBytes: limits.maxAttributeTotalBytes };
  if (session.userName !== null || session.binding?.kind === "server") return ordinary;
  return {
    maxCount: Math.min(ordinary.maxCount, limits.anonymousMaxAttributes),
    maxTotalBytes: Math.min(ordinary.maxTotalBytes, limits.anonymousMaxAttributeTotalBytes),
  };
}
