/**
 * Session attributes in the in-memory store: a map of names to values per slot, with the byte count
 * the limits are checked against kept alongside, so that a write need not re-measure what is there.
 * Most sessions have none, and they cost nothing.
 *
 * @module
 */

import type { AttributeEntry, AttributeLimits, PutAttributeResult } from "../../core/store/index.ts";

interface AttributeSet {
  values: Map<string, string>;
  /** UTF-8 bytes of every name and value. */
  bytes: number;
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Sets an own property, even one named `__proto__`. */
function setOwn(target: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

/** Attributes by slot. The caller checks that the slot holds a session. */
export class SlotAttributes {
  private readonly sets = new Map<number, AttributeSet>();
  private bytesHeld = 0;

  /** UTF-8 bytes of every name and value of every slot. */
  get totalBytes(): number {
    return this.bytesHeld;
  }

  /** The value, or null. */
  get(slot: number, name: string): string | null {
    return this.sets.get(slot)?.values.get(name) ?? null;
  }

  /** Writes every entry (the later of two with one name wins), or nothing unless the limits hold after. */
  put(
    slot: number,
    entries: readonly AttributeEntry[],
    limits: AttributeLimits,
  ): Exclude<PutAttributeResult, "no-session"> {
    const set = this.sets.get(slot);
    const writes = new Map(entries);
    let count = set?.values.size ?? 0;
    let bytes = set?.bytes ?? 0;
    for (const [name, value] of writes) {
      const old = set?.values.get(name);
      if (old === undefined) count += 1;
      else bytes -= utf8Bytes(name) + utf8Bytes(old);
      bytes += utf8Bytes(name) + utf8Bytes(value);
    }
    if (count > limits.maxCount || bytes > limits.maxTotalBytes) return "limit";
    if (writes.size === 0) return "ok";
    const values = set?.values ?? new Map<string, string>();
    for (const [name, value] of writes) values.set(name, value);
    this.bytesHeld += bytes - (set?.bytes ?? 0);
    if (set) set.bytes = bytes;
    else this.sets.set(slot, { values, bytes });
    return "ok";
  }

  /** True when an attribute was deleted. */
  delete(slot: number, name: string): boolean {
    const set = this.sets.get(slot);
    const old = set?.values.get(name);
    if (!set || old === undefined) return false;
    set.values.delete(name);
    const freed = utf8Bytes(name) + utf8Bytes(old);
    set.bytes -= freed;
    this.bytesHeld -= freed;
    if (set.values.size === 0) this.sets.delete(slot);
    return true;
  }

  /** A fresh object of every attribute of the slot. */
  list(slot: number): Record<string, string> {
    const all: Record<string, string> = {};
    const set = this.sets.get(slot);
    if (set) for (const [name, value] of set.values) setOwn(all, name, value);
    return all;
  }

  /** Forgets every attribute of the slot (its session has ended). */
  clear(slot: number): void {
    this.bytesHeld -= this.sets.get(slot)?.bytes ?? 0;
    this.sets.delete(slot);
  }
}
