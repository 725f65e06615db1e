/**
 * Crash exploration in the volatile model: a write cache that loses, reorders and tears
 * what was not flushed (a disk made with `model: "volatile"`).
 *
 * The protocol, for a workload of `mount` followed by `steps`:
 *   1. Run it once without a crash to learn its writes and flushes, then reboot (the cache
 *      flushed), mount and check.
 *   2. Crash points are every write and every flush of the run, and the moment after its
 *      last step. At each, the states the write cache can leave behind (every combination
 *      of "which cached write reached the disk" while they are few, else a seeded sample,
 *      plus torn writes) are each rebooted, recovered and checked.
 *   3. Recovery crashes are explored from the two extreme states of each point (nothing of
 *      the cache reached the disk; all of it did), at each write and flush of recovery,
 *      with the same enumeration of cache states.
 * The first failure comes back as a story (story.ts) that says what each cached write
 * became. ordered.ts's `exploreCrashes` hands an exploration with `volatile` here.
 *
 * @example
 * ```ts
 * import { SimDisk } from "../sim-disk.ts";
 * import { exploreCrashes } from "./ordered.ts";
 * exploreCrashes({ ...exploration, newDisk: () => new SimDisk({ model: "volatile" }), volatile: { maxSubsets: 64 } });
 * ```
 */
import { SimDisk } from "../sim-disk.ts";
import type { CacheSurvivors, DiskWrite } from "../sim-disk.ts";
import { seededRandom } from "../random.ts";
import { errorText, failedWithoutCrash, isCrash, messageOf, volatileStory, type Plot, type RecoveryStory } from "./story.ts";
import type { CacheOutcome, CrashFailure, CrashOutcome, Exploration, ExplorationReport, VolatileExploration } from "./types.ts";

type VolatileCrash = { kind: "write"; writes: number } | { kind: "flush"; flushes: number } | { kind: "end" };

interface VolatileRun {
  disk: SimDisk;
  completed: number;
  interrupted?: number;
  error?: unknown;
  stepStarts: number[];
  /** Flushes done before each step started (index = step). */
  stepFlushStarts: number[];
}

/** One state the write cache can leave: what to pass to reboot(), and how the story tells it. */
interface CacheState {
  survivors: CacheSurvivors;
  outcome: CacheOutcome;
  /** Nothing reached the disk, or everything did: recovery crashes are explored from these. */
  extreme: boolean;
}

const DEFAULT_MAX_SUBSETS = 256;
const DEFAULT_RECOVERY_MAX_SUBSETS = 8;

/** Explores `exploration` in the volatile model (see the header); ordered.ts's exploreCrashes calls it. */
export function exploreVolatileCrashes<FS>(exploration: Exploration<FS>, stopAtFirst: boolean): ExplorationReport {
  const explorer = new VolatileExplorer(exploration, stopAtFirst);
  explorer.explore();
  return { points: explorer.points, failures: explorer.failures };
}

class VolatileExplorer<FS> {
  points = 0;
  failures: CrashFailure[] = [];
  readonly #e: Exploration<FS>;
  readonly #stopAtFirst: boolean;
  readonly #options: Required<VolatileExploration>;
  /** The uncrashed run (writes, flushes, step starts), as the failure story tells it. */
  #plot: Plot;
  readonly #recoveriesCrashed = new Set<string>();

