/**
 * Property filters and waiting for updates: the vSphere way of pushing changes. A client creates a
 * filter (`CreateFilter`) on properties, for example the session manager's `message`, then calls
 * `WaitForUpdatesEx` with the version it last saw; the call returns as soon as a watched property
 * changes, with the new values and a new version, or empty when `maxWaitSeconds` pass first.
 *
 * Filters live in memory with the session that made them and are forgotten when it ends; a wait in
 * progress then fails with `NotAuthenticated`. Waits wake on engine events (a new service message, a
 * session's locale or life changing), then read the watched properties again through the same
 * readers as `RetrieveProperties` and compare them with what the client was last told. A session's
 * `lastActiveTime` and `callCount` change with every call, the wait itself included, so they alone
 * never count as a change.
 *
 * @module
 */

import type { Engine } from "../../core/engine.ts";
import { SessionError } from "../../core/errors.ts";
import { endsLogin, type SessionEvent } from "../../core/events.ts";
import type { VimCall } from "./call.ts";
import { managedObjectNotFound, VimFault } from "./errors.ts";
import { VOLATILE_SESSION_FIELDS } from "./properties.ts";
import { type FilterSpec, filterObjects, localizedFault, readObject } from "./property-collector.ts";
import type { VsphereSettings } from "./settings.ts";
import { anyValue, type DataObject, dataObject, fingerprint, type MoRef, moRef, type VimValue } from "./values.ts";

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
  /** Ends every wait: the server is stopping. */
  close(): void;
}

/** Most filters one session may hold: each is read again on every wake. */
const MAX_FILTERS = 64;

interface Filter {
  ref: MoRef;
  spec: FilterSpec;
  /** Objects the client has been told of (`enter` sent), and the fingerprint of each property it was told. */
  entered: Set<string>;
  told: Map<string, string>;
}

interface Waiter {
  wake(): void;
  stop(error: Error): void;
  watchesSessions: boolean;
}

interface SessionCollector {
  version: number;
  filters: Map<string, Filter>;
  waiter: Waiter | undefined;
}

const objectKey = (obj: MoRef) => `${obj.type}:${obj.value}`;

function requestCanceled(): VimFault {
  return new VimFault("RequestCanceled", "The wait for updates was canceled.");
}

