/**
 * A prefix as a range of an index, for the SQL drivers: the strings that start with `prefix` are those
 * `>= prefix` and `< prefixSuccessor(prefix)` in code point order, which is SQLite's BINARY order and
 * PostgreSQL's "C" collation (both compare UTF-8 bytes). A range, not LIKE, so that `%`, `_` and `\` in
 * a prefix are characters like any other, with no escaping to get wrong, and the index serves it
 * whatever the database's locale.
 *
 * @module
 */

/**
 * The smallest string greater than every string that starts with `prefix`, in code point order, or null
 * when there is none (a prefix of only U+10FFFF). `prefix` must not be empty.
 */
export function prefixSuccessor(prefix: string): string | null {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    if (last < 0x10ffff) {
      // Surrogates are not characters: the code point after U+D7FF is U+E000.
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return points.join("") + String.fromCodePoint(next);
    }
  }
  return null;
}

/** Code point order (negative, zero or positive), the order of the ranges above. */
export function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = (left[i]?.codePointAt(0) as number) - (right[i]?.codePointAt(0) as number);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

/**
 * Where a name search starts, as a lower bound of the range: at the prefix itself, or just past the
 * page cursor when that sorts at or after the prefix (one bound, so the index is entered once).
 */
export function nameSearchStart(
  prefix: string,
  after: string | null | undefined,
): { from: string; inclusive: boolean } {
  return after !== undefined && after !== null && compareCodePoints(after, prefix) >= 0
    ? { from: after, inclusive: false }
    : { from: prefix, inclusive: true };
}