  constructor(exploration: Exploration<FS>, stopAtFirst: boolean) {
    this.#e = exploration;
    this.#stopAtFirst = stopAtFirst;
    this.#plot = { name: exploration.name, steps: exploration.steps, plan: [], stepStarts: [] };
    const given = exploration.volatile === true ? {} : exploration.volatile ?? {};
    const bound = (name: "maxSubsets" | "recoveryMaxSubsets", fallback: number) => {
      const value = given[name] ?? fallback;
      if (!Number.isInteger(value) || value < 2) {
        throw new RangeError(`volatile.${name} must be a whole number of at least 2, got ${String(value)}`);
      }
      return value;
    };
    this.#options = {
      maxSubsets: bound("maxSubsets", DEFAULT_MAX_SUBSETS),
      recoveryMaxSubsets: bound("recoveryMaxSubsets", DEFAULT_RECOVERY_MAX_SUBSETS),
      seed: given.seed ?? 1,
      torn: given.torn ?? true,
    };
  }

  get #done(): boolean {
    return this.#stopAtFirst && this.failures.length > 0;
  }

  explore(): void {
    const clean = this.#run(undefined);
    if (clean.disk.model !== "volatile") {
      throw new TypeError('volatile exploration needs disks in the volatile model: newDisk: () => new SimDisk({ model: "volatile" })');
    }
    this.#plot = {
      ...this.#plot,
      plan: [...clean.disk.log],
      planFlushes: [...clean.disk.flushPoints],
      stepStarts: clean.stepStarts,
      stepFlushStarts: clean.stepFlushStarts,
    };
    const total = clean.disk.writes;
    const outcome: CrashOutcome = { completed: clean.completed, point: total, totalWrites: total };
    if (clean.error !== undefined || clean.disk.crashed) {
      this.#fail(outcome, failedWithoutCrash(this.#plot, clean.interrupted, clean.error));
      return;
    }
    this.#recover(clean, clean.disk.reboot(), outcome);
    for (const crash of this.#crashPoints(total)) {
      if (this.#done) return;
      this.#explorePoint(crash, total, clean);
    }
  }

  /** Every write and every flush of the run, in the order they happened, then the end. */
  #crashPoints(total: number): VolatileCrash[] {
    const points: VolatileCrash[] = [];
    for (let writes = 0; writes <= total; writes++) {
      this.#plot.planFlushes?.forEach((at, flushes) => {
        if (at === writes) points.push({ kind: "flush", flushes });
      });
      if (writes < total) points.push({ kind: "write", writes });
    }
    points.push({ kind: "end" });
    return points;
  }

  #explorePoint(crash: VolatileCrash, total: number, clean: VolatileRun): void {
    const run = crash.kind === "end" ? clean : this.#run(crash);
    const outcome: CrashOutcome = { completed: run.completed, interrupted: run.interrupted, point: run.disk.writes, totalWrites: total };
    if (crash.kind === "flush") outcome.flush = crash.flushes + 1;
    if (crash.kind === "end") {
      if (run.disk.pending.length === 0) return; // the clean reboot already covered it
    } else if (!run.disk.crashed || run.error === undefined || !isCrash(run.error)) {
      const why = !run.disk.crashed
        ? `the workload ${run.error === undefined ? "made fewer writes or flushes than before" : `threw ${errorText(run.error)}`} instead of crashing; is it deterministic?`
        : run.error === undefined
          ? "the code under test caught the CrashError and went on; a power cut cannot be caught, so let CrashError propagate"
          : `the code under test caught the CrashError and threw ${errorText(run.error)} instead; let CrashError propagate`;
      this.#fail(outcome, [...this.#story(outcome, run), why]);
      return;
    }
    const seen = new Set<string>();
    for (const state of cacheStates(run.disk, this.#options)) {
      if (this.#done) return;
      const rebooted = run.disk.reboot(state.survivors);
      const key = stateKey(run.disk, rebooted);
      if (seen.has(key)) continue;
      seen.add(key);
      const recovered = this.#recover(run, rebooted, { ...outcome, cache: state.outcome });
      if (recovered && state.extreme && this.#e.crashDuringRecovery !== false) {
        // Many crash points leave the same disk (nothing of the cache reached it): crash
        // that recovery once per disk state and step.
        const whole = `${diskKey(run.disk.reboot(state.survivors))}|${outcome.completed}|${outcome.interrupted}`;
        if (this.#recoveriesCrashed.has(whole)) continue;
        this.#recoveriesCrashed.add(whole);
        this.#crashRecovery(run, state, { ...outcome, cache: state.outcome });
      }
    }
  }

  /** Mounts the rebooted `disk` (recovery), checks; false when the mount itself failed. */
  #recover(run: VolatileRun, disk: SimDisk, outcome: CrashOutcome, recovery?: RecoveryStory): boolean {
    this.points += 1;
    let fs: FS;
    try {
      fs = this.#e.mount(disk);
    } catch (error) {
      this.#fail(outcome, [...this.#story(outcome, run, recovery), `after reboot, mount (recovery) threw ${errorText(error)}`]);
      return false;
    }
    try {
      this.#e.check(fs, outcome);
    } catch (error) {
      this.#fail(outcome, [...this.#story(outcome, run, recovery), `after reboot and recovery: ${messageOf(error)}`]);
    }
    return true;
  }

  /** Crashes the recovery from `state` at each of its writes and flushes, and after it returned. */
  #crashRecovery(run: VolatileRun, state: CacheState, base: CrashOutcome): void {
    // A mount of its own, without the check (which may write), tells what recovery writes.
    const recovered = run.disk.reboot(state.survivors);
    this.#e.mount(recovered);
    const arms: Array<{ flush?: number; arm(d: SimDisk): void }> = [];
    for (let writes = 0; writes <= recovered.writes; writes++) {
      recovered.flushPoints.forEach((at, flushes) => {
        if (at === writes) arms.push({ flush: flushes + 1, arm: (d) => d.crashBeforeFlush(flushes) });
      });
      if (writes < recovered.writes) arms.push({ arm: (d) => d.crashAfter(writes) });
    }
    for (const { flush, arm } of arms) {
      if (this.#done) return;
      const disk = run.disk.reboot(state.survivors);
      arm(disk);
      let threw = false;
      try {
        this.#e.mount(disk);
      } catch (error) {
        threw = true;
        if (!disk.crashed || !isCrash(error)) {
          const outcome = { ...base, recoveryCrash: disk.writes };
          this.#fail(outcome, [...this.#story(outcome, run), `mount (recovery) threw ${errorText(error)} at a simulated power cut; let CrashError propagate`]);
          return;
        }
      }
      if (!disk.crashed) continue; // recovery did less this time: nothing to crash
      if (!threw) {
        const outcome = { ...base, recoveryCrash: disk.writes };
        this.#fail(outcome, [...this.#story(outcome, run), "recovery caught the CrashError and went on; a power cut cannot be caught, so let CrashError propagate"]);
        return;
      }
      this.#recoveryStates(run, base, disk, flush);
    }
    if (recovered.pending.length > 0) this.#recoveryStates(run, base, recovered, undefined);
  }

  #recoveryStates(run: VolatileRun, base: CrashOutcome, disk: SimDisk, flush: number | undefined): void {
    const seen = new Set<string>();
    for (const state of cacheStates(disk, this.#options, this.#options.recoveryMaxSubsets)) {
      if (this.#done) return;
      const rebooted = disk.reboot(state.survivors);
      const key = stateKey(disk, rebooted);
      if (seen.has(key)) continue;
      seen.add(key);
      const outcome: CrashOutcome = { ...base, recoveryCrash: disk.writes, recoveryCache: state.outcome };
      if (flush !== undefined) outcome.recoveryFlush = flush;
      const recovery: RecoveryStory = { log: [...disk.log], flushPoints: [...disk.flushPoints], cache: state.outcome, flush };
      this.#recover(run, rebooted, outcome, recovery);
    }
  }

  #run(crash: VolatileCrash | undefined): VolatileRun {
    const disk = this.#e.newDisk ? this.#e.newDisk() : new SimDisk({ model: "volatile" });
    if (crash?.kind === "write") disk.crashAfter(crash.writes);
    if (crash?.kind === "flush") disk.crashBeforeFlush(crash.flushes);
    const run: VolatileRun = { disk, completed: 0, stepStarts: [], stepFlushStarts: [] };
    try {
      const fs = this.#e.mount(disk);
      this.#e.steps.forEach((step, i) => {
        run.interrupted = i;
        run.stepStarts[i] = disk.writes;
        run.stepFlushStarts[i] = disk.flushes;
        step.run(fs);
        run.completed = i + 1;
        run.interrupted = undefined;
      });
    } catch (error) {
      run.error = error;
    }
    return run;
  }

  #fail(outcome: CrashOutcome, lines: string[]): void {
    this.failures.push({ outcome, message: lines.join("\n") });
  }

  #story(outcome: CrashOutcome, run: VolatileRun, recovery?: RecoveryStory): string[] {
    return volatileStory(this.#plot, outcome, run.disk.log, recovery);
  }
}

