/**
 * The Astro Runtime methods sessiond serves, by their `module.component.method` names, each mapped to
 * engine operations. Parameters have the names the HTTP binding uses and the types XML-RPC converts
 * to; results are XML-RPC values (`void` is the string "OK", Java `null` the string "NULL").
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import * as ops from "../../core/ops/index.ts";
import { MAX_CHOSEN_IDLE_SECONDS } from "../../core/sessions.ts";
import type { RequestScope } from "../kit/request-scope.ts";
import type { XmlRpcValue } from "./codec.ts";
import { Fault, inAstrogridTerms, isNoSession } from "./errors.ts";

export type ParamType = "string" | "long";

export interface MethodEnvironment {
  /**
   * The request's caller, authenticated once (the call of the context's session, which is live: a
   * dead context is answered 403 before any method runs).
   */
  scope: RequestScope;
  /** The realm that sessions made by `createNewSession` start in, when configured. */
  realm: string | undefined;
  /** Shared, read-only configuration (`system.configuration`). */
  configuration: Readonly<Record<string, string>>;
  /** URLs of a session's contexts. */
  xmlrpcUrl(sessionId: string): string;
  httpUrl(sessionId: string): string;
  /** Whether a text can be a session id in a URL. */
  isSessionId(text: string): boolean;
}

export interface MethodSpec {
  /** `module.component.method` (two parts for the XML-RPC `system.*` introspection methods). */
  name: string;
  params: readonly { name: string; type: ParamType }[];
  returns: "string" | "boolean" | "int" | "array" | "struct";
  help: string;
  run(env: MethodEnvironment, args: (string | number)[]): Promise<XmlRpcValue>;
}

const OK = "OK";
const NULL = "NULL";
/** The longest idle timeout a client may choose, in AstroGrid's minutes. */
const MAX_MINUTES = MAX_CHOSEN_IDLE_SECONDS / 60;

function str(args: (string | number)[], index: number): string {
  return String(args[index]);
}

/** An unknown session id as AstroGrid reports it: the id itself is the message, when it is plain. */
function unknownSession(id: string): SessionError {
  const shown = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : "Unknown session id";
  return new SessionError("INVALID_ARGUMENT", shown);
}

async function probe(env: MethodEnvironment, id: string): Promise<boolean> {
  if (!env.isSessionId(id)) return false;
  const { live } = await env.scope.run(ops.probeSecret, { secret: id });
  return live;
}

async function find(env: MethodEnvironment, id: string): Promise<string> {
  if (!(await probe(env, id))) throw unknownSession(id);
  return id;
}

