/**
 * Crash exploration: prove that code survives a power cut at every write.
 *
 * The protocol, for a workload of `mount` followed by `steps`:
 *   1. Run it once without a crash to learn its writes (W of them), then reboot, mount
 *      and check: a clean shutdown must keep everything.
 *   2. For every crash point k = 0 .. W-1: on a fresh disk, arm `crashAfter(k)`, run the
 *      workload until the CrashError, reboot, mount (that is recovery), check.
 *   3. Recovery can crash too: for each k, count the writes R of the recovery mount, and
 *      for j = 0 .. R-1 crash the recovery after j writes, reboot, mount again, check.
 * The check sees the recovered file system and which steps had completed, so it can
 * demand that every completed step is there and the interrupted one is all or nothing.
 * The first failure comes back as a story in words: the crash point, the disk writes up
 * to it (with the labels the code gave them), and what the check saw.
 *
 * Workloads must be deterministic: the same steps on a fresh disk make the same writes.
 *
 * @example
 * ```ts
 * import { SimDisk } from "./sim-disk.ts";
 * import { expectOneOf, expectSurvivesCrashes } from "./crash-explorer.ts";
 *
 * expectSurvivesCrashes({
 *   mount: (disk: SimDisk) => JournaledFS.mount(disk),
 *   steps: [{ name: 'write a.txt = "hello"', run: (fs) => fs.write("a.txt", "hello") }],
 *   check(fs, { completed, interrupted }) {
 *     if (completed === 1) expectOneOf("a.txt", fs.read("a.txt"), [["after the write", "hello"]]);
 *     else expectOneOf("a.txt", fs.read("a.txt"), [["before the write", undefined], ["after it", "hello"]]);
 *   },
 * });
 * ```
 */
import { CrashError, SimDisk } from "./sim-disk.ts";
import { seededRandom } from "./random.ts";
import type { CacheSurvivors, DiskWrite } from "./sim-disk.ts";

/** One operation of a workload, named for the failure story ("write notes.txt (1200 bytes)"). */
export interface Step<FS> {
  name: string;
  run(fs: FS): void;
}

/** Where a crash struck, as the check and the failure story see it. */
export interface CrashOutcome {
  /** Steps that had returned before the crash (all of them when there was no crash). */
  completed: number;
  /** Index of the step running at the crash; undefined when the crash hit the first mount, or there was none. */
  interrupted?: number;
  /** The crash came after this many writes of the run; equals totalWrites when there was no crash. */
  point: number;
  /** Writes of the whole run without a crash. */
  totalWrites: number;
  /** Set when recovery itself crashed after this many of its writes before the final mount. */
  recoveryCrash?: number;
  /** Volatile exploration: the power cut struck at this flush (1-based) of the run, which never happened. */
  flush?: number;
  /** Volatile exploration: what the write cache held at the power cut, and what of it reached the disk. */
  cache?: CacheOutcome;
  /** Volatile exploration, recovery crashed: at this flush of recovery (else at write `recoveryCrash`). */
  recoveryFlush?: number;
  /** Volatile exploration, recovery crashed: its write cache at that power cut. */
  recoveryCache?: CacheOutcome;
}

/** The write cache at a power cut (volatile model); writes are named by their 1-based index. */
export interface CacheOutcome {
  /** Writes issued since the last flush, in order. */
  pending: number[];
  /** Those that reached the disk whole. */
  reached: number[];
  /** One that reached it in part: these sectors new, the others old. */
  torn?: { index: number; sectors: number[] };
}

/**
 * Crash states per crash point in the volatile model. Every combination of "which cached
 * write reached the disk" is tried while there are at most `maxSubsets` of them; beyond
 * that, a seeded sample: none, all, and for each block all-but-it and only-it (so
 * 2 + 2 × blocks states even when that is more), then random ones up to `maxSubsets`.
 * Torn writes add at most `maxSubsets` more states per point. Crashes during recovery
 * use `recoveryMaxSubsets` instead, since recovery runs once per explored state.
 */