/**
 * The states a volatile disk's cache can leave at a power cut. For each block written
 * since the last flush, the disk holds its old contents or one of those writes; every
 * combination while there are at most maxSubsets, else a seeded sample of that many that
 * always includes none, all, all-but-one-block and one-block-only. Then torn writes: the
 * last write to a block, some sectors new (a prefix or a suffix of the block), with every
 * other cached write reached; and the very last write torn with nothing else reached.
 */
function cacheStates(disk: SimDisk, options: Required<VolatileExploration>, max = options.maxSubsets): CacheState[] {
  const pending = disk.pending;
  const all = pending.map((w) => w.index);
  if (pending.length === 0) return [{ survivors: { reached: [] }, outcome: { pending: [], reached: [] }, extreme: true }];
  const byBlock = new Map<number, DiskWrite[]>();
  for (const w of pending) byBlock.set(w.block, [...(byBlock.get(w.block) ?? []), w]);
  const lists = [...byBlock.values()];
  const latest = lists.map((l) => l.length);
  const none = lists.map(() => 0);
  const reachedBy = (choice: readonly number[]) => choice.flatMap((c, i) => (c === 0 ? [] : [lists[i][c - 1].index])).sort((a, b) => a - b);
  const states: CacheState[] = [];
  const chosen = new Set<string>();
  const add = (choice: readonly number[]) => {
    const key = choice.join(",");
    if (chosen.has(key)) return;
    chosen.add(key);
    const reached = reachedBy(choice);
    const extreme = key === none.join(",") || key === latest.join(",");
    states.push({ survivors: { reached }, outcome: { pending: all, reached }, extreme });
  };
  const combinations = lists.reduce((n, l) => n * (l.length + 1), 1);
  if (combinations <= max) {
    for (let n = 0; n < combinations; n++) {
      let rest = n;
      add(lists.map((l) => {
        const c = rest % (l.length + 1);
        rest = Math.floor(rest / (l.length + 1));
        return c;
      }));
    }
  } else {
    add(none);
    add(latest);
    lists.forEach((_, i) => {
      add(latest.map((c, j) => (j === i ? 0 : c)));
      add(none.map((c, j) => (j === i ? latest[i] : c)));
    });
    const random = seededRandom(options.seed * 0x9e3779b1 + pending[0].index * 7919 + pending.length);
    for (let tries = 0; states.length < max && tries < max * 20; tries++) {
      add(lists.map((l) => Math.floor(random() * (l.length + 1))));
    }
  }
  if (options.torn && disk.sectorSize < disk.blockSize) states.push(...tornStates(disk, lists, all, max));
  return states;
}

