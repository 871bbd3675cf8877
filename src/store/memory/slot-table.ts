/**
 * The in-memory store's hash index from a key or digest to the slot holding it: an open-addressing
 * table of `Int32` slot numbers over the words the slots already hold, so the index adds 8 to 16 bytes
 * a session where a `Map<string, number>` would add a string and an entry object.
 *
 * @module
 */

import { hashWords, sameWords } from "./key-words.ts";

/**
 * An open-addressing (linear probing) set of slots, keyed by the fixed-size words a slot holds in
 * `words()`. Entries are `slot + 1`, 0 is empty; deletion shifts followers back, so there are no
 * tombstones. Kept at most half full.
 */
export class SlotTable {
  private table = new Int32Array(16);
  private mask = 15;
  private size = 0;

  private readonly width: number;
  private readonly words: () => Uint32Array;

  /**
   * @param width words per slot.
   * @param words the current word array, slot `s` at `s * width` (a function: the owner grows it).
   */
  constructor(width: number, words: () => Uint32Array) {
    this.width = width;
    this.words = words;
  }

  private hashOf(slot: number): number {
    return hashWords(this.words(), slot * this.width, this.width);
  }

  /** The slot whose words equal the first `width` words of `probe`, or -1. */
  find(probe: Uint32Array): number {
    const words = this.words();
    const width = this.width;
    let i = hashWords(probe, 0, width) & this.mask;
    for (;;) {
      const entry = this.table[i] as number;
      if (entry === 0) return -1;
      if (sameWords(words, (entry - 1) * width, probe, width)) return entry - 1;
      i = (i + 1) & this.mask;
    }
  }

  /** Adds a slot whose words are not in the table yet. */
  add(slot: number): void {
    if ((this.size + 1) * 2 > this.table.length) this.resize(this.table.length * 2);
    this.place(slot);
    this.size++;
  }

  /** Removes a slot, found by its words (which must not have changed since `add`). */
  remove(slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.hashOf(slot) & mask;
    while (table[i] !== slot + 1) {
      if (table[i] === 0) return;
      i = (i + 1) & mask;
    }
    this.size--;
    // Backward-shift deletion: pull up every follower whose home is not in (i, j].
    for (;;) {
      table[i] = 0;
      let j = i;
      for (;;) {
        j = (j + 1) & mask;
        const entry = table[j] as number;
        if (entry === 0) return;
        const home = this.hashOf(entry - 1) & mask;
        const stays = i <= j ? i < home && home <= j : i < home || home <= j;
        if (!stays) {
          table[i] = entry;
          i = j;
          break;
        }
      }
    }
  }

  private place(slot: number): void {
    let i = this.hashOf(slot) & this.mask;
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = slot + 1;
  }

  private resize(length: number): void {
    const old = this.table;
    this.table = new Int32Array(length);
    this.mask = length - 1;
    for (let i = 0; i < old.length; i++) {
      const entry = old[i] as number;
      if (entry !== 0) this.place(entry - 1);
    }
  }
}