export interface VolatileExploration {
  /** 256 by default. */
  maxSubsets?: number;
  /** The same bound at the crash points of recovery; 8 by default. */
  recoveryMaxSubsets?: number;
  /** Seed of the sample; 1 by default. */
  seed?: number;
  /** Also tear writes (some sectors new, some old) when sectors are smaller than blocks; true by default. */
  torn?: boolean;
}

export interface Exploration<FS> {
  /** Names the workload in the failure story. */
  name?: string;
  /** A fresh, empty disk; `new SimDisk()` by default. */
  newDisk?: () => SimDisk;
  /** Formats an empty disk or recovers a used one. */
  mount(disk: SimDisk): FS;
  steps: readonly Step<FS>[];
  /** Throws when the recovered state is wrong; its message becomes the end of the story. */
  check(fs: FS, outcome: CrashOutcome): void;
  /** Also crash recovery at each of its writes; true by default. */
  crashDuringRecovery?: boolean;
  /**
   * Explore the volatile model (a disk with `model: "volatile"`; the default disk becomes
   * one): crash at every write and every flush, and at each crash point try the states
   * the write cache can leave (see VolatileExploration). `true` takes the defaults.
   */
  volatile?: VolatileExploration | true;
}

export interface CrashFailure {
  outcome: CrashOutcome;
  /** The whole story in words: crash point, timeline, what the check saw. */
  message: string;
}

export interface ExplorationReport {
  /** Crash scenarios checked, the clean run included. */
  points: number;
  failures: CrashFailure[];
}

/** The run's outcome before reboot. */
interface Run<FS> {
  disk: SimDisk;
  completed: number;
  interrupted?: number;
  crashed: boolean;
  /** A non-crash error thrown by the workload. */
  error?: unknown;
  /** Write count at the start of each step (index = step). */
  stepStarts: number[];
}

/** Checks every crash point (and every crash during recovery); returns what failed. */
export function exploreCrashes<FS>(exploration: Exploration<FS>, options: { stopAtFirst?: boolean } = {}): ExplorationReport {
  if (exploration.volatile) return exploreVolatileCrashes(exploration, options.stopAtFirst ?? false);
  const explorer = new Explorer(exploration, options.stopAtFirst ?? false);
  explorer.explore();
  return { points: explorer.points, failures: explorer.failures };
}

/** Throws an Error telling the story of the first failing crash point, if any. */
export function expectSurvivesCrashes<FS>(exploration: Exploration<FS>): ExplorationReport {
  const report = exploreCrashes(exploration, { stopAtFirst: true });
  if (report.failures.length > 0) throw new Error(report.failures[0].message);
  return report;
}

class Explorer<FS> {
  points = 0;
  failures: CrashFailure[] = [];
  readonly #e: Exploration<FS>;
  readonly #stopAtFirst: boolean;
  /** The writes of the uncrashed run: what each crash point would have written next. */
  #plan: readonly DiskWrite[] = [];
  #stepStarts: number[] = [];

  constructor(exploration: Exploration<FS>, stopAtFirst: boolean) {
    this.#e = exploration;
    this.#stopAtFirst = stopAtFirst;
  }

