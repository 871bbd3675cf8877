/**
 * The in-memory store's index of session numbers: lookups by number and listings in number order.
 *
 * Two parallel typed arrays sorted by number (12 bytes a session) rather than a tree of nodes. Numbers
 * are handed out in increasing order, so an insert is almost always an append. A removal only marks its
 * entry dead: shifting the arrays on every logout would cost O(n) each, so dead entries are squeezed out
 * in one pass once they are many, or when the arrays are full anyway.
 *
 * @module
 */

import { grown } from "./grown.ts";

/** Session numbers in ascending order, each with its slot (-1 once removed, until compaction). */
export class NumberIndex {
  private numbers: Float64Array;
  private slots: Int32Array;
  private length = 0;
  private dead = 0;

  /** @param capacity entries to make room for at first; the index grows on its own. */
  constructor(capacity: number) {
    this.numbers = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
  }

  /** The slot with this number, or -1. */
  find(number: number): number {
    const at = this.lowerBound(number);
    return at < this.length && this.numbers[at] === number ? (this.slots[at] as number) : -1;
  }

  /** Adds a number that no slot holds (a removed entry with it is revived). */
  insert(number: number, slot: number): void {
    const length = this.length;
    if (length === 0 || (this.numbers[length - 1] as number) < number) {
      this.makeRoom();
      this.numbers[this.length] = number;
      this.slots[this.length] = slot;
      this.length++;
      return;
    }
    const found = this.lowerBound(number);
    if (this.numbers[found] === number) {
      // Only a removed entry can hold it (the store checked): revive it.
      this.slots[found] = slot;
      this.dead--;
      return;
    }
    this.makeRoom();
    const at = this.lowerBound(number);
    this.numbers.copyWithin(at + 1, at, this.length);
    this.slots.copyWithin(at + 1, at, this.length);
    this.numbers[at] = number;
    this.slots[at] = slot;
    this.length++;
  }

  /** Removes a number; one not in the index is ignored. */
  remove(number: number): void {
    const at = this.lowerBound(number);
    if (at >= this.length || this.numbers[at] !== number) return;
    this.slots[at] = -1;
    this.dead++;
    if (this.dead > 64 && this.dead * 2 > this.length) this.compact();
  }

  /**
   * The slots of numbers greater than `after` (all of them when null), in ascending number order.
   * The index must not change while this runs.
   */
  *slotsAfter(after: number | null): IterableIterator<number> {
    for (let i = after === null ? 0 : this.upperBound(after); i < this.length; i++) {
      const slot = this.slots[i] as number;
      if (slot >= 0) yield slot;
    }
  }

  /** Index of the first entry whose number is >= `number`. */
  private lowerBound(number: number): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.numbers[mid] as number) < number) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Index of the first entry whose number is > `number`. */
  private upperBound(number: number): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.numbers[mid] as number) <= number) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private makeRoom(): void {
    if (this.length < this.numbers.length) return;
    if (this.dead * 4 >= this.length) {
      this.compact();
      return;
    }
    this.numbers = grown(this.numbers, this.numbers.length * 2);
    this.slots = grown(this.slots, this.slots.length * 2);
  }

  private compact(): void {
    let kept = 0;
    for (let i = 0; i < this.length; i++) {
      const slot = this.slots[i] as number;
      if (slot < 0) continue;
      this.numbers[kept] = this.numbers[i] as number;
      this.slots[kept] = slot;
      kept++;
    }
    this.length = kept;
    this.dead = 0;
  }
}
