/**
 * The `SessionManager` managed object's methods (protocols.md 1.5, seed 001) and the service
 * instance's, each mapped to one engine operation. Privileges and session rules are the core's: a
 * method here only reads its parameters, calls the operation for the request's one authenticated
 * caller and writes the result as vSphere does.
 *
 * @module
 */

import { SessionError } from "../../core/errors.ts";
import * as ops from "../../core/ops/index.ts";
import { type MethodSpec, type ObjectSource, object, text, texts } from "./call.ts";
import { serviceContent } from "./objects.ts";
import { userSession } from "./properties.ts";
import { dataObject } from "./values.ts";

const LOCALE = text("locale", { required: false, max: 16 });

/** vSphere users type `DOMAIN\user`; sessiond's realms are lower-case slugs named as `user@realm`. */
export function loginName(typed: string): string {
  const slash = typed.indexOf("\\");
  if (slash <= 0) return typed;
  return `${typed.slice(slash + 1)}@${typed.slice(0, slash).toLowerCase()}`;
}

/** The HTTP methods of `SessionManagerHttpServiceRequestSpecMethod`, as request methods. */
const HTTP_SPEC_METHODS: Readonly<Record<string, string>> = {
  httpOptions: "OPTIONS",
  httpGet: "GET",
  httpHead: "HEAD",
  httpPost: "POST",
  httpPut: "PUT",
  httpDelete: "DELETE",
  httpTrace: "TRACE",
  httpConnect: "CONNECT",
};

/**
 * The scope a generic service ticket is made for, from its request spec: `http <METHOD|*> <path>`
 * for an HTTP service (only `/sdk` URLs are served here, so only those are accepted) and
 * `vmomi <method>` for a VMOMI method. The `/sdk` front door presents tickets with the same scopes.
 */
export function serviceTicketScope(source: ObjectSource): string {
  if (source.type === "SessionManagerHttpServiceRequestSpec") {
    source.only(["method", "url"]);
    const url = source.text("url");
    const method = source.text("method");
    if (!url)
      throw new SessionError("INVALID_ARGUMENT", "spec.url is required.", { details: { wireField: "spec.url" } });
    let path: string;
    try {
      path = new URL(url, "http://localhost").pathname;
    } catch {
      throw new SessionError("INVALID_ARGUMENT", "spec.url is not a URL.", { details: { wireField: "spec.url" } });
    }
    if (path !== "/sdk" && !path.startsWith("/sdk/")) {
      throw new SessionError("INVALID_ARGUMENT", "Only services under /sdk are served by this server.", {
        details: { wireField: "spec.url" },
      });
    }
    const verb = method === undefined ? "*" : HTTP_SPEC_METHODS[method];
    if (verb === undefined) {
      throw new SessionError("INVALID_ARGUMENT", "spec.method is not an HTTP service request method.", {
        details: { wireField: "spec.method" },
      });
    }
    return `http ${verb} ${path}`;
  }
  if (source.type === "SessionManagerVmomiServiceRequestSpec") {
    source.only(["method"]);
    const method = source.text("method");
    if (!method)
      throw new SessionError("INVALID_ARGUMENT", "spec.method is required.", { details: { wireField: "spec.method" } });
    return `vmomi ${method}`;
  }
  throw new SessionError(
    "INVALID_ARGUMENT",
    "spec must be a SessionManagerHttpServiceRequestSpec or a SessionManagerVmomiServiceRequestSpec.",
    { details: { wireField: "spec" } },
  );
}

function notSupported(method: string): SessionError {
  return new SessionError("NOT_SUPPORTED", `${method} is not supported by this server: log in with Login.`);
}

const unsupportedLogin = (method: string, params: MethodSpec["params"]): MethodSpec => ({
  anonymous: true,
  params,
  async run() {
    throw notSupported(method);
  },
});