  get #done(): boolean {
    return this.#stopAtFirst && this.failures.length > 0;
  }

  explore(): void {
    const clean = this.#run(undefined);
    this.#plan = [...clean.disk.log];
    this.#stepStarts = clean.stepStarts;
    const total = clean.disk.writes;
    const outcome: CrashOutcome = { completed: clean.completed, point: total, totalWrites: total };
    if (clean.error !== undefined || clean.crashed) {
      this.#fail(outcome, [`the workload failed without any crash, in ${this.#where(clean)}:`, `  ${errorText(clean.error ?? new CrashError())}`]);
      return;
    }
    this.#recoverAndCheck(clean.disk, outcome, clean);
    for (let point = 0; point < total && !this.#done; point++) this.#explorePoint(point, total);
  }

  #explorePoint(point: number, total: number): void {
    const run = this.#run(point);
    const outcome: CrashOutcome = { completed: run.completed, interrupted: run.interrupted, point, totalWrites: total };
    if (!run.crashed || run.error === undefined) {
      const why = run.crashed
        ? "the code under test caught the CrashError and went on; a power cut cannot be caught, so let CrashError propagate"
        : `the workload ${run.error === undefined ? "made fewer writes than before" : `threw ${errorText(run.error)}`} instead of crashing; is it deterministic?`;
      this.#fail(outcome, [this.#header(outcome), ...this.#timeline(run.disk.log, point), why]);
      return;
    }
    if (run.error !== undefined && !isCrash(run.error)) {
      this.#fail(outcome, [this.#header(outcome), ...this.#timeline(run.disk.log, point),
        `the code under test caught the CrashError and threw ${errorText(run.error)} instead; let CrashError propagate`]);
      return;
    }
    const recoveryWrites = this.#recoverAndCheck(run.disk, outcome, run);
    if (this.#e.crashDuringRecovery === false) return;
    for (let j = 0; j < recoveryWrites && !this.#done; j++) this.#crashRecovery(run, outcome, j);
  }

  /** Reboots, mounts, checks; returns how many writes the recovery mount made. */
  #recoverAndCheck(crashed: SimDisk, outcome: CrashOutcome, run: Run<FS>, recoveryLog?: readonly DiskWrite[]): number {
    this.points += 1;
    const disk = crashed.reboot();
    let fs: FS;
    try {
      fs = this.#e.mount(disk);
    } catch (error) {
      this.#fail(outcome, [...this.#story(outcome, run, recoveryLog), `after reboot, mount (recovery) threw ${errorText(error)}`]);
      return 0;
    }
    const recoveryWrites = disk.writes;
    try {
      this.#e.check(fs, outcome);
    } catch (error) {
      this.#fail(outcome, [...this.#story(outcome, run, recoveryLog), `after reboot and recovery: ${messageOf(error)}`]);
    }
    return recoveryWrites;
  }

  #crashRecovery(run: Run<FS>, base: CrashOutcome, j: number): void {
    const disk = run.disk.reboot();
    disk.crashAfter(j);
    const outcome: CrashOutcome = { ...base, recoveryCrash: j };
    let threw = false;
    try {
      this.#e.mount(disk);
    } catch (error) {
      threw = true;
      if (!disk.crashed) {
        this.#fail(outcome, [...this.#story(outcome, run, disk.log), `mount (recovery) threw ${errorText(error)}`]);
        return;
      }
    }
    if (!disk.crashed) return; // recovery wrote less this time: nothing to crash
    if (!threw) {
      this.#fail(outcome, [...this.#story(outcome, run, disk.log),
        "recovery caught the CrashError and went on; a power cut cannot be caught, so let CrashError propagate"]);
      return;
    }
    this.#recoverAndCheck(disk, outcome, run, disk.log);
  }

  #run(crashAfter: number | undefined): Run<FS> {
    const disk = this.#e.newDisk ? this.#e.newDisk() : new SimDisk();
    if (crashAfter !== undefined) disk.crashAfter(crashAfter);
    const run: Run<FS> = { disk, completed: 0, crashed: false, stepStarts: [] };
    try {
      const fs = this.#e.mount(disk);
      this.#e.steps.forEach((step, i) => {
        run.interrupted = i;
        run.stepStarts[i] = disk.writes;
        step.run(fs);
        run.completed = i + 1;
        run.interrupted = undefined;
      });
    } catch (error) {
      run.error = error;
    }
    run.crashed = disk.crashed;
    return run;
  }

  #fail(outcome: CrashOutcome, lines: string[]): void {
    this.failures.push({ outcome, message: lines.join("\n") });
  }

  #story(outcome: CrashOutcome, run: Run<FS>, recoveryLog?: readonly DiskWrite[]): string[] {
    if (outcome.point === outcome.totalWrites) return [`no crash: ${this.#e.steps.length} steps completed, ${outcome.totalWrites} writes, then a clean reboot`];
    const lines = [this.#header(outcome), ...this.#timeline(run.disk.log, outcome.point)];
    if (recoveryLog !== undefined) {
      lines.push(`then recovery crashed too, after ${outcome.recoveryCrash} of its writes:`);
      lines.push(...recoveryLog.map((w) => formatWrite(w)));
      lines.push("then a second reboot and recovery");
    }
    return lines;
  }

  #header(outcome: CrashOutcome): string {
    const name = this.#e.name ? `${this.#e.name}: ` : "";
    const when = outcome.point === 0
      ? `crash before the first of ${outcome.totalWrites} writes`
      : `crash after write ${outcome.point} of ${outcome.totalWrites}`;
    return `${name}${when}, ${this.#during(outcome.interrupted)}:`;
  }

  #during(interrupted: number | undefined): string {
    if (interrupted === undefined) return "during the first mount";
    return `during step ${interrupted + 1} of ${this.#e.steps.length} "${this.#e.steps[interrupted].name}"`;
  }

  #where(run: Run<FS>): string {
    return run.interrupted === undefined ? "the first mount" : `step ${run.interrupted + 1} "${this.#e.steps[run.interrupted].name}"`;
  }

  /** The applied writes, step headings between them, then the write the crash prevented. */
  #timeline(log: readonly DiskWrite[], point: number): string[] {
    const lines: string[] = [];
    const shownFrom = Math.max(0, point - MAX_TIMELINE);
    if (shownFrom > 0) lines.push(`  … ${shownFrom} earlier writes`);
    for (let i = shownFrom; i <= point && i < this.#plan.length; i++) {
      this.#stepStarts.forEach((start, step) => {
        if (start === i) lines.push(`  step ${step + 1}: ${this.#e.steps[step].name}`);
      });
      if (i < point) lines.push(formatWrite(log[i] ?? this.#plan[i]));
      else lines.push(`${formatWrite(this.#plan[i], "✗")}   ← power cut here, never written`);
    }
    return lines;
  }
}

