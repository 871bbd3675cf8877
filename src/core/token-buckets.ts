/**
 * Token buckets by key, in memory: a rate with a burst, for limits that may hold per node (the rate at
 * which one address creates anonymous sessions). Each key's bucket holds up to `capacity` tokens and
 * gains `capacity` of them every `periodMs`; a take spends one. Time comes from the caller, so that
 * tests move it with a manual clock.
 *
 * The keys are bounded: a client with many addresses must not grow the table without end. Buckets that
 * have filled up again are forgotten first (they mean nothing a fresh one would not), and past
 * `maxKeys` the least recently used goes.
 *
 * @module
 */

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, epoch ms. */
  at: number;
}

export interface TokenBucketOptions {
  /** Tokens a full bucket holds: the burst. */
  capacity: number;
  /** How long an empty bucket takes to fill, in ms. */
  periodMs: number;
  /** Most keys tracked at once. @default 100000 */
  maxKeys?: number;
}

export interface TokenBuckets {
  /** Spends a token of `key`'s bucket at `now`; false (and nothing spent) when it is empty. */
  take(key: string, now: number): boolean;
  /** How many ms until `key`'s bucket holds a token again at `now`; 0 when it holds one. */
  waitMs(key: string, now: number): number;
  /** Keys tracked now. */
  readonly size: number;
}

/** Buckets that all start full. */
export function createTokenBuckets(options: TokenBucketOptions): TokenBuckets {
  const { capacity, periodMs } = options;
  const maxKeys = options.maxKeys ?? 100_000;
  const perMs = capacity / periodMs;
  // A Map keeps insertion order: a bucket used is moved to the end, so the first ones are the least recent.
  const buckets = new Map<string, Bucket>();

  const tokensAt = (bucket: Bucket, now: number) =>
    Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) * perMs);

  /** Forgets full buckets, then the least recent, down to nine tenths: a full table is not scanned per key. */
  function makeRoom(now: number): void {
    for (const [key, bucket] of buckets) {
      if (tokensAt(bucket, now) >= capacity) buckets.delete(key);
    }
    for (const key of buckets.keys()) {
      if (buckets.size < maxKeys * 0.9) break;
      buckets.delete(key);
    }
  }

  return {
    take(key, now) {
      let bucket = buckets.get(key);
      if (bucket) {
        buckets.delete(key);
      } else {
        if (buckets.size >= maxKeys) makeRoom(now);
        bucket = { tokens: capacity, at: now };
      }
      bucket.tokens = tokensAt(bucket, now);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    waitMs(key, now) {
      const bucket = buckets.get(key);
      if (!bucket) return 0;
      const tokens = tokensAt(bucket, now);
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / perMs);
    },
    get size() {
      return buckets.size;
    },
  };
}
