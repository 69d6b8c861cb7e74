/**
 * Admission for the token-check cache, after TinyLFU (Einziger, Friedman, Manes, "TinyLFU: A
 * Highly Efficient Cache Admission Policy", 2017): a small count-min sketch estimates how often
 * each key was asked for recently; when the cache is full, a new key replaces the entry that
 * would be evicted only if it was asked for more often. Without it, a working set larger than the
 * cache (round-robin over 20,000 tokens with 10,000 entries) evicts every entry before its next
 * use: every check pays the insertion and the eviction and none hits. With it the cache keeps a
 * stable part of the set and that part hits.
 *
 * The sketch: four rows of 4-bit counters (one byte each here, capped at 15), width the power of two
 * at or above four times the cache size (about 2 in 1,000 unseen keys then look seen: 160 KB-256 KB
 * for the default 10,000 entries); the four positions come from one 32-bit FNV-1a hash by double hashing.
 * After 10 × capacity recordings every counter is halved, so old popularity fades.
 */

const DEPTH = 4;
const MAX_COUNT = 15;
/** Recordings between two halvings, per cache entry. */
const SAMPLE_FACTOR = 10;

export interface CacheAdmission {
  /** One request for `key` (a hit or a miss). */
  record(key: string): void;
  /** Estimated recent requests for `key` (0–15). */
  frequency(key: string): number;
  /** Whether `candidate` should replace `victim` in a full cache. */
  admit(candidate: string, victim: string): boolean;
}

function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createCacheAdmission(capacity: number): CacheAdmission {
  let width = 16;
  while (width < 4 * capacity) width *= 2;
  const mask = width - 1;
  const table = new Uint8Array(width * DEPTH);
  const sampleSize = Math.max(SAMPLE_FACTOR * capacity, 16);
  let recorded = 0;
  const positions = new Int32Array(DEPTH);

  const locate = (key: string): void => {
    const h1 = fnv1a(key);
    // The second hash: h1 rotated and mixed, odd so every step visits a different column.
    const h2 = (Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b) | 1) >>> 0;
    for (let row = 0; row < DEPTH; row++) positions[row] = row * width + ((h1 + row * h2) & mask);
  };

  const estimate = (): number => {
    let min = MAX_COUNT;
    for (let row = 0; row < DEPTH; row++) min = Math.min(min, table[positions[row]!]!);
    return min;
  };

  const age = (): void => {
    for (let i = 0; i < table.length; i++) table[i] = table[i]! >>> 1;
    recorded = Math.floor(recorded / 2);
  };

  return {
    record(key) {
      locate(key);
      // Conservative update: only the counters at the current minimum grow (less overestimation).
      const min = estimate();
      if (min < MAX_COUNT) {
        for (let row = 0; row < DEPTH; row++) if (table[positions[row]!] === min) table[positions[row]!] = min + 1;
      }
      if (++recorded >= sampleSize) age();
    },
    frequency(key) {
      locate(key);
      return estimate();
    },
    admit(candidate, victim) {
      return this.frequency(candidate) > this.frequency(victim);
    },
  };
}
