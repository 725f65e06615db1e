/**
 * A seeded scheduler that makes concurrency deterministic and explorable.
 *
 * Concurrent tasks (async functions) mark the places where another task may run first
 * with `await scheduler.point()`. `run()` starts every task, waits until each one is
 * parked at a point, blocked on something else, or finished, then lets exactly one parked
 * task go on, picked by a seeded random generator, and repeats. The same seed gives the
 * same interleaving on every run and every runtime; many seeds give many interleavings.
 * When tasks remain but none is parked at a point, nothing can ever move again: `run()`
 * reports that as a deadlock instead of hanging.
 *
 * Code under a scheduler must not use timers: a timer would fire outside its control.
 * Between two points a task should do a bounded amount of promise work (a few dozen
 * awaits); the scheduler waits until nothing has moved for a while before it switches.
 *
 * @example
 * ```ts
 * import { Scheduler } from "./scheduler.ts";
 *
 * const scheduler = new Scheduler(42);
 * let counter = 0;
 * const increment = async () => { const seen = counter; await scheduler.point(); counter = seen + 1; };
 * await scheduler.run([increment, increment]);  // counter is 1 or 2, the same for seed 42 every time
 * ```
 */
import { seededRandom } from "./random.ts";

/** Thrown by run() when unfinished tasks wait and none of them can run. */
export class DeadlockError extends Error {
  constructor(waiting: number) {
    super(`deadlock: ${waiting} task(s) are still waiting and none of them can ever run`);
    this.name = "DeadlockError";
  }
}

export class Scheduler {
  readonly seed: number;
  readonly #random: () => number;
  #parked: Array<() => void> = [];
  #switches = 0;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new TypeError(`the scheduler's seed must be a whole number, got ${seed}`);
    this.seed = seed;
    this.#random = seededRandom(seed);
  }

  /** How many times run() let a parked task go on. */
  get switches(): number {
    return this.#switches;
  }

  /** A point where another task may run first. */
  point(): Promise<void> {
    return new Promise((resume) => this.#parked.push(resume));
  }

  /** Runs the tasks to the end, interleaved at their points; settles like Promise.allSettled. */
  async run<T>(tasks: ReadonlyArray<() => Promise<T>>): Promise<PromiseSettledResult<T>[]> {
    let unfinished = tasks.length;
    const results = tasks.map((task) => Promise.resolve().then(task).finally(() => (unfinished -= 1)));
    const settled = Promise.allSettled(results);
    const state = () => this.#parked.length * 1e6 + unfinished;
    for (;;) {
      await untilQuiet(state);
      if (unfinished > 0 && this.#parked.length === 0) {
        await nextMacrotask(); // a last chance for work that waits on something outside the microtask queue
        await untilQuiet(state);
      }
      if (unfinished === 0) return await settled;
      if (this.#parked.length === 0) throw new DeadlockError(unfinished);
      const [resume] = this.#parked.splice(Math.floor(this.#random() * this.#parked.length), 1);
      this.#switches += 1;
      resume();
    }
  }
}

/**
 * Lets the microtask queue run until the tasks' state (how many are parked, how many
 * unfinished) has not changed for QUIET_HOPS turns. Each `await null` puts us at the back
 * of the queue, so every chain of promise reactions ahead of us takes one step per hop.
 * This is deterministic (promise order is fixed by the language), the same on Node and
 * Deno, and fast. A macrotask (a MessageChannel message, a timer) would be a stronger
 * "everything has run", but runtimes differ in when they deliver them.
 */
async function untilQuiet(state: () => number): Promise<void> {
  let last = state();
  for (let quiet = 0; quiet < QUIET_HOPS; ) {
    await null;
    const now = state();
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
}

const QUIET_HOPS = 64;

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
