/**
 * The properties of the managed objects, as the property collector and the JSON API read them, and
 * the `UserSession` data object.
 *
 * Each reader runs engine operations for the request's one authenticated caller, so privileges are
 * the core's: `sessionList` asks for everyone's sessions and gets them or `NO_PERMISSION`. A caller
 * without a session reads the session manager's session and message properties as unset (vcsim's
 * behaviour, which pyVim's `if not sm.currentSession: Login(...)` relies on); its locale properties are
 * public and read as the default realm's.
 *
 * @module
 */

import { isSessionError } from "../../core/errors.ts";
import type { Caller } from "../../core/operation.ts";
import * as ops from "../../core/ops/index.ts";
import { DEFAULT_REALM_NAME } from "../../core/types.ts";
import type { SessionView } from "../../core/views.ts";
import type { VimCall } from "./call.ts";
import { serviceContent } from "./objects.ts";
import { type DataObject, dataObject, type VimValue } from "./values.ts";

/** A user's name as sessiond shows and accepts it: `name` in the default realm, `name@realm` elsewhere. */
export function vsphereUserName(userName: string, realm: string): string {
  return realm === DEFAULT_REALM_NAME ? userName : `${userName}@${realm}`;
}

/** `UserSession`, its 11 fields in WSDL order (protocols.md 1.4). */
export function userSession(view: SessionView): DataObject {
  const name = vsphereUserName(view.userName ?? "", view.realm);
  return dataObject("UserSession", [
    ["key", view.key],
    ["userName", name],
    ["fullName", view.fullName ?? name],
    ["loginTime", new Date(view.loginAt ?? view.createdAt)],
    ["lastActiveTime", new Date(view.lastActiveAt)],
    ["locale", view.locale],
    ["messageLocale", view.messageLocale],
    ["extensionSession", false],
    ["ipAddress", view.client.ipAddress ?? ""],
    ["userAgent", view.client.userAgent ?? ""],
    ["callCount", view.callCount],
  ]);
}

/** Fields of a `UserSession` that change on every call: a watcher is not told of those alone. */
export const VOLATILE_SESSION_FIELDS: ReadonlySet<string> = new Set(["lastActiveTime", "callCount"]);

type Reader = (call: Pick<VimCall, "engine" | "caller" | "scope" | "productVersion">) => Promise<VimValue | undefined>;

/** Unset, instead of a fault, for a caller without a logged-in session. */
async function unlessAnonymous<T>(caller: Caller, read: () => Promise<T>): Promise<T | undefined> {
  if (!caller.user) return undefined;
  try {
    return await read();
  } catch (error) {
    // The session ended while the request ran (terminated from elsewhere): it reads as anonymous.
    if (isSessionError(error) && error.code === "NOT_AUTHENTICATED") return undefined;
    throw error;
  }
}

const nonEmpty = <T>(list: T[]): T[] | undefined => (list.length > 0 ? list : undefined);

/** Readers by managed object type, then property name. */
export const PROPERTIES: Readonly<Record<string, Readonly<Record<string, Reader>>>> = {
  ServiceInstance: {
    content: async (call) => serviceContent(call.productVersion),
  },
  SessionManager: {
    // The request's own caller, with this call counted; a long wait refreshes its caller on every wake.
    currentSession: ({ scope, caller }) =>
      unlessAnonymous(caller, async () => {
        const { session } = await scope.run(ops.whoAmI);
        return session.userName === null ? undefined : userSession(session);
      }),
    sessionList: ({ scope, caller }) =>
      unlessAnonymous(caller, async () => {
        const sessions: DataObject[] = [];
        let after: number | null = null;
        do {
          const page: Awaited<ReturnType<typeof ops.listSessions.run>> = await scope.run(ops.listSessions, {
            all: true,
            limit: 1000,
            ...(after === null ? {} : { after }),
          });
          // vSphere lists logged-on sessions: anonymous ones (an httpkom connection not yet logged in) are not.
          for (const view of page.sessions) if (view.userName !== null) sessions.push(userSession(view));
          after = page.nextAfter;
        } while (after !== null);
        return sessions;
      }),
    message: ({ scope, caller }) =>
      unlessAnonymous(caller, async () => {
        const message = await scope.run(ops.getServiceMessage);
        return message.localized === "" ? undefined : message.localized;
      }),
    messageLocaleList: ({ scope, caller }) =>
      unlessAnonymous(caller, async () => {
        const message = await scope.run(ops.getServiceMessage);
        return nonEmpty(Object.keys(message.byLocale).sort());
      }),
    defaultLocale: async ({ scope }) => (await scope.run(ops.describeRealm)).defaultLocale,
    supportedLocaleList: async ({ scope }) => nonEmpty((await scope.run(ops.describeRealm)).supportedLocales),
  },
};

/** The property names of a type, for `PropertySpec.all`. */
export function propertyNames(type: string): string[] {
  return Object.keys(PROPERTIES[type] ?? {});
}