function tornStates(disk: SimDisk, lists: DiskWrite[][], all: number[], max: number): CacheState[] {
  const sectors = disk.blockSize / disk.sectorSize;
  const masks: number[][] = [];
  for (let k = 1; k < sectors; k++) {
    masks.push(Array.from({ length: k }, (_, s) => s));
    masks.push(Array.from({ length: k }, (_, s) => sectors - k + s));
  }
  const last = all[all.length - 1];
  const states: CacheState[] = [];
  const byRecency = [...lists].sort((a, b) => b[b.length - 1].index - a[a.length - 1].index);
  for (const list of byRecency) {
    const torn = list[list.length - 1];
    // Underneath the torn write: every other cached write reached (an earlier write to the
    // same block included); for the very last write also: nothing else reached.
    const others = all.filter((i) => i !== torn.index);
    const bases = torn.index === last ? [others, list.slice(0, -1).map((w) => w.index)] : [others];
    for (const reached of bases) {
      for (const mask of masks) {
        if (states.length >= max) return states;
        states.push({ survivors: { reached, torn: { index: torn.index, sectors: mask } }, outcome: { pending: all, reached, torn: { index: torn.index, sectors: mask } }, extreme: false });
      }
    }
  }
  return states;
}

/** What a state leaves on the blocks the crashed disk's cache touched: equal keys, equal disks (64-bit hash). */
function stateKey(disk: SimDisk, after: SimDisk): string {
  return hashBlocks(after, new Set(disk.pending.map((w) => w.block)));
}

/** A 64-bit hash of a whole disk's durable contents. */
function diskKey(disk: SimDisk): string {
  return hashBlocks(disk, Array.from({ length: disk.blocks }, (_, b) => b));
}

function hashBlocks(disk: SimDisk, blocks: Iterable<number>): string {
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (const block of blocks) {
    const bytes = disk.read(block);
    a = Math.imul(a ^ block, 0x01000193);
    for (let i = 0; i < bytes.length; i++) {
      a = Math.imul(a ^ bytes[i], 0x01000193);
      b = Math.imul(b ^ bytes[i], 0x5bd1e995) ^ (b >>> 15);
    }
  }
  return `${a >>> 0}:${b >>> 0}`;
}