const MAX_TIMELINE = 14;

/** One timeline line: `   4. block 13    data block 2 of 3 of notes.txt`. */
export function formatWrite(write: DiskWrite, mark = " "): string {
  const index = `${write.index}.`.padStart(5);
  const block = `block ${write.block}`.padEnd(10);
  return `${mark}${index} ${block} ${write.label || `(${write.bytes} bytes)`}`;
}

/** The writes of a log as timeline lines, with a mark at the one a crash would prevent. */
export function describeTimeline(log: readonly DiskWrite[], crashAt?: number): string {
  return log
    .map((w, i) => (i === crashAt ? `${formatWrite(w, "✗")}   ← power cut here, never written` : formatWrite(w)))
    .join("\n");
}

/**
 * Passes when `actual` equals one of the allowed values (deeply, for arrays and plain
 * objects); otherwise throws in words:
 * `notes.txt is "abc"; expected "" (before the write) or "abcdef" (after it)`.
 */
export function expectOneOf(what: string, actual: unknown, allowed: ReadonlyArray<readonly [label: string, value: unknown]>): void {
  if (allowed.some(([, value]) => sameValue(actual, value))) return;
  const options = allowed.map(([label, value]) => `${formatValue(value)} (${label})`).join(" or ");
  throw new Error(`${what} is ${formatValue(actual)}; expected ${options}`);
}

