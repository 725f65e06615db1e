/**
 * A small seeded random generator (mulberry32) for everything in the kit that must be
 * random yet repeatable: generated workloads, sampled crash states, scheduler
 * interleavings. The same seed gives the same sequence on every run and both runtimes.
 *
 * @example
 * ```ts
 * import { seededRandom } from "./random.ts";
 *
 * const next = seededRandom(42);
 * next(); // a number in [0, 1), the same one for seed 42 every time
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
