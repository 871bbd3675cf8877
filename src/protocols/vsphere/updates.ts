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
import { deadlineOf } from "../../core/session.ts";
import { type VimCall, withCaller } from "./call.ts";
import { managedObjectNotFound, VimFault } from "./errors.ts";
import { VOLATILE_SESSION_FIELDS } from "./properties.ts";
import { type FilterSpec, filterObjects, localizedFault, readObject } from "./property-collector.ts";
import type { VsphereSettings } from "./settings.ts";
import { anyValue, type DataObject, dataObject, fingerprint, type MoRef, moRef, type VimValue } from "./values.ts";
import type { Collectors } from "./vim-call.ts";

export type { Collectors };

/** Most filters one session may hold: each is read again on every wake. */
const MAX_FILTERS = 64;
/** How long changes to other sessions are gathered before a `sessionList` watcher reads the list again. */
const SESSION_LIST_SETTLE_MS = 100;

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
}

interface SessionCollector {
  version: number;
  filters: Map<string, Filter>;
  waiter: Waiter | undefined;
  /** Counts the waits begun: a wait that sees a newer one has begun ends with `RequestCanceled`. */
  generation: number;
  /** A pending wake of a `sessionList` watcher, gathering changes to other sessions. */
  settling: NodeJS.Timeout | undefined;
  /** Stops the engine watching the session (several nodes: it may end on another). */
  unwatch: () => void;
}

const objectKey = (obj: MoRef) => `${obj.type}:${obj.value}`;

function requestCanceled(): VimFault {
  return new VimFault("RequestCanceled", "The wait for updates was canceled.");
}

function sessionEnded(): SessionError {
  return new SessionError("NOT_AUTHENTICATED", "The session has ended.");
}

function watchesSessions(collector: SessionCollector): boolean {
  return [...collector.filters.values()].some((f) =>
    f.spec.propSet.some((p) => p.type === "SessionManager" && (p.all || p.pathSet.includes("sessionList"))),
  );
}

/** A session's `lastActiveTime` and `callCount` change with every call: alone they are no news. */
const VOLATILE: ReadonlyMap<string, ReadonlySet<string>> = new Map([["UserSession", VOLATILE_SESSION_FIELDS]]);

export function createCollectors(engine: Engine, settings: VsphereSettings): Collectors {
  const bySession = new Map<string, SessionCollector>();
  let filterCount = 0;
  let closed = false;

  /** Forgets a session's collector, and stops watching its session. */
  const forget = (key: string) => {
    bySession.get(key)?.unwatch();
    bySession.delete(key);
  };

  const unsubscribe = engine.events.subscribe((event: SessionEvent) => {
    if (event.type === "message-updated") {
      for (const collector of bySession.values()) collector.waiter?.wake();
      return;
    }
    const own = event.sessionKey === null ? undefined : bySession.get(event.sessionKey);
    if (own && event.sessionKey !== null && endsLogin(event.type)) {
      forget(event.sessionKey);
      clearTimeout(own.settling);
      own.waiter?.stop(sessionEnded());
    } else {
      own?.waiter?.wake();
    }
    for (const collector of bySession.values()) {
      if (!collector.waiter || collector.settling || !watchesSessions(collector)) continue;
      collector.settling = setTimeout(() => {
        collector.settling = undefined;
        collector.waiter?.wake();
      }, SESSION_LIST_SETTLE_MS);
    }
  });

  const sessionKeyOf = (call: VimCall): string => {
    const key = call.caller.session?.key;
    if (key === undefined) throw new SessionError("NOT_AUTHENTICATED");
    return key;
  };

  /**
   * The caller's collector, made if need be, and the caller as it is now. The collector is entered in
   * the map before the session is checked, so that an end event during the check removes it again;
   * finding it gone afterwards, or the session ended, means the session is over.
   */
  async function liveCollector(call: VimCall): Promise<{ collector: SessionCollector; call: VimCall }> {
    if (closed) throw requestCanceled();
    const key = sessionKeyOf(call);
    let collector = bySession.get(key);
    if (!collector) {
      collector = {
        version: 0,
        filters: new Map(),
        waiter: undefined,
        generation: 0,
        settling: undefined,
        unwatch: engine.watchSession(key, "vsphere"),
      };
      bySession.set(key, collector);
    }
    const caller = await engine.refresh(call.caller);
    if (bySession.get(key) !== collector) throw sessionEnded();
    if (!caller.session || !caller.user) {
      forget(key);
      throw sessionEnded();
    }
    return { collector, call: withCaller(call, caller) };
  }

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
          note(name, fingerprint(value, VOLATILE), () => changeSet.push(assign(name, value)));
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
      const { collector } = await liveCollector(call);
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
      const key = sessionKeyOf(call);
      if (!bySession.get(key)?.filters.delete(call.target.value)) throw managedObjectNotFound(call.target);
    },

    async waitForUpdates(first, version, maxWaitSeconds) {
      const live = await liveCollector(first);
      const { collector } = live;
      let call = live.call;
      const key = sessionKeyOf(call);
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
      // vSphere allows one wait per collector: a newer wait ends the older, wherever it is.
      collector.generation += 1;
      const generation = collector.generation;
      collector.waiter?.stop(requestCanceled());
      /** After every await: the server, the session and this wait must all still be current. */
      const stillCurrent = () => {
        if (closed) throw requestCanceled();
        if (bySession.get(key) !== collector) throw sessionEnded();
        if (collector.generation !== generation) throw requestCanceled();
      };
      let waitMs = Math.min(maxWaitSeconds ?? Number.POSITIVE_INFINITY, settings.maxWaitSeconds) * 1000;
      // A wait is one call: answer "no change" before the session's own timers would end it, so that
      // the client's next wait (activity) keeps it alive.
      const sessionDeadline = call.caller.session ? deadlineOf(call.caller.session) : null;
      if (sessionDeadline !== null) {
        const left = sessionDeadline - engine.clock.now();
        waitMs = Math.min(waitMs, Math.max(0, left - Math.min(5000, left / 10)));
      }
      const deadline = Date.now() + waitMs;
      for (;;) {
        const found = await changes(call, collector);
        stillCurrent();
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
          };
          const timer = setTimeout(() => waiter.wake(), remaining);
          call.signal.addEventListener("abort", onAbort, { once: true });
          collector.waiter = waiter;
        });
        stillCurrent();
        // Whatever the wait took, act for the caller as it is now: its privileges may have changed.
        const caller = await engine.refresh(call.caller);
        stillCurrent();
        if (!caller.session || !caller.user) throw sessionEnded();
        call = withCaller(call, caller);
      }
    },

    cancelWait(call) {
      bySession.get(sessionKeyOf(call))?.waiter?.stop(requestCanceled());
    },

    close() {
      closed = true;
      unsubscribe();
      for (const collector of bySession.values()) {
        clearTimeout(collector.settling);
        collector.waiter?.stop(requestCanceled());
        collector.unwatch();
      }
      bySession.clear();
    },
  };
}
