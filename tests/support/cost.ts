/**
 * Cost by calibration: how much more one operation of the code under test costs at a
 * large size than at a small one, both measured in the same process, so that the verdict
 * holds on a fast or a slow machine, idle or busy. An operation that should cost the same
 * whatever the size (O(1), or O(log n) over a size ratio where log barely moves) stays
 * within a small factor; one that copies or walks everything grows with the size and goes
 * far past it. No fixed number of milliseconds is involved anywhere.
 *
 * How it stays robust: the batch size is calibrated on the small case (until a batch
 * takes about a millisecond, which also warms the JIT); the two cases then alternate for
 * several rounds and each keeps its fastest round, because a busy machine only ever adds
 * time. A large batch is cut short once it is over its budget (a slow design never runs
 * for long), and the comparison stops at the first round that is within the factor.
 *
 * @example
 * ```ts
 * expectCostWithin({
 *   small: { label: "1,000 keys", op: (i) => small.snapshot() },
 *   large: { label: "100,000 keys", op: (i) => large.snapshot() },
 *   within: 10,
 * }, "snapshot()"); // throws, saying by how much the cost grew, when it grew more than 10×
 * ```
 */

/** One side of the comparison: an operation (called with 0, 1, 2, ...) and what it is. */
export interface CostCase {
  label: string;
  op: (i: number) => void;
}

export interface CostGrowthOptions {
  small: CostCase;
  large: CostCase;
  /** The largest accepted ratio of the large case's cost to the small case's. */
  within: number;
  /** Rounds before giving up (default 15). */
  rounds?: number;
}

export interface CostGrowth {
  /** Whether some round of the large case cost at most `within` times the small case. */
  within: boolean;
  /** Fastest large batch over fastest small batch (a lower bound when batches were cut short). */
  ratio: number;
  /** Operations per batch. */
  batch: number;
  explanation(what: string): string;
}

const TARGET_BATCH_MS = 1;
const WARM_UP_MS = 5;
const MAX_BATCH = 1 << 17;
const CLOCK_EVERY = 8;
const MIN_ROUNDS = 3;

/** Times `count` calls of `op`, stopping early (and saying so) once `budgetMs` is spent. */
function timeBatch(op: (i: number) => void, count: number, start: number, budgetMs: number): { ms: number; cut: boolean } {
  // Few operations per batch means slow ones: then the clock is read after each.
  const clockEvery = count >= 256 ? CLOCK_EVERY : 1;
  const began = performance.now();
  for (let i = 0; i < count; i++) {
    op(start + i);
    if (i % clockEvery === clockEvery - 1 && performance.now() - began > budgetMs) {
      return { ms: performance.now() - began, cut: true };
    }
  }
  return { ms: performance.now() - began, cut: false };
}

/** How many calls of `op` fit in `ms` milliseconds. */
function callsIn(op: (i: number) => void, ms: number, start: number): number {
  const began = performance.now();
  let count = 0;
  do op(start + count++);
  while (performance.now() - began < ms && count < MAX_BATCH);
  return count;
}

/**
 * The batch size at which the small case takes about TARGET_BATCH_MS, measured after a
 * warm-up that lets the JIT compile the code under test.
 */
function calibrateBatch(small: CostCase): number {
  let next = callsIn(small.op, WARM_UP_MS, 0);
  let batch = 0;
  // The most of three tries: a pause (garbage collection, another process) only lowers a count.
  for (let i = 0; i < 3; i++) {
    const count = callsIn(small.op, TARGET_BATCH_MS, next);
    next += count;
    batch = Math.max(batch, count);
  }
  return batch;
}

export function costGrowth(options: CostGrowthOptions): CostGrowth {
  const { small, large, within } = options;
  const rounds = options.rounds ?? 15;
  const batch = calibrateBatch(small);
  let fastestSmall = Infinity;
  let fastestLarge = Infinity;
  let largeCut = false;
  let ok = false;
  let round = 0;
  while (round < rounds && !ok) {
    const offset = MAX_BATCH * (round + 2);
    fastestSmall = Math.min(fastestSmall, timeBatch(small.op, batch, offset, Infinity).ms);
    // Twice the allowance: a batch past it can only fail, so there is no point finishing it.
    const budget = 2 * within * fastestSmall;
    const measured = timeBatch(large.op, batch, offset, budget);
    if (measured.ms < fastestLarge) {
      fastestLarge = measured.ms;
      largeCut = measured.cut;
    }
    // Not before a few rounds: one small batch slowed by a pause would flatter the ratio.
    ok = round >= MIN_ROUNDS - 1 && fastestLarge <= within * fastestSmall;
    round += 1;
  }
  const ratio = fastestLarge / Math.max(fastestSmall, Number.MIN_VALUE);
  const shown = `${largeCut ? "over " : ""}${ratio < 10 ? ratio.toFixed(1) : Math.round(ratio)}`;
  return {
    within: ok,
    ratio,
    batch,
    explanation: (what) =>
      `${what} at ${large.label} should cost at most ${within}× what it costs at ${small.label}, ` +
      `but it cost ${shown}× (fastest of ${round} rounds of ${batch} operations each, timed against each other ` +
      `in this process, so the machine's speed does not matter)`,
  };
}

/**
 * costGrowth, failing the test in plain words (what grew, from which size to which, by
 * how much) when the large case costs more than `within` times the small one.
 */
export function expectCostWithin(options: CostGrowthOptions, what: string): CostGrowth {
  const growth = costGrowth(options);
  if (!growth.within) throw new Error(growth.explanation(what));
  return growth;
}