export function createCollectors(engine: Engine, settings: VsphereSettings): Collectors {
  const bySession = new Map<string, SessionCollector>();
  let filterCount = 0;

  engine.events.subscribe((event: SessionEvent) => {
    if (event.type === "message-updated") {
      for (const collector of bySession.values()) collector.waiter?.wake();
      return;
    }
    const own = event.sessionKey === null ? undefined : bySession.get(event.sessionKey);
    if (own && event.sessionKey !== null && endsLogin(event.type)) {
      bySession.delete(event.sessionKey);
      own.waiter?.stop(new SessionError("NOT_AUTHENTICATED", "The session has ended."));
    } else {
      own?.waiter?.wake();
    }
    for (const collector of bySession.values()) if (collector.waiter?.watchesSessions) collector.waiter.wake();
  });

  const sessionKeyOf = (call: VimCall): string => {
    const key = call.caller.session?.key;
    if (key === undefined) throw new SessionError("NOT_AUTHENTICATED");
    return key;
  };

  const collectorOf = (call: VimCall): SessionCollector => {
    const key = sessionKeyOf(call);
    let collector = bySession.get(key);
    if (!collector) {
      collector = { version: 0, filters: new Map(), waiter: undefined };
      bySession.set(key, collector);
    }
    return collector;
  };

  /** What changed in the watched properties since the client was last told, and how to remember telling it. */
  async function changes(call: VimCall, collector: SessionCollector) {
    const filterSet: DataObject[] = [];
    const commits: (() => void)[] = [];
    for (const filter of collector.filters.values()) {
      const objectSet: DataObject[] = [];
      for (const { obj, names } of filterObjects(filter.spec)) {
        const content = await readObject(call, obj, names);
        const key = objectKey(obj);
        const entering = !filter.entered.has(key);
        const changeSet: DataObject[] = [];
        const missingSet: DataObject[] = [];
        const prints = new Map<string, string>();
        const note = (name: string, print: string, change: () => void) => {
          prints.set(`${key}/${name}`, print);
          if (filter.told.get(`${key}/${name}`) !== print) change();
        };
        const assign = (name: string, value: VimValue | undefined) =>
          dataObject("PropertyChange", [
            ["name", name],
            ["op", "assign"],
            ["val", value === undefined ? undefined : anyValue(value)],
          ]);
        for (const { name, value } of content.values) {
          const ignore = name === "currentSession" ? VOLATILE_SESSION_FIELDS : undefined;
          note(name, fingerprint(value, ignore), () => changeSet.push(assign(name, value)));
        }
        // An unset property is news only when it was set before; on entering it is simply absent.
        for (const name of content.unset) {
          note(name, "unset", () => {
            if (!entering) changeSet.push(assign(name, undefined));
          });
        }
        for (const { path, fault } of content.missing) {
          note(path, `fault:${fault.type}`, () =>
            missingSet.push(
              dataObject("MissingProperty", [
                ["path", path],
                ["fault", localizedFault(fault)],
              ]),
            ),
          );
        }
        if (entering || changeSet.length > 0 || missingSet.length > 0) {
          objectSet.push(
            dataObject("ObjectUpdate", [
              ["kind", entering ? "enter" : "modify"],
              ["obj", obj],
              ["changeSet", changeSet],
              ["missingSet", missingSet],
            ]),
          );
        }
        commits.push(() => {
          filter.entered.add(key);
          for (const [name, print] of prints) filter.told.set(name, print);
        });
      }
      if (objectSet.length > 0) {
        filterSet.push(
          dataObject("PropertyFilterUpdate", [
            ["filter", filter.ref],
            ["objectSet", objectSet],
          ]),
        );
      }
    }
    return {
      filterSet,
      commit: () => {
        for (const commit of commits) commit();
      },
    };
  }

  return {
    async createFilter(call, spec) {
      const collector = collectorOf(call);
      if (collector.filters.size >= MAX_FILTERS) {
        throw new SessionError("LIMIT_EXCEEDED", `A session may hold at most ${MAX_FILTERS} property filters.`);
      }
      filterCount += 1;
      const ref = moRef("PropertyFilter", `session[${call.caller.session?.number ?? 0}]filter-${filterCount}`);
      collector.filters.set(ref.value, { ref, spec, entered: new Set(), told: new Map() });
      // A waiting call of this session hears of the new filter at once, as vSphere's would.
      collector.waiter?.wake();
      return ref;
    },

    hasFilter(call, ref) {
      const key = call.caller.session?.key;
      return key !== undefined && bySession.get(key)?.filters.has(ref.value) === true;
    },

    destroyFilter(call) {
      const collector = collectorOf(call);
      if (!collector.filters.delete(call.target.value)) throw managedObjectNotFound(call.target);
    },

    async waitForUpdates(call, version, maxWaitSeconds) {
      const collector = collectorOf(call);
      if (version !== "" && version !== String(collector.version)) {
        throw new VimFault(
          "InvalidCollectorVersion",
          "The version is not the collector's current one: wait again with the latest version, or with none.",
        );
      }
      if (version === "") {
        for (const filter of collector.filters.values()) {
          filter.entered.clear();
          filter.told.clear();
        }
      }
      // vSphere allows one wait per collector: a newer wait ends the older.
      collector.waiter?.stop(requestCanceled());
      const waitMs = Math.min(maxWaitSeconds ?? Number.POSITIVE_INFINITY, settings.maxWaitSeconds) * 1000;
      const deadline = Date.now() + waitMs;
      for (;;) {
        const found = await changes(call, collector);
        if (found.filterSet.length > 0) {
          found.commit();
          collector.version += 1;
          return dataObject("UpdateSet", [
            ["version", String(collector.version)],
            ["filterSet", found.filterSet],
          ]);
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0 || call.signal.aborted) return undefined;
        await new Promise<void>((resolve, reject) => {
          const done = () => {
            clearTimeout(timer);
            call.signal.removeEventListener("abort", onAbort);
            if (collector.waiter === waiter) collector.waiter = undefined;
          };
          const onAbort = () => {
            done();
            resolve();
          };
          const waiter: Waiter = {
            wake: () => {
              done();
              resolve();
            },
            stop: (error) => {
              done();
              reject(error);
            },
            watchesSessions: [...collector.filters.values()].some((f) =>
              f.spec.propSet.some((p) => p.type === "SessionManager" && (p.all || p.pathSet.includes("sessionList"))),
            ),
          };
          const timer = setTimeout(() => waiter.wake(), remaining);
          call.signal.addEventListener("abort", onAbort, { once: true });
          collector.waiter = waiter;
        });
      }
    },

    cancelWait(call) {
      collectorOf(call).waiter?.stop(requestCanceled());
    },

    close() {
      for (const collector of bySession.values()) collector.waiter?.stop(requestCanceled());
      bySession.clear();
    },
  };
}
