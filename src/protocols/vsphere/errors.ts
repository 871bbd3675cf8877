/**
 * Engine errors as vSphere faults. `FAULT_TYPES` maps every code of the catalogue to a vim25 fault
 * type that pyVmomi 6.7.1, rbvmomi and govmomi know (a new code must be mapped here or this file does
 * not compile); `faultOf` adds the fields each type carries (`NotAuthenticated` and `NoPermission`:
 * `object` and `privilegeId`; `InvalidArgument`: `invalidProperty`; `SystemError`: `reason`).
 *
 * Faults that only this front door raises (an unknown managed object, an unknown property, a stale
 * collector version) are `VimFault`s. Anything that is neither is logged by the caller and answered as
 * a bare `SystemError`, so that no internal detail reaches the wire.
 *
 * @module
 */

import { type ErrorCode, SessionError } from "../../core/errors.ts";
import type { DataObject, MoRef, VimValue } from "./values.ts";

/** A fault the vSphere front door raises itself. */
export class VimFault extends Error {
  override readonly name = "VimFault";
  readonly type: string;
  readonly fields: DataObject["fields"];
  constructor(type: string, message: string, fields: DataObject["fields"] = []) {
    super(message);
    this.type = type;
    this.fields = fields;
  }
}

export const FAULT_TYPES: Record<ErrorCode, string> = {
  MALFORMED_REQUEST: "InvalidRequest",
  INVALID_ARGUMENT: "InvalidArgument",
  UNKNOWN_METHOD: "MethodNotFound",
  INVALID_LOGIN: "InvalidLogin",
  // Clients treat it as a failed login; the faultstring says how long to wait.
  LOGIN_THROTTLED: "InvalidLogin",
  NOT_AUTHENTICATED: "NotAuthenticated",
  NO_PERMISSION: "NoPermission",
  INVALID_LOCALE: "InvalidLocale",
  NOT_FOUND: "NotFound",
  ALREADY_EXISTS: "AlreadyExists",
  INVALID_REQUEST: "InvalidRequest",
  NOT_SUPPORTED: "NotSupported",
  // vim25 has no fault for a server-side quota on sessions or attributes; InvalidRequest says "not
  // now, not like this" and every client knows it. The faultstring names the limit.
  LIMIT_EXCEEDED: "InvalidRequest",
  STORE_UNAVAILABLE: "SystemError",
  INTERNAL: "SystemError",
};

/** What a client sees of a fault: its type, its text and its fields. */
export interface WireFault {
  type: string;
  message: string;
  fields: DataObject["fields"];
  /** Whether the client sent something unreadable (SOAP `ClientFaultCode`) rather than the server refusing it. */
  client: boolean;
}

export const INTERNAL_FAULT: WireFault = {
  type: "SystemError",
  message: "Internal error.",
  fields: [["reason", "Internal error."]],
  client: false,
};

/**
 * The fault for an error raised while calling a method on `target`. `wireName` turns the core's name
 * of a refused field into the method's parameter name, for `InvalidArgument.invalidProperty`. Returns
 * undefined for anything that is not an engine error or a `VimFault`: the caller logs it and answers
 * `INTERNAL_FAULT`.
 */
export function faultOf(
  error: unknown,
  target: MoRef | undefined,
  wireName: (field: string) => string | undefined = () => undefined,
): WireFault | undefined {
  if (error instanceof VimFault)
    return { type: error.type, message: error.message, fields: error.fields, client: false };
  if (!(error instanceof SessionError)) return undefined;
  const type = FAULT_TYPES[error.code];
  const fields: [string, VimValue | undefined][] = [];
  const privilege = typeof error.details.privilegeId === "string" ? error.details.privilegeId : undefined;
  switch (error.code) {
    case "NOT_AUTHENTICATED":
      fields.push(["object", target], ["privilegeId", privilege ?? "System.View"]);
      break;
    case "NO_PERMISSION":
      fields.push(["object", target], ["privilegeId", privilege ?? "System.View"]);
      break;
    case "INVALID_ARGUMENT": {
      // Parameters this front door reads name themselves; fields the core refuses are translated.
      const field =
        typeof error.details.wireField === "string"
          ? error.details.wireField
          : typeof error.details.field === "string"
            ? wireName(error.details.field)
            : undefined;
      if (field !== undefined) fields.push(["invalidProperty", field]);
      break;
    }
    case "STORE_UNAVAILABLE":
    case "INTERNAL":
      fields.push(["reason", error.message]);
      break;
    default:
      break;
  }
  return { type, message: error.message, fields, client: error.code === "MALFORMED_REQUEST" };
}

/** `NotAuthenticated` for a call on `target` without a live logged-in session, as vcsim answers it. */
export function notAuthenticated(): SessionError {
  return new SessionError("NOT_AUTHENTICATED", "The session is not authenticated.", {
    details: { privilegeId: "System.View" },
  });
}

export function methodNotFound(target: MoRef | undefined, method: string): VimFault {
  const receiver = target ? `${target.type}:${target.value}` : "(no object)";
  return new VimFault("MethodNotFound", `${receiver} does not implement: ${method.slice(0, 80)}`, [
    ["receiver", target],
    ["method", method.slice(0, 200)],
  ]);
}

export function managedObjectNotFound(target: MoRef): VimFault {
  return new VimFault(
    "ManagedObjectNotFound",
    "The object has already been deleted or has not been completely created",
    [["obj", target]],
  );
}

export function invalidProperty(name: string): VimFault {
  return new VimFault("InvalidProperty", "The property name is not valid for this object.", [
    ["name", name.slice(0, 200)],
  ]);
}
