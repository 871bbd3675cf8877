/**
 * Growing the typed arrays the in-memory store keeps its sessions in: they cannot grow in place, and
 * every structure of the store doubles its own.
 *
 * @module
 */

/** A copy of `array` with room for `length` elements (the new ones zero). */
export function grown<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array);
  return next;
}
