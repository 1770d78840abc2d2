import { seededRandom as mulberry32 } from '../../../../test-support/seeded-random.js';

/** A seeded PRNG (the shared mulberry32) with integer and pick helpers, so randomized tests replay exactly. */
export function seededRandom(seed: number): { next(): number; int(lo: number, hi: number): number; pick<T>(xs: readonly T[]): T } {
  const next = mulberry32(seed);
  return {
    next,
    /** Integer in [lo, hi]. */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
  };
}
