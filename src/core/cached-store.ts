/**
 * A store with the hot-session cache in front of its session reads.
 *
 * Every session change made through it updates or drops the cache entry in the same step, so readers
 * on this node never see a session as it was before a change they could have observed. A change is
 * dropped from the cache *before* it is written, and reads that raced it are refused by the cache's
 * read token, so an old record cannot be cached after the change that replaced it. Everything that is
 * not a session read or change goes straight to the store.
 *
 * The engine builds one and hands it to operations and front doors as `engine.store`: whoever writes
 * sessions through it keeps the cache exact. Activity is the exception, written by the engine itself
 * (`engine.ts`), which updates the cache and its activity buffer in one synchronous step.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { SessionCache } from "./session-cache.ts";
import type { Store } from "./store/index.ts";
import type { SessionRecord } from "./types.ts";

export function withSessionCache(store: Store, cache: SessionCache, clock: Clock): Store {
  /** Reads a session from the store and holds it, unless a change raced the read. */
  async function readThrough(read: () => Promise<SessionRecord | null>): Promise<SessionRecord | null> {
    const token = cache.readToken();
    const record = await read();
    if (record) cache.put(record, clock.now(), token);
    return record;
  }

  /**
   * Writes a session and holds what the store answered, unless another change of it was heard while
   * the write was on its way (another node's, committed just after this one): the token taken before
   * the write refuses the record then, as it does for a read.
   */
  async function writeThrough<T>(write: () => Promise<T>, written: (result: T) => SessionRecord | null): Promise<T> {
    const token = cache.readToken();
    const result = await write();
    const record = written(result);
    if (record) cache.put(record, clock.now(), token);
    return result;
  }

  function dropAll(records: readonly SessionRecord[]): SessionRecord[] {
    for (const record of records) cache.drop(record.key);
    return records as SessionRecord[];
  }

  return {
    ...bindAll(store),
    get driver() {
      return store.driver;
    },
    get shared() {
      return store.shared;
    },
    get cluster() {
      return store.cluster;
    },

    getSessionByDigest(digest) {
      const held = cache.byDigest(digest, clock.now());
      return held ? Promise.resolve(held) : readThrough(() => store.getSessionByDigest(digest));
    },

    getSessionByKey(key) {
      const held = cache.byKey(key, clock.now());
      return held ? Promise.resolve(held) : readThrough(() => store.getSessionByKey(key));
    },

    getSessionByNumber(number) {
      return readThrough(() => store.getSessionByNumber(number));
    },

    async insertSession(record) {
      await writeThrough(
        () => store.insertSession(record),
        () => record,
      );
    },

    async insertSessionCapped(record, cap) {
      const written = await writeThrough(
        () => store.insertSessionCapped(record, cap),
        (result) => result.session,
      );
      dropAll(written.evicted);
      return written;
    },

    async updateSessionCapped(key, patch, cap) {
      cache.drop(key);
      const written = await writeThrough(
        () => store.updateSessionCapped(key, patch, cap),
        (result) => result.session,
      );
      dropAll(written.evicted);
      return written;
    },

    async updateSession(key, patch) {
      cache.drop(key);
      const updated = await writeThrough(
        () => store.updateSession(key, patch),
        (result) => result,
      );
      if (!updated) cache.drop(key);
      return updated;
    },

    async applyActivity(deltas) {
      await store.applyActivity(deltas);
      cache.applyActivity(deltas);
    },

    async takeSession(key) {
      cache.drop(key);
      const taken = await store.takeSession(key);
      cache.drop(key);
      return taken;
    },

    async takeExpiredSessions(now, limit, grace) {
      return dropAll(await store.takeExpiredSessions(now, limit, grace));
    },

    async takeSessionsByBinding(prefix) {
      return dropAll(await store.takeSessionsByBinding(prefix));
    },
  };
}

/** Every method of a store, bound to it, so that spreading them keeps them working. */
function bindAll(store: Store): Store {
  const bound: Record<string, unknown> = {};
  let proto: object | null = store;
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === "constructor" || name in bound) continue;
      const value = (store as unknown as Record<string, unknown>)[name];
      if (typeof value === "function") bound[name] = (value as (...args: unknown[]) => unknown).bind(store);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return bound as unknown as Store;
}