/** A value as a failure message shows it: strings quoted and clipped, undefined as "missing". */
export function formatValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (typeof value === "string") {
    const bytes = new TextEncoder().encode(value).length;
    return value.length > 40 ? `${JSON.stringify(value.slice(0, 32))}… (${bytes} bytes)` : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => sameValue(a[k], b[k]));
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function isCrash(error: unknown): boolean {
  return error instanceof CrashError || (error instanceof Error && error.name === "CrashError");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

// ---------------------------------------------------------------------------------------
// The volatile model: a write cache that loses, reorders and tears what was not flushed.
// Crash points are every write and every flush of the run, and the moment after its last
// step; at each, the states the cache can leave behind (cacheStates) are each rebooted,
// recovered and checked. Recovery crashes are explored from the two extreme states of each
// point (nothing of the cache reached the disk; all of it did), with the same enumeration.

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

interface RecoveryCrash {
  log: readonly DiskWrite[];
  flushPoints: readonly number[];
  cache: CacheOutcome;
  flush?: number;
}

const DEFAULT_MAX_SUBSETS = 256;
const DEFAULT_RECOVERY_MAX_SUBSETS = 8;

function exploreVolatileCrashes<FS>(exploration: Exploration<FS>, stopAtFirst: boolean): ExplorationReport {
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
  #plan: readonly DiskWrite[] = [];
  #planFlushes: readonly number[] = [];
  #stepStarts: number[] = [];
  #stepFlushStarts: number[] = [];
  readonly #recoveriesCrashed = new Set<string>();

  constructor(exploration: Exploration<FS>, stopAtFirst: boolean) {
    this.#e = exploration;
    this.#stopAtFirst = stopAtFirst;
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
    this.#plan = [...clean.disk.log];
    this.#planFlushes = [...clean.disk.flushPoints];
    this.#stepStarts = clean.stepStarts;
    this.#stepFlushStarts = clean.stepFlushStarts;
    const total = clean.disk.writes;
    const outcome: CrashOutcome = { completed: clean.completed, point: total, totalWrites: total };
    if (clean.error !== undefined || clean.disk.crashed) {
      const where = clean.interrupted === undefined ? "the first mount" : `step ${clean.interrupted + 1} "${this.#e.steps[clean.interrupted].name}"`;
      this.#fail(outcome, [`the workload failed without any crash, in ${where}:`, `  ${errorText(clean.error ?? new CrashError())}`]);
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
      this.#planFlushes.forEach((at, flushes) => {
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
  #recover(run: VolatileRun, disk: SimDisk, outcome: CrashOutcome, recovery?: RecoveryCrash): boolean {
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
      const recovery: RecoveryCrash = { log: [...disk.log], flushPoints: [...disk.flushPoints], cache: state.outcome, flush };
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

  #story(outcome: CrashOutcome, run: VolatileRun, recovery?: RecoveryCrash): string[] {
    const lines = [this.#header(outcome), ...this.#timeline(run.disk.log, outcome)];
    if (outcome.cache) lines.push(`  ${describeCache(outcome.cache)}`);
    if (recovery) {
      const at = recovery.flush === undefined ? `after ${recovery.log.length} of its writes` : `at its flush ${recovery.flush}`;
      lines.push(`then recovery lost power too, ${at}:`);
      recovery.log.forEach((w, i) => {
        recovery.flushPoints.forEach((p) => {
          if (p === i) lines.push(FLUSH_LINE);
        });
        lines.push(formatWrite(w) + cacheNote(recovery.cache, w.index));
      });
      lines.push(`  ${describeCache(recovery.cache)}`, "then a second reboot and recovery");
    }
    return lines;
  }

  #header(outcome: CrashOutcome): string {
    const name = this.#e.name ? `${this.#e.name}: ` : "";
    const { point, totalWrites: total } = outcome;
    if (outcome.flush === undefined && point === total && outcome.cache) {
      const steps = this.#e.steps.length === 1 ? "the only step" : `all ${this.#e.steps.length} steps`;
      return `${name}power cut after ${steps} returned (after write ${total} of ${total}), with no clean shutdown:`;
    }
    if (point === total && !outcome.cache && outcome.flush === undefined) {
      return `no crash: ${this.#e.steps.length} steps completed, ${total} writes, then a clean reboot (the cache was flushed)`;
    }
    const when = outcome.flush !== undefined
      ? `crash at flush ${outcome.flush} (after write ${point} of ${total})`
      : point === 0 ? `crash before the first of ${total} writes` : `crash after write ${point} of ${total}`;
    const during = outcome.interrupted === undefined
      ? outcome.completed === this.#e.steps.length ? "after the last step" : "during the first mount"
      : `during step ${outcome.interrupted + 1} of ${this.#e.steps.length} "${this.#e.steps[outcome.interrupted].name}"`;
    return `${name}${when}, ${during}:`;
  }

  /** The issued writes with flushes and step headings between them; cached ones say what became of them. */
  #timeline(log: readonly DiskWrite[], outcome: CrashOutcome): string[] {
    const { point } = outcome;
    if (point === outcome.totalWrites && !outcome.cache) return [];
    const lines: string[] = [];
    const shownFrom = Math.max(0, point - MAX_TIMELINE);
    if (shownFrom > 0) lines.push(`  … ${shownFrom} earlier writes`);
    // Flushes and step headings at write position i, in the order they happened.
    const happened = (f: number) => outcome.flush === undefined || f + 1 < outcome.flush;
    for (let i = shownFrom; i <= point; i++) {
      const events: Array<[order: number, line: string]> = [];
      this.#planFlushes.forEach((at, f) => {
        if (at === i && happened(f)) events.push([f, FLUSH_LINE]);
      });
      this.#stepStarts.forEach((start, step) => {
        if (start === i && (i < point || step <= (outcome.interrupted ?? -1))) {
          events.push([this.#stepFlushStarts[step] - 0.5, `  step ${step + 1}: ${this.#e.steps[step].name}`]);
        }
      });
      lines.push(...events.sort((a, b) => a[0] - b[0]).map(([, line]) => line));
      if (i < point) {
        const w = log[i] ?? this.#plan[i];
        lines.push(formatWrite(w) + (outcome.cache ? cacheNote(outcome.cache, w.index) : ""));
      }
    }
    if (outcome.flush !== undefined) lines.push("  ✗ flush                ← power cut here: this flush never happened");
    else if (point < this.#plan.length) lines.push(`${formatWrite(this.#plan[point], "✗")}   ← power cut here, never written`);
    else lines.push("  ✗ power cut here, after the last step returned");
    return lines;
  }
}

