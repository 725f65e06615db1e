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
import type { DiskWrite } from "./sim-disk.ts";

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
    if (!run.crashed) {
      const why = run.error === undefined
        ? "the code under test caught the CrashError and went on; a power cut cannot be caught, so let CrashError propagate"
        : `the workload threw ${errorText(run.error)} instead of crashing; is it deterministic?`;
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
    try {
      this.#e.mount(disk);
    } catch (error) {
      if (!disk.crashed) {
        this.#fail(outcome, [...this.#story(outcome, run, disk.log), `mount (recovery) threw ${errorText(error)}`]);
        return;
      }
    }
    if (!disk.crashed) return; // recovery wrote less this time: nothing to crash
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
