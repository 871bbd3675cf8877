/**
 * The types a vSphere method works with: the call it is handed, the property collectors it reaches
 * through it, and the filter specs they watch. They refer to one another, so they live together, and
 * apart from the code (`call.ts`, `updates.ts`, `property-collector.ts`) that would otherwise import
 * itself in a circle through them.
 *
 * @module
 */

import type { Engine } from "../../core/engine.ts";
import type { Caller } from "../../core/operation.ts";
import type { RequestScope } from "../kit/request-scope.ts";
import type { VsphereSettings } from "./settings.ts";
import type { DataObject, MoRef } from "./values.ts";

/** One vSphere method call, as the dispatcher hands it to a method. */
export interface VimCall {
  readonly engine: Engine;
  /** Authenticated once for the whole request: every operation the method runs is this one call. */
  readonly caller: Caller;
  /** Runs operations for `caller` (`withCaller` keeps the two together when the caller is refreshed). */
  readonly scope: RequestScope;
  readonly target: MoRef;
  readonly settings: VsphereSettings;
  readonly collectors: Collectors;
  /** The secret the request carried, if any (ImpersonateUser sends it back as the cookie). */
  readonly secret: string | undefined;
  /** The host name the client addressed (for `AcquireGenericServiceTicket`'s `hostName`). */
  readonly hostName: string;
  /** Aborted when the client goes away (a long `WaitForUpdatesEx` stops waiting). */
  readonly signal: AbortSignal;
  /** The version of sessiond, for `AboutInfo`. */
  readonly productVersion: string;
  /** A method that logs a session in hands its secret here: SOAP sends it as the cookie, JSON as a header. */
  issueSession(secret: string): void;
}

export interface Collectors {
  createFilter(call: VimCall, spec: FilterSpec): Promise<MoRef>;
  /** Whether `ref` is a filter of the caller's session. */
  hasFilter(call: VimCall, ref: MoRef): boolean;
  /** Destroys the filter `call.target`. */
  destroyFilter(call: VimCall): void;
  /** An `UpdateSet`, or undefined when nothing changed within the wait. */
  waitForUpdates(call: VimCall, version: string, maxWaitSeconds: number | undefined): Promise<DataObject | undefined>;
  /** Ends the caller's wait in progress with `RequestCanceled`. */
  cancelWait(call: VimCall): void;
  /** Ends every wait and forgets every filter: the server is stopping. */
  close(): void;
}

export interface PropertySpec {
  type: string;
  all: boolean;
  pathSet: string[];
}

export interface ObjectSpec {
  obj: MoRef;
  skip: boolean;
}

export interface FilterSpec {
  propSet: PropertySpec[];
  objectSet: ObjectSpec[];
}