const FLUSH_LINE = "    — flush: every write above is durable";

function cacheNote(cache: CacheOutcome, index: number): string {
  if (!cache.pending.includes(index)) return "";
  if (cache.torn?.index === index) return `   (cached; torn: only sectors ${ranges(cache.torn.sectors)} reached the disk)`;
  return cache.reached.includes(index) ? "   (cached; reached the disk)" : "   (cached; lost)";
}

function describeCache(cache: CacheOutcome): string {
  if (cache.pending.length === 0) return "the write cache was empty at the power cut";
  const lost = cache.pending.filter((i) => !cache.reached.includes(i) && cache.torn?.index !== i);
  const parts = [`reached the disk: ${cache.reached.length ? cache.reached.join(", ") : "none"}`];
  if (cache.torn) parts.push(`torn: ${cache.torn.index} (sectors ${ranges(cache.torn.sectors)} new, the rest old)`);
  parts.push(`lost: ${lost.length ? lost.join(", ") : "none"}`);
  const writes = cache.pending.length === 1 ? "1 unflushed write" : `${cache.pending.length} unflushed writes`;
  return `write cache at the power cut: ${writes}; ${parts.join("; ")}`;
}

/** [0, 1, 2, 5] → "0–2, 5". */
function ranges(values: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    out.push(j === i ? `${values[i]}` : `${values[i]}–${values[j]}`);
    i = j;
  }
  return out.join(", ");
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

