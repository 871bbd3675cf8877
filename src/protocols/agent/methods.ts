/**
 * The Agent calls sessiond serves, by interface and call name, each mapped to engine operations,
 * and the dispatcher that runs one packet's call.
 *
 * Every packet is one call for the engine: the dispatcher authenticates once, in the session the
 * packet runs in (its `<session>`, the `session_id` of `put`/`get`, or else the connection's
 * permanent session), and the call runs its operations for that caller in one request scope. Who may
 * do what is decided in the core; this file only knows the protocol's own rules: `sessionm` needs
 * `system/login` on the same connection first, and one permanent session per connection.
 *
 * @module
 */

import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import type { CallContext } from "../../core/operation.ts";
import * as ops from "../../core/ops/index.ts";
import type { Identity, LoginResult } from "../../core/ops/login.ts";
import { openScope, type RequestScope } from "../kit/request-scope.ts";
import { escapeXml } from "../xml.ts";
import type { RequestCall } from "./codec.ts";
import { AGENT_REASONS, isAgentReason, notLoggedIn, unknownSession } from "./errors.ts";
import { type CallParams, invalidParameter, type ParamSpec, readParams } from "./params.ts";
import { decodeSid, realmIdOfSidGuid, tokenXml } from "./token.ts";

/** The permanent session `system/login` made for a connection. */
export interface PermanentSession {
  /** Its secret: known to the server only, it authenticates the connection's packets. Never logged. */
  secret: string;
  /** Its public key, to recognise its end in engine events. */
  key: string;
}

/** What the dispatcher knows of, and may change about, the connection a packet arrived on. */
export interface AgentConnection {
  /** The permanent session while it lives. */
  readonly permanent: PermanentSession | undefined;
  setPermanent(session: PermanentSession): void;
  /** Forgets the permanent session (it ended): the connection is logged out. */
  clearPermanent(): void;
}

export interface CallEnvironment {
  engine: Engine;
  /** The Agent host id: the GUID of the default realm's SIDs. */
  hostId: string;
  connection: AgentConnection;
  /** The call context of this connection, presenting `secret`. */
  context(secret: string | undefined): CallContext;
}

export interface CallSpec {
  params: ParamSpec;
  /** True for every call but `system/get_realm` and `system/login`: `system/login` must come first. */
  needsLogin: boolean;
  /** A parameter naming the session the call runs in, when given (`put`/`get`'s `session_id`). */
  sessionParam?: string;
  /** Returns the XML inside the answer's interface element; operations run for the packet's caller. */
  run(scope: RequestScope, params: CallParams, env: CallEnvironment): Promise<string>;
}

/** The identity a login asked for with `identity: true`. */
function identityOf(result: LoginResult): Identity {
  if (!result.identity) throw new Error("The login answered no identity");
  return result.identity;
}

/** Longest session id worth looking up: longer text cannot be one, so it is simply unknown. */
const MAX_SESSION_ID = 256;

function loginParams(params: CallParams): { userName: string; password: string; realmId: string | undefined } {
  if (params.text("domain") !== undefined) {
    throw new SessionError(
      "NOT_SUPPORTED",
      "Logins into Virtuozzo containers (domain) are not supported: sessiond has no container realms.",
    );
  }
  const userName = params.base64("name");
  if (userName === undefined || userName === "") throw invalidParameter("name", "is required");
  return { userName, password: params.base64("password") ?? "", realmId: params.guid("realm") };
}

function sessionIdParam(params: CallParams, name: string): string | undefined {
  const id = params.text(name);
  if (id === "") throw invalidParameter(name, "must not be empty");
  return id;
}

const SYSTEM: Record<string, CallSpec> = {
  get_realm: {
    params: {},
    needsLogin: false,
    async run(scope, _params, _env) {
      const realms = await scope.run(ops.listPublicRealms, {});
      return realms
        .map((realm) => `<realm><id>${escapeXml(realm.id)}</id><name>${escapeXml(realm.name)}</name></realm>`)
        .join("");
    },
  },
  login: {
    params: { name: "once", domain: "once", realm: "once", password: "once" },
    needsLogin: false,
    async run(scope, params, env) {
      const input = loginParams(params);
      if (env.connection.permanent) {
        throw new SessionError(
          "INVALID_REQUEST",
          "This connection is already logged in: one system/login per connection.",
        );
      }
      const result = await scope.run(ops.login, {
        ...input,
        binding: "connection",
        secretFormat: "agent",
        newSession: true,
        identity: true,
      });
      if (result.secret === undefined) throw new Error("system/login made no new session");
      env.connection.setPermanent({ secret: result.secret, key: result.session.key });
      return tokenXml(identityOf(result), env.hostId);
    },
  },
};