export const SESSION_MANAGER_METHODS: Readonly<Record<string, MethodSpec>> = {
  Login: {
    operation: ops.login,
    params: [text("userName", { max: 256 }), text("password", { max: 1024 }), LOCALE],
    async run(call, args) {
      const result = await call.scope.run(ops.login, {
        userName: loginName(args.userName as string),
        password: args.password,
        ...(args.locale === undefined ? {} : { locale: args.locale }),
        // A Login always starts a session of its own: pyVmomi keeps only the newest cookie.
        newSession: true,
        secretFormat: "hex40",
      });
      if (result.secret !== undefined) call.issueSession(result.secret);
      return userSession(result.session);
    },
  },
  Logout: {
    operation: ops.endSession,
    params: [],
    async run(call) {
      await call.scope.run(ops.endSession);
      return undefined;
    },
  },
  TerminateSession: {
    operation: ops.terminateSessions,
    params: [texts("sessionId", { max: 1000 })],
    wireFields: { sessions: "sessionId" },
    async run(call, args) {
      await call.scope.run(ops.terminateSessions, { sessions: args.sessionId, mode: "in-order" });
      return undefined;
    },
  },
  SessionIsActive: {
    operation: ops.sessionIsActive,
    readOnly: true,
    params: [text("sessionID", { max: 64 }), text("userName", { max: 256 })],
    wireFields: { key: "sessionID" },
    run: (call, args) =>
      call.scope.run(ops.sessionIsActive, {
        key: args.sessionID,
        userName: loginName(args.userName as string),
      }),
  },
  AcquireCloneTicket: {
    operation: ops.acquireCloneTicket,
    params: [],
    async run(call) {
      return (await call.scope.run(ops.acquireCloneTicket)).ticket;
    },
  },
  CloneSession: {
    operation: ops.cloneSession,
    params: [text("cloneTicket", { max: 256 })],
    wireFields: { ticket: "cloneTicket" },
    async run(call, args) {
      const result = await call.scope.run(ops.cloneSession, {
        ticket: args.cloneTicket,
        secretFormat: "hex40",
      });
      if (result.secret !== undefined) call.issueSession(result.secret);
      return userSession(result.session);
    },
  },
  ImpersonateUser: {
    operation: ops.impersonate,
    params: [text("userName", { max: 256 }), LOCALE],
    async run(call, args) {
      // vSphere turns the caller's own session into the user's: the cookie stays, and is sent again.
      const result = await call.scope.run(ops.impersonate, {
        userName: loginName(args.userName as string),
        ...(args.locale === undefined ? {} : { locale: args.locale }),
        inPlace: true,
      });
      if (call.secret !== undefined) call.issueSession(call.secret);
      return userSession(result.session);
    },
  },
  AcquireGenericServiceTicket: {
    operation: ops.acquireServiceTicket,
    params: [object("spec", serviceTicketScope)],
    async run(call, args) {
      const { ticket } = await call.scope.run(ops.acquireServiceTicket, { scope: args.spec });
      return dataObject("SessionManagerGenericServiceTicket", [
        ["id", ticket],
        ["hostName", call.hostName],
      ]);
    },
  },
  AcquireLocalTicket: {
    operation: ops.acquireLocalTicket,
    params: [text("userName", { max: 256 })],
    async run(call, args) {
      const ticket = await call.scope.run(ops.acquireLocalTicket, {
        userName: loginName(args.userName as string),
      });
      return dataObject("SessionManagerLocalTicket", [
        ["userName", args.userName as string],
        ["passwordFilePath", ticket.passwordFilePath],
      ]);
    },
  },
  SetLocale: {
    operation: ops.setLocale,
    params: [text("locale", { max: 16 })],
    async run(call, args) {
      await call.scope.run(ops.setLocale, { locale: args.locale });
      return undefined;
    },
  },
  UpdateServiceMessage: {
    operation: ops.updateServiceMessage,
    params: [text("message", { max: 4096 })],
    wireFields: { text: "message" },
    async run(call, args) {
      await call.scope.run(ops.updateServiceMessage, { text: args.message });
      return undefined;
    },
  },
  LoginByToken: unsupportedLogin("LoginByToken", [LOCALE]),
  LoginBySSPI: unsupportedLogin("LoginBySSPI", [text("base64Token", { required: false }), LOCALE]),
  LoginExtensionByCertificate: unsupportedLogin("LoginExtensionByCertificate", [
    text("extensionKey", { required: false }),
    LOCALE,
  ]),
  LoginExtensionBySubjectName: unsupportedLogin("LoginExtensionBySubjectName", [
    text("extensionKey", { required: false }),
    LOCALE,
  ]),
};

export const SERVICE_INSTANCE_METHODS: Readonly<Record<string, MethodSpec>> = {
  RetrieveServiceContent: {
    readOnly: true,
    anonymous: true,
    params: [],
    async run(call) {
      return serviceContent(call.productVersion);
    },
  },
  // Clients call it to keep their session alive; it is a call like any other.
  CurrentTime: {
    readOnly: true,
    params: [],
    async run(call) {
      return new Date(call.engine.clock.now());
    },
  },
};
