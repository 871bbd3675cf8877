/**
 * The in-memory store's queue of session deadlines: an indexed binary min-heap of slots, so that a
 * sweep costs in proportion to the sessions it finds due, not to the sessions there are, and a slot's
 * entry can be moved or removed in O(log n) when its session changes or ends.
 *
 * The key a slot is ordered by is the owner's business: the store keeps it never later than the
 * session's real deadline, and corrects it lazily when the slot reaches the top (see
 * `takeExpiredSessions` in `memory-store.ts`).
 *
 * @module
 */

import { grown } from "./grown.ts";

/** Min-heap of slots by a per-slot key, with each slot's position kept for updates and removal. */
export class DeadlineHeap {
  private heap: Int32Array;
  private length = 0;
  /** Position of each slot in `heap`, or -1. */
  private positions: Int32Array;
  /** The key of each slot in the heap. */
  private keys: Float64Array;

  /** @param capacity slots (0 to `capacity - 1`) it can hold before `ensureCapacity`. */
  constructor(capacity: number) {
    this.heap = new Int32Array(capacity);
    this.positions = new Int32Array(capacity).fill(-1);
    this.keys = new Float64Array(capacity);
  }

  /** How many slots are in the heap. */
  get size(): number {
    return this.length;
  }

  /** Makes room for slots up to `capacity - 1`. */
  ensureCapacity(capacity: number): void {
    const had = this.positions.length;
    if (capacity <= had) return;
    this.positions = grown(this.positions, capacity);
    this.positions.fill(-1, had);
    this.keys = grown(this.keys, capacity);
  }

  /** The slot with the smallest key; only meaningful while `size > 0`. */
  topSlot(): number {
    return this.heap[0] as number;
  }

  /** The key of a slot in the heap. */
  keyOf(slot: number): number {
    return this.keys[slot] as number;
  }

  /** Puts the slot in the heap with this key, or moves it there when it is in already. */
  set(slot: number, key: number): void {
    const at = this.positions[slot] as number;
    if (at < 0) {
      if (this.length === this.heap.length) this.heap = grown(this.heap, this.heap.length * 2);
      this.keys[slot] = key;
      this.heap[this.length] = slot;
      this.positions[slot] = this.length;
      this.length++;
      this.siftUp(this.length - 1);
      return;
    }
    const old = this.keys[slot] as number;
    this.keys[slot] = key;
    if (key < old) this.siftUp(at);
    else this.siftDown(at);
  }

  /** Takes the slot out of the heap; a slot not in it is ignored. */
  remove(slot: number): void {
    const at = this.positions[slot] as number;
    if (at < 0) return;
    this.positions[slot] = -1;
    this.length--;
    if (at === this.length) return;
    const moved = this.heap[this.length] as number;
    this.heap[at] = moved;
    this.positions[moved] = at;
    this.siftUp(at);
    this.siftDown(this.positions[moved] as number);
  }

  private siftUp(at: number): void {
    const heap = this.heap;
    const slot = heap[at] as number;
    const key = this.keys[slot] as number;
    while (at > 0) {
      const parentAt = (at - 1) >>> 1;
      const parent = heap[parentAt] as number;
      if ((this.keys[parent] as number) <= key) break;
      heap[at] = parent;
      this.positions[parent] = at;
      at = parentAt;
    }
    heap[at] = slot;
    this.positions[slot] = at;
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    const length = this.length;
    const slot = heap[at] as number;
    const key = this.keys[slot] as number;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= length) break;
      const right = child + 1;
      if (
        right < length &&
        (this.keys[heap[right] as number] as number) < (this.keys[heap[child] as number] as number)
      ) {
        child = right;
      }
      const childSlot = heap[child] as number;
      if ((this.keys[childSlot] as number) >= key) break;
      heap[at] = childSlot;
      this.positions[childSlot] = at;
      at = child;
    }
    heap[at] = slot;
    this.positions[slot] = at;
  }
}