const SESSIONM: Record<string, CallSpec> = {
  login: {
    params: { name: "once", domain: "once", realm: "once", password: "once", expiration: "once" },
    needsLogin: true,
    async run(scope, params, env) {
      const input = loginParams(params);
      const expiration = params.seconds("expiration");
      const result = await scope.run(ops.login, {
        ...input,
        ...(expiration === undefined ? {} : { idleTimeoutSeconds: expiration }),
        secretFormat: "agent",
        newSession: true,
        identity: true,
      });
      return `<session_id>${escapeXml(result.secret ?? "")}</session_id>${tokenXml(identityOf(result), env.hostId)}`;
    },
  },
  login_as: {
    params: { sid: "once", expiration: "once" },
    needsLogin: true,
    async run(scope, params, env) {
      const sid = decodeSid(params.requiredText("sid"));
      if (!sid) throw invalidParameter("sid", "is not a user SID of this server");
      if (sid.kind !== "user") throw invalidParameter("sid", "names a group: login_as needs a user's SID");
      const expiration = params.seconds("expiration");
      const result = await scope.run(ops.impersonate, {
        userNumber: sid.rid,
        realmId: realmIdOfSidGuid(sid.guid, env.hostId),
        ...(expiration === undefined ? {} : { idleTimeoutSeconds: expiration }),
        secretFormat: "agent",
        identity: true,
      });
      return `<session_id>${escapeXml(result.secret ?? "")}</session_id>${tokenXml(identityOf(result), env.hostId)}`;
    },
  },
  logout: {
    params: { session_id: "once" },
    needsLogin: true,
    async run(scope, params, _env) {
      const id = params.requiredText("session_id");
      if (id.length > MAX_SESSION_ID) throw unknownSession();
      const { ended } = await scope.run(ops.disposeBySecret, { secret: id });
      if (!ended) throw unknownSession();
      return "<ok/>";
    },
  },
  put: {
    params: { session_id: "once", data: "many" },
    needsLogin: true,
    sessionParam: "session_id",
    async run(scope, params, _env) {
      const data = params.all("data");
      if (data.length === 0) throw invalidParameter("data", "is required: one or more <data><key>…</key></data>");
      const entries = data.map((element, i) => {
        const entry = readParams(element, { key: "once", value: "once" }, `data[${i + 1}]`);
        return { name: entry.requiredText("key"), value: entry.rawText("value") ?? "" };
      });
      await scope.run(ops.putAttributes, { entries });
      return "<ok/>";
    },
  },
  get: {
    params: { session_id: "once", key: "many" },
    needsLogin: true,
    sessionParam: "session_id",
    async run(scope, params, _env) {
      const names = [...new Set(params.texts("key"))];
      const pairs: [string, string][] = [];
      if (names.length === 0) {
        pairs.push(...Object.entries(await scope.run(ops.listAttributes, {})));
      } else {
        for (const name of names) {
          const { value } = await scope.run(ops.getAttribute, { name });
          if (value !== null) pairs.push([name, value]);
        }
      }
      return pairs
        .map(([key, value]) => `<data><key>${escapeXml(key)}</key><value>${escapeXml(value)}</value></data>`)
        .join("");
    },
  },
};

/** Every call, by interface and call name. */
export const INTERFACES: Readonly<Record<string, Readonly<Record<string, CallSpec>>>> = {
  system: SYSTEM,
  sessionm: SESSIONM,
};

/**
 * Runs one packet's call and returns the XML inside its answer's interface element. `packetSession`
 * is the packet's `<session>`, when it had one.
 */
export async function dispatch(env: CallEnvironment, call: RequestCall, packetSession: string | undefined) {
  const calls = Object.hasOwn(INTERFACES, call.iface) ? INTERFACES[call.iface] : undefined;
  if (!calls) {
    throw new SessionError("UNKNOWN_METHOD", "No such interface: sessiond serves system and sessionm.", {
      details: { reason: AGENT_REASONS.unknownInterface },
    });
  }
  const spec = Object.hasOwn(calls, call.call) ? calls[call.call] : undefined;
  if (!spec) {
    throw new SessionError("UNKNOWN_METHOD", `No such call in ${call.iface}: it has ${Object.keys(calls).join(", ")}.`);
  }
  if (spec.needsLogin && !env.connection.permanent) throw notLoggedIn();
  const params = readParams(call.element, spec.params, `${call.iface}/${call.call}`);
  const named = (spec.sessionParam ? sessionIdParam(params, spec.sessionParam) : undefined) ?? packetSession;
  const permanent = env.connection.permanent;
  const secret = named ?? permanent?.secret;
  if (named !== undefined && named.length > MAX_SESSION_ID) throw unknownSession();
  const scope = await openScope(env.engine, env.context(secret));
  const caller = scope.caller;
  if (named !== undefined && !caller.session) throw unknownSession();
  if (named === undefined && permanent && !caller.session) {
    // Ended elsewhere (terminated by an operator, the user deleted): the connection is logged out.
    env.connection.clearPermanent();
    if (spec.needsLogin) {
      throw notLoggedIn("This connection's session has ended: log in again with system/login.");
    }
  }
  try {
    return await spec.run(scope, params, env);
  } catch (error) {
    // Said in the Agent's terms: a session that is not logged in, or one that vanished while the call ran.
    if (error instanceof SessionError && error.code === "NOT_AUTHENTICATED" && !isAgentReason(error)) {
      if (error.reason === "login-required") throw notLoggedIn(error.message);
      throw named !== undefined ? unknownSession() : notLoggedIn();
    }
    throw error;
  }
}