export const METHODS: readonly MethodSpec[] = [
  {
    name: "builtin.sessionManager.createNewSession",
    params: [{ name: "inactivityTimeout", type: "long" }],
    returns: "string",
    help: "Create a new session that is disposed of after inactivityTimeout minutes without a call; returns its id.",
    async run(env, args) {
      const minutes = Number(args[0]);
      if (minutes < 1 || minutes > MAX_MINUTES) {
        throw new SessionError(
          "INVALID_ARGUMENT",
          `inactivityTimeout must be a whole number of minutes from 1 to ${MAX_MINUTES}`,
        );
      }
      const created = await env.scope.run(ops.createSession, {
        idleTimeoutSeconds: minutes * 60,
        secretFormat: "hex32",
        ...(env.realm === undefined ? {} : { realm: env.realm }),
      });
      return created.secret;
    },
  },
  {
    name: "builtin.sessionManager.exists",
    params: [{ name: "sessionId", type: "string" }],
    returns: "boolean",
    help: "Whether a session exists and is accessible (the default session always does).",
    run: (env, args) => probe(env, str(args, 0)),
  },
  {
    name: "builtin.sessionManager.dispose",
    params: [{ name: "sessionId", type: "string" }],
    returns: "string",
    help: "Dispose of a session. Nothing happens for the default session or an unknown id.",
    async run(env, args) {
      const id = str(args, 0);
      if (env.isSessionId(id)) await env.scope.run(ops.disposeBySecret, { secret: id });
      return OK;
    },
  },
  {
    name: "builtin.sessionManager.findXmlRpcSession",
    params: [{ name: "sessionId", type: "string" }],
    returns: "string",
    help: "The URL an XML-RPC client connects to for working in this session.",
    run: async (env, args) => env.xmlrpcUrl(await find(env, str(args, 0))),
  },
  {
    name: "builtin.sessionManager.findHttpSession",
    params: [{ name: "sessionId", type: "string" }],
    returns: "string",
    help: "The base URL for HTTP function calls in this session.",
    run: async (env, args) => env.httpUrl(await find(env, str(args, 0))),
  },
  {
    name: "astrogrid.community.login",
    params: [
      { name: "username", type: "string" },
      { name: "password", type: "string" },
      { name: "community", type: "string" },
    ],
    returns: "string",
    help: "Log this session in; community is the realm (empty: the session's own).",
    async run(env, args) {
      // An empty community means the session's own realm. A session not logged in yet moves into
      // the community it logs in to (the core's rule), so the seed's example needs no setting.
      const community = str(args, 2);
      try {
        await env.scope.run(ops.login, {
          userName: str(args, 0),
          password: str(args, 1),
          replaceUser: true,
          ...(community === "" ? {} : { realm: community }),
        });
      } catch (error) {
        throw inAstrogridTerms(error);
      }
      return OK;
    },
  },
  {
    name: "astrogrid.community.logout",
    params: [],
    returns: "string",
    help: "Log this session out; the session stays. Nothing happens when it is not logged in.",
    async run(env) {
      try {
        await env.scope.run(ops.logout, {});
      } catch (error) {
        if (!(error instanceof SessionError) || error.code !== "NOT_AUTHENTICATED" || isNoSession(error)) throw error;
      }
      return OK;
    },
  },
  {
    name: "astrogrid.community.isLoggedIn",
    params: [],
    returns: "boolean",
    help: "Whether this session is logged in.",
    async run(env) {
      const me = await env.scope.run(ops.whoAmI, {});
      return me.user !== null;
    },
  },
  {
    name: "astrogrid.community.getUserInformation",
    params: [],
    returns: "struct",
    help: "The logged-in user: name, fullName and community (realm).",
    async run(env) {
      const me = await env.scope.run(ops.whoAmI, {});
      if (!me.user) {
        throw new SessionError("NOT_AUTHENTICATED", "This session is not logged in: log in first.", {
          details: { reason: "login-required" },
        });
      }
      return { name: me.user.name, fullName: me.user.fullName, community: me.user.realm };
    },
  },
  {
    name: "session.state.get",
    params: [{ name: "key", type: "string" }],
    returns: "string",
    help: 'A value of this session\'s own state, or "NULL" when the key is not set.',
    async run(env, args) {
      const { value } = await env.scope.run(ops.getAttribute, { name: str(args, 0) });
      return value ?? NULL;
    },
  },
  {
    name: "session.state.set",
    params: [
      { name: "key", type: "string" },
      { name: "value", type: "string" },
    ],
    returns: "string",
    help: "Sets a value of this session's own state; no other session can read it.",
    async run(env, args) {
      await env.scope.run(ops.putAttribute, { name: str(args, 0), value: str(args, 1) });
      return OK;
    },
  },
  {
    name: "session.state.delete",
    params: [{ name: "key", type: "string" }],
    returns: "string",
    help: "Removes a value of this session's own state (nothing happens when it is not set).",
    async run(env, args) {
      await env.scope.run(ops.deleteAttribute, { name: str(args, 0) });
      return OK;
    },
  },
  {
    name: "session.state.list",
    params: [],
    returns: "struct",
    help: "All of this session's own state, as a struct.",
    async run(env) {
      const all = await env.scope.run(ops.listAttributes, {});
      const struct: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [name, value] of Object.entries(all)) struct[name] = value;
      return struct;
    },
  },
  {
    name: "system.configuration.getKey",
    params: [{ name: "key", type: "string" }],
    returns: "string",
    help: 'A shared, read-only configuration value, or "NULL" for an unknown key.',
    async run(env, args) {
      const key = str(args, 0);
      return Object.hasOwn(env.configuration, key) ? (env.configuration[key] ?? NULL) : NULL;
    },
  },
  {
    name: "system.configuration.listKeys",
    params: [],
    returns: "array",
    help: "The keys of the shared, read-only configuration.",
    run: async (env) => Object.keys(env.configuration).sort(),
  },
  {
    name: "system.listMethods",
    params: [],
    returns: "array",
    help: "The names of all methods.",
    run: async () => METHODS.map((m) => m.name),
  },
  {
    name: "system.methodHelp",
    params: [{ name: "methodName", type: "string" }],
    returns: "string",
    help: "The help text of a method.",
    run: async (_env, args) => methodNamed(str(args, 0)).help,
  },
  {
    name: "system.methodSignature",
    params: [{ name: "methodName", type: "string" }],
    returns: "array",
    help: "The signature of a method: one list of the result type and the parameter types.",
    async run(_env, args) {
      const method = methodNamed(str(args, 0));
      return [[method.returns, ...method.params.map((p) => (p.type === "long" ? "int" : "string"))]];
    },
  },
  {
    name: "system.apihelp.listMethods",
    params: [],
    returns: "array",
    help: "The names of all methods (python-astrogrid calls this on connect).",
    run: async () => METHODS.map((m) => m.name),
  },
];

const BY_NAME = new Map(METHODS.map((m) => [m.name, m]));

export function lookupMethod(name: string): MethodSpec | undefined {
  return BY_NAME.get(name);
}

function methodNamed(name: string): MethodSpec {
  const method = BY_NAME.get(name);
  if (!method) throw new Fault(`${name.length > 200 ? "(method)" : name} is not available`);
  return method;
}

/**
 * Converts XML-RPC or form parameters to the method's types: `long` takes an int or a text of digits
 * (the HTTP binding sends only text), `string` takes text.
 */
export function convertArgs(method: MethodSpec, raw: readonly unknown[]): (string | number)[] {
  return method.params.map((param, i) => {
    const value = raw[i];
    if (param.type === "long") {
      if (typeof value === "number" && Number.isSafeInteger(value)) return value;
      if (typeof value === "string" && /^\s*[+-]?\d{1,15}\s*$/.test(value)) return Number(value);
      throw new SessionError("INVALID_ARGUMENT", `${param.name} must be a whole number`);
    }
    if (typeof value === "string") return value;
    throw new SessionError("INVALID_ARGUMENT", `${param.name} must be a string`);
  });
}

/** Python's `str()`/`repr()` probes of a proxy (`builtin.sessionManager.__str__`): help text. */
export function introspectionText(name: string): string | undefined {
  const match = /^(.*)\.__(?:str|repr)__$/.exec(name);
  if (!match?.[1]) return undefined;
  const prefix = `${match[1]}.`;
  const exact = BY_NAME.get(match[1]);
  if (exact) return `${exact.name}: ${exact.help}`;
  const names = METHODS.filter((m) => m.name.startsWith(prefix)).map((m) => m.name);
  return names.length === 0 ? undefined : `${match[1]}: ${names.join(", ")}`;
}
