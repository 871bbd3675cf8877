/**
 * The method table, by managed object type then WSDL method name, and the one dispatcher both wire
 * forms (SOAP and the JSON API) go through. It checks in vcsim's order: a caller without a logged-in
 * session reaches only the anonymous methods (logins, the service content, property reads) and gets
 * `NotAuthenticated` for anything else, even a method that does not exist; then the object must exist
 * (`ManagedObjectNotFound`), then the method (`MethodNotFound`).
 *
 * @module
 */

import { checkServiceTicketUse, type Engine } from "../../core/engine.ts";
import type { CallContext } from "../../core/operation.ts";
import { openScope } from "../kit/request-scope.ts";
import type { Args, MethodSpec, VimCall } from "./call.ts";
import {
  faultOf,
  INTERNAL_FAULT,
  invalidProperty,
  managedObjectNotFound,
  methodNotFound,
  notAuthenticated,
  type WireFault,
} from "./errors.ts";
import { isKnownObject } from "./objects.ts";
import { PROPERTIES } from "./properties.ts";
import { PROPERTY_COLLECTOR_METHODS, PROPERTY_FILTER_METHODS } from "./property-collector.ts";
import { SERVICE_INSTANCE_METHODS, SESSION_MANAGER_METHODS } from "./session-manager.ts";
import type { VsphereSettings } from "./settings.ts";
import type { Collectors } from "./updates.ts";
import type { MoRef, VimValue } from "./values.ts";

export const MANAGED_OBJECT_METHODS: Readonly<Record<string, Readonly<Record<string, MethodSpec>>>> = {
  ServiceInstance: SERVICE_INSTANCE_METHODS,
  SessionManager: SESSION_MANAGER_METHODS,
  PropertyCollector: PROPERTY_COLLECTOR_METHODS,
  PropertyFilter: PROPERTY_FILTER_METHODS,
  // The root folder exists (ServiceContent must name one) but holds nothing and offers no method.
  Folder: {},
};

/** The method a call names, or the fault that stops it. */
export function resolveMethod(call: VimCall, method: string): MethodSpec {
  const methods = Object.hasOwn(MANAGED_OBJECT_METHODS, call.target.type)
    ? MANAGED_OBJECT_METHODS[call.target.type]
    : undefined;
  const spec = methods && Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (!call.caller.user && !opensWithoutLogin(spec)) throw notAuthenticated();
  const exists =
    call.target.type === "PropertyFilter" ? call.collectors.hasFilter(call, call.target) : isKnownObject(call.target);
  if (!methods || !exists) throw managedObjectNotFound(call.target);
  if (!spec) throw methodNotFound(call.target, method);
  checkServiceTicketUse(call.caller, spec.readOnly === true);
  return spec;
}

/** Whether a caller without a logged-in session may call the method (unknown methods: no). */
function opensWithoutLogin(spec: MethodSpec | undefined): boolean {
  if (!spec) return false;
  return spec.operation ? spec.operation.auth === "none" : spec.anonymous === true;
}

/** The scopes a request falls under, for a generic service ticket presented with it. */
export function serviceTicketScopes(httpMethod: string, path: string, vimMethod?: { type: string; name: string }) {
  const scopes = [`http ${httpMethod} ${path}`, `http * ${path}`];
  if (vimMethod) scopes.push(`vmomi ${vimMethod.name}`, `vmomi ${vimMethod.type}.${vimMethod.name}`);
  return scopes;
}

/** One request to the front door, in either wire form, as the invoker needs it. */
export interface Invocation {
  context: CallContext;
  target: MoRef;
  /** The method to call, or the property to read (`read`). */
  name: string;
  /** Reads the method's parameters from the request (SOAP elements or a JSON body). */
  readArgs(spec: MethodSpec): Args;
  hostName: string;
  /** Aborted when the client goes away; made on first use. */
  signal(): AbortSignal;
  /** Receives the secret of a session the method logged in. */
  issueSession(secret: string): void;
  /** Logs an unexpected error (with its stack, never sent to the client). */
  logError(error: unknown): void;
}

export type Outcome =
  | { ok: true; spec: MethodSpec | undefined; value: VimValue | undefined }
  | { ok: false; fault: WireFault };

export interface Invoker {
  /** Calls a method: authenticates once, dispatches, and turns any error into the fault to answer. */
  call(invocation: Invocation): Promise<Outcome>;
  /** Reads one property (the JSON API's `GET …/{property}`); only the service content is public. */
  read(invocation: Omit<Invocation, "readArgs">): Promise<Outcome>;
}

export function createInvoker(deps: {
  engine: Engine;
  settings: VsphereSettings;
  collectors: Collectors;
  productVersion: string;
}): Invoker {
  const callOf = async (invocation: Omit<Invocation, "readArgs">): Promise<VimCall> => {
    const scope = await openScope(deps.engine, invocation.context);
    return {
      engine: deps.engine,
      caller: scope.caller,
      scope,
      target: invocation.target,
      settings: deps.settings,
      collectors: deps.collectors,
      secret: invocation.context.secret,
      hostName: invocation.hostName,
      get signal() {
        return invocation.signal();
      },
      productVersion: deps.productVersion,
      issueSession: (secret) => invocation.issueSession(secret),
    };
  };
  const failed = (invocation: Omit<Invocation, "readArgs">, error: unknown, spec?: MethodSpec): Outcome => {
    const fault = faultOf(error, invocation.target, (field) => spec?.wireFields?.[field]);
    if (fault) return { ok: false, fault };
    invocation.logError(error);
    return { ok: false, fault: INTERNAL_FAULT };
  };
  return {
    async call(invocation) {
      let spec: MethodSpec | undefined;
      try {
        const call = await callOf(invocation);
        spec = resolveMethod(call, invocation.name);
        return { ok: true, spec, value: await spec.run(call, invocation.readArgs(spec)) };
      } catch (error) {
        return failed(invocation, error, spec);
      }
    },
    async read(invocation) {
      try {
        const call = await callOf(invocation);
        const isContent = invocation.target.type === "ServiceInstance" && invocation.name === "content";
        if (!call.caller.user && !isContent) throw notAuthenticated();
        if (!isKnownObject(invocation.target)) throw managedObjectNotFound(invocation.target);
        const readers = PROPERTIES[invocation.target.type] ?? {};
        const reader = Object.hasOwn(readers, invocation.name) ? readers[invocation.name] : undefined;
        if (!reader) throw invalidProperty(invocation.name);
        return { ok: true, spec: undefined, value: await reader(call) };
      } catch (error) {
        return failed(invocation, error);
      }
    },
  };
}
