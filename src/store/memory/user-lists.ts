/**
 * The in-memory store's lists of each user's sessions: doubly linked through per-slot typed arrays, so
 * that the filters and caps that name a user visit that user's few sessions instead of scanning all,
 * for 8 bytes a session.
 *
 * @module
 */

import { grown } from "./grown.ts";

/** One doubly linked list of slots per user name id (the ids of the store's user-name pool). */
export class UserLists {
  private readonly heads: number[] = [];
  private next: Int32Array;
  private prev: Int32Array;

  /** @param capacity slots (0 to `capacity - 1`) it can link before `ensureCapacity`. */
  constructor(capacity: number) {
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
  }

  /** Makes room for slots up to `capacity - 1`. */
  ensureCapacity(capacity: number): void {
    this.next = grown(this.next, capacity);
    this.prev = grown(this.prev, capacity);
  }

  /** The first slot of the user's list, or -1 when it is empty. */
  first(user: number): number {
    return this.heads[user] ?? -1;
  }

  /** The slot after `slot` in its list, or -1. */
  after(slot: number): number {
    return this.next[slot] as number;
  }

  /**
   * Puts a slot that is in no list at the front of the user's list. `isOnly`: the slot is the user's
   * only session, so whatever head the id had (from when the id named another user) is stale.
   */
  add(user: number, slot: number, isOnly: boolean): void {
    const head = isOnly ? -1 : (this.heads[user] ?? -1);
    this.next[slot] = head;
    this.prev[slot] = -1;
    if (head >= 0) this.prev[head] = slot;
    this.heads[user] = slot;
  }

  /** Takes a slot out of the user's list. */
  remove(user: number, slot: number): void {
    const prev = this.prev[slot] as number;
    const next = this.next[slot] as number;
    if (prev >= 0) this.next[prev] = next;
    else this.heads[user] = next;
    if (next >= 0) this.prev[next] = prev;
    this.prev[slot] = -1;
    this.next[slot] = -1;
  }
}
