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
 * This file explores the ordered model (every completed write durable at once) and hands
 * an exploration with `volatile` to volatile.ts; story.ts tells the failures.
 *
 * Workloads must be deterministic: the same steps on a fresh disk make the same writes.
 *
 * @example
 * ```ts
 * import { SimDisk } from "../sim-disk.ts";
 * import { expectOneOf } from "./story.ts";
 * import { expectSurvivesCrashes } from "./ordered.ts";
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
import { SimDisk } from "../sim-disk.ts";
import type { DiskWrite } from "../sim-disk.ts";
import { errorText, failedWithoutCrash, isCrash, messageOf, orderedHeader, orderedStory, orderedTimeline, type Plot } from "./story.ts";
import type { CrashFailure, CrashOutcome, Exploration, ExplorationReport } from "./types.ts";
import { exploreVolatileCrashes } from "./volatile.ts";

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
  /** The uncrashed run, as the failure story tells it. */
  #plot: Plot;

  constructor(exploration: Exploration<FS>, stopAtFirst: boolean) {
    this.#e = exploration;
    this.#stopAtFirst = stopAtFirst;
    this.#plot = { name: exploration.name, steps: exploration.steps, plan: [], stepStarts: [] };
  }

  get #done(): boolean {
    return this.#stopAtFirst && this.failures.length > 0;
  }

  explore(): void {
    const clean = this.#run(undefined);
    this.#plot = { ...this.#plot, plan: [...clean.disk.log], stepStarts: clean.stepStarts };
    const total = clean.disk.writes;
    const outcome: CrashOutcome = { completed: clean.completed, point: total, totalWrites: total };
    if (clean.error !== undefined || clean.crashed) {
      this.#fail(outcome, failedWithoutCrash(this.#plot, clean.interrupted, clean.error));
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
    return orderedStory(this.#plot, outcome, run.disk.log, recoveryLog);
  }

  #header(outcome: CrashOutcome): string {
    return orderedHeader(this.#plot, outcome);
  }

  #timeline(log: readonly DiskWrite[], point: number): string[] {
    return orderedTimeline(this.#plot, log, point);
  }
}
