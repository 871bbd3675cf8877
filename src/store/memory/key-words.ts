/**
 * Session keys (UUIDs) and secret digests (64 hex characters) as 32-bit words, for the in-memory
 * store: 16 and 32 bytes in a `Uint32Array` instead of strings of 36 and 64 characters, which is most of
 * what a session would otherwise weigh. Only the canonical lowercase forms parse, so that formatting the
 * words gives back the very string that was stored; the store keeps any other form as a string.
 *
 * @module
 */

/** Words a key takes. */
export const KEY_WORDS = 4;
/** Words a digest takes. */
export const DIGEST_WORDS = 8;

const UUID_LENGTH = 36;
const DIGEST_LENGTH = 64;

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Value of each lowercase hex digit by character code; -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;

/** Value of a lowercase hex digit, or -1. */
function hexDigit(code: number): number {
  return code < 128 ? (HEX_VALUE[code] as number) : -1;
}

/** Parses 8 lowercase hex characters at `at` into an unsigned 32-bit word, or -1. */
function hexWord(text: string, at: number): number {
  let word = 0;
  for (let i = at; i < at + 8; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return -1;
    word = (word << 4) | digit;
  }
  return word >>> 0;
}

function wordHex(word: number): string {
  return HEX[word >>> 24] + (HEX[(word >>> 16) & 255] as string) + HEX[(word >>> 8) & 255] + HEX[word & 255];
}

/** Reads a canonical UUID (lowercase, 8-4-4-4-12) into 4 words; false when `text` is not one. */
export function parseUuid(text: string, out: Uint32Array): boolean {
  if (text.length !== UUID_LENGTH) return false;
  let word = 0;
  let digits = 0;
  for (let i = 0; i < UUID_LENGTH; i++) {
    const code = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 45) return false;
      continue;
    }
    const digit = hexDigit(code);
    if (digit < 0) return false;
    word = (word << 4) | digit;
    digits++;
    if ((digits & 7) === 0) {
      out[(digits >>> 3) - 1] = word >>> 0;
      word = 0;
    }
  }
  return true;
}

/** The canonical UUID held by the 4 words at `at`. */
export function formatUuid(words: Uint32Array, at: number): string {
  const b = wordHex(words[at + 1] as number);
  const c = wordHex(words[at + 2] as number);
  return `${wordHex(words[at] as number)}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${wordHex(words[at + 3] as number)}`;
}

/** Reads 64 lowercase hex characters into 8 words; false when `text` is not such a digest. */
export function parseDigest(text: string, out: Uint32Array): boolean {
  if (text.length !== DIGEST_LENGTH) return false;
  for (let i = 0; i < DIGEST_WORDS; i++) {
    const word = hexWord(text, i * 8);
    if (word < 0) return false;
    out[i] = word;
  }
  return true;
}

/** The 64 lowercase hex characters held by the 8 words at `at`. */
export function formatDigest(words: Uint32Array, at: number): string {
  let text = "";
  for (let i = 0; i < DIGEST_WORDS; i++) text += wordHex(words[at + i] as number);
  return text;
}

/** Mixes `count` words into a well-spread 32-bit hash (UUID v7 keys, for one, share their first bytes). */
export function hashWords(words: Uint32Array, at: number, count: number): number {
  let h = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    h = Math.imul(h ^ (words[at + i] as number), 0x85ebca6b);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** True when the `count` words of `a` at `at` equal the first `count` words of `b`. */
export function sameWords(a: Uint32Array, at: number, b: Uint32Array, count: number): boolean {
  for (let i = 0; i < count; i++) if (a[at + i] !== b[i]) return false;
  return true;
}
