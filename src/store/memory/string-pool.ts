/**
 * Interned strings with reference counts, for the in-memory store's session columns.
 *
 * A million sessions share a handful of realms, locales and bindings: storing each text once and a
 * `Uint32` id per session is what keeps a session near 200 bytes. The counts double as session counts
 * where a pool holds a single column (realms, user names), which answers `countSessions` without a scan.
 *
 * @module
 */

/** Strings shared by many sessions, each stored once with a reference count. Id 0 stands for null. */
export class StringPool {
  private readonly ids = new Map<string, number>();
  private readonly strings: (string | null)[] = [null];
  private readonly refs: number[] = [0];
  private readonly free: number[] = [];

  /** Takes a reference to `text` (null gives 0 and takes nothing). */
  acquire(text: string | null | undefined): number {
    if (text === null || text === undefined) return 0;
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.free.pop() ?? this.strings.length;
      this.strings[id] = text;
      this.refs[id] = 0;
      this.ids.set(text, id);
    }
    this.refs[id] = (this.refs[id] ?? 0) + 1;
    return id;
  }

  /** Takes one more reference to a live id. */
  acquireId(id: number): number {
    this.refs[id] = (this.refs[id] ?? 0) + 1;
    return id;
  }

  /** Drops one reference; the last one frees the id for another string. Id 0 is ignored. */
  release(id: number): void {
    if (id === 0) return;
    const left = (this.refs[id] ?? 0) - 1;
    this.refs[id] = left;
    if (left > 0) return;
    const text = this.strings[id];
    if (text !== null && text !== undefined) this.ids.delete(text);
    this.strings[id] = null;
    this.free.push(id);
  }

  /** The id of `text`, or -1 when no session holds it. */
  find(text: string): number {
    return this.ids.get(text) ?? -1;
  }

  /** The text of an id; null for 0 or a freed id. */
  text(id: number): string | null {
    return this.strings[id] ?? null;
  }

  /** How many references `id` has. */
  count(id: number): number {
    return id > 0 ? (this.refs[id] ?? 0) : 0;
  }

  /** Every live id with its text. */
  *entries(): IterableIterator<[number, string]> {
    for (const [text, id] of this.ids) yield [id, text];
  }
}
