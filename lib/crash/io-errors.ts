/**
 * I/O-error exploration: prove that code handles a disk that says no at any write or flush,
 * the way the crash explorer proves it survives a power cut at any write.
 *
 * The protocol, for a workload of `mount` followed by `steps`:
 *   1. Run it once without a fault to learn its writes (W) and flushes (F).
 *   2. For every write k = 0 .. W-1 (`failWriteAfter(k)`) and every flush k = 0 .. F-1
 *      (`failFlushAfter(k)`, which drops the write cache): on a fresh disk, arm the error,
 *      mount and run every step, and demand
 *        - reported: the mount or step during which the disk refused throws, and what it
 *          throws is the IOError or an error whose `cause` is that IOError, so a caller never
 *          sees success for data that did not reach the disk;
 *        - read-only: every later step throws too, with a message naming the abort (it says
 *          "abort" or "read-only");
 *        - `checkAborted(fs, outcome)`, when given, holds on the aborted file system.
 *   3. Then reboot twice from that disk, once losing the write cache (a power cut right
 *      after the error) and once writing it out (a clean shutdown), mount without faults,
 *      and run `check(fs, outcome)`: the completed steps are there, the failed one is wholly
 *      there or wholly absent, the later ones are absent.
 * The first failure comes back as a story in words: the fault, the disk writes and flushes
 * up to it (the labels the code gave them, from story.ts), what each step did, and what
 * the check saw. Workloads must be deterministic, as for the crash explorer.
 *
 * @example
 * ```ts
 * import { expectIOErrorsHandled } from "./io-errors.ts";
 *
 * expectIOErrorsHandled({
 *   newDisk: () => new SimDisk({ model: "volatile" }),
 *   mount: (disk) => TxFS.mount(disk),
 *   steps: [{ name: "commit a.txt", run: (fs) => commitOne(fs, "a.txt", "hello") }],
 *   check(fs, { completed, interrupted }) { ... },   // as for a crash
 * });
 * ```
 */
import { SimDisk } from "../sim-disk.ts";
import type { DiskWrite } from "../sim-disk.ts";
import { errorText, formatWrite, messageOf } from "./story.ts";
import type { Step } from "./types.ts";

export type Fault = "write" | "flush";
export type RebootKind = "cache lost" | "cache written";

/** Where the I/O error struck and how the disk came back, as the checks see it. */
export interface IOErrorOutcome {
  fault: Fault;
  /** The error refused write (or flush) number `at + 1` of the run, mount included. */
  at: number;
  /** Steps that returned before the error. */
  completed: number;
  /** The step during which the error struck; undefined when it struck the first mount. */
  interrupted?: number;
  /** Only for `check`: how the disk was rebooted after the error. */
  reboot?: RebootKind;
  totalWrites: number;
  totalFlushes: number;
}

export interface IOErrorExploration<FS> {
  /** Names the workload in the failure story. */
  name?: string;
  /** A fresh, empty disk; `new SimDisk()` by default. */
  newDisk?: () => SimDisk;
  mount(disk: SimDisk): FS;
  steps: readonly Step<FS>[];
  /** Runs on the aborted file system, after every step has thrown; throws when it is wrong. */
  checkAborted?(fs: FS, outcome: IOErrorOutcome): void;
  /** Runs on the file system mounted after the reboot; throws when the recovered state is wrong. */
  check(fs: FS, outcome: IOErrorOutcome): void;
  /** Which faults to inject; both by default. */
  faults?: readonly Fault[];
}

export interface IOErrorFailure {
  outcome: IOErrorOutcome;
  message: string;
}

export interface IOErrorReport {
  /** Scenarios checked: every fault point, each with both reboots. */
  points: number;
  failures: IOErrorFailure[];
}

/** Checks every write and flush fault of the workload; returns what failed. */
export function exploreIOErrors<FS>(exploration: IOErrorExploration<FS>, options: { stopAtFirst?: boolean } = {}): IOErrorReport {
  const explorer = new IOErrorExplorer(exploration, options.stopAtFirst ?? false);
  explorer.explore();
  return { points: explorer.points, failures: explorer.failures };
}

/** Throws an Error telling the story of the first fault the code mishandles, if any. */
export function expectIOErrorsHandled<FS>(exploration: IOErrorExploration<FS>): IOErrorReport {
  const report = exploreIOErrors(exploration, { stopAtFirst: true });
  if (report.failures.length > 0) throw new Error(report.failures[0].message);
  return report;
}

/** What one run with an armed fault did, step by step. */
interface FaultRun<FS> {
  disk: SimDisk;
  fs?: FS;
  /** What mount (index 0) and each step (index i + 1) threw, or undefined when it returned. */
  thrown: unknown[];
  /** Which of mount (0) and the steps (i + 1) was running when the disk refused; -1 when it never did. */
  struckIn: number;
}

/** The uncrashed run: its writes, and the write count at each flush. */
interface Plan {
  writes: readonly DiskWrite[];
  flushPoints: readonly number[];
}

class IOErrorExplorer<FS> {
  points = 0;
  failures: IOErrorFailure[] = [];
  readonly #e: IOErrorExploration<FS>;
  readonly #stopAtFirst: boolean;
  #plan: Plan = { writes: [], flushPoints: [] };

  constructor(exploration: IOErrorExploration<FS>, stopAtFirst: boolean) {
    this.#e = exploration;
    this.#stopAtFirst = stopAtFirst;
  }

  get #done(): boolean {
    return this.#stopAtFirst && this.failures.length > 0;
  }

  explore(): void {
    const clean = this.#run(undefined);
    this.#plan = { writes: [...clean.disk.log], flushPoints: [...clean.disk.flushPoints] };
    const failedAt = clean.thrown.findIndex((e) => e !== undefined);
    if (failedAt !== -1) {
      const where = failedAt === 0 ? "the first mount" : `step ${failedAt} "${this.#e.steps[failedAt - 1].name}"`;
      const outcome = this.#outcome("write", clean.disk.writes, failedAt - 1);
      this.#fail(outcome, [`the workload failed without any I/O error, in ${where}:`, `  ${errorText(clean.thrown[failedAt])}`]);
      return;
    }
    for (const fault of this.#e.faults ?? ["write", "flush"]) {
      const count = fault === "write" ? this.#plan.writes.length : this.#plan.flushPoints.length;
      for (let at = 0; at < count && !this.#done; at++) this.#explorePoint(fault, at);
    }
  }

  #explorePoint(fault: Fault, at: number): void {
    const run = this.#run({ fault, at });
    if (run.struckIn === -1) {
      this.#fail(this.#outcome(fault, at, this.#e.steps.length), [this.#header(fault, at, undefined),
        "the armed error never struck: the workload made fewer writes or flushes than before; is it deterministic?"]);
      return;
    }
    const outcome = this.#outcome(fault, at, run.struckIn - 1);
    const lines = [this.#header(fault, at, outcome.interrupted), ...this.#timeline(fault, at), ...this.#afterwards(run)];
    const wrong = this.#abortProblem(run, outcome);
    if (wrong !== undefined) {
      this.#fail(outcome, [...lines, wrong]);
      return;
    }
    for (const reboot of ["cache lost", "cache written"] as const) {
      if (this.#done) return;
      this.points += 1;
      const problem = this.#recoveryProblem(run.disk, { ...outcome, reboot });
      if (problem !== undefined) this.#fail({ ...outcome, reboot }, [...lines, `then a reboot (${rebootWords(reboot)}) and mount:`, `  ${problem}`]);
    }
  }

  /** Why the run mishandled the error (not reported, not read-only, checkAborted), or undefined. */
  #abortProblem(run: FaultRun<FS>, outcome: IOErrorOutcome): string | undefined {
    const struck = run.thrown[run.struckIn];
    const where = run.struckIn === 0 ? "mount()" : `step ${run.struckIn}`;
    if (struck === undefined) {
      return `${where} returned although the disk refused ${outcome.fault === "write" ? "a write" : "a flush"}: the error was not reported, and the caller was told of success for data that is not on the disk`;
    }
    if (!isIOErrorOrCausedByOne(struck)) {
      return `${where} threw ${errorText(struck)}, which is not the IOError nor an error whose cause is it: report the disk's error to the caller`;
    }
    for (let i = run.struckIn + 1; i <= this.#e.steps.length && run.fs !== undefined; i++) {
      const later = run.thrown[i];
      if (later === undefined) return `step ${i} returned after the I/O error: once the journal is aborted every later write, commit and checkpoint must throw (read-only)`;
      if (!/abort|read-only/i.test(messageOf(later))) {
        return `step ${i} threw ${errorText(later)}; after the abort, say so: the message should name the abort ("aborted" or "read-only")`;
      }
    }
    if (run.fs === undefined || this.#e.checkAborted === undefined) return undefined;
    try {
      this.#e.checkAborted(run.fs, outcome);
      return undefined;
    } catch (error) {
      return `on the aborted file system: ${messageOf(error)}`;
    }
  }

  /** Reboots `disk` as `outcome.reboot` says, mounts and checks; the problem in words, or undefined. */
  #recoveryProblem(disk: SimDisk, outcome: IOErrorOutcome): string | undefined {
    const rebooted = outcome.reboot === "cache lost" ? disk.reboot({ reached: [] }) : disk.reboot();
    let fs: FS;
    try {
      fs = this.#e.mount(rebooted);
    } catch (error) {
      return `mount after the reboot threw ${errorText(error)}`;
    }
    try {
      this.#e.check(fs, outcome);
      return undefined;
    } catch (error) {
      return messageOf(error);
    }
  }

  /** Mounts and runs every step on a fresh disk, with the fault armed (when given) before mount. */
  #run(armed: { fault: Fault; at: number } | undefined): FaultRun<FS> {
    const disk = this.#e.newDisk?.() ?? new SimDisk();
    if (armed?.fault === "write") disk.failWriteAfter(armed.at);
    if (armed?.fault === "flush") disk.failFlushAfter(armed.at);
    const run: FaultRun<FS> = { disk, thrown: [], struckIn: -1 };
    const attempt = (index: number, action: () => void) => {
      const errorsBefore = disk.ioErrors;
      try {
        action();
      } catch (error) {
        run.thrown[index] = error;
      }
      if (run.struckIn === -1 && disk.ioErrors > errorsBefore) run.struckIn = index;
    };
    attempt(0, () => (run.fs = this.#e.mount(disk)));
    if (run.fs === undefined) return run;
    this.#e.steps.forEach((step, i) => attempt(i + 1, () => step.run(run.fs!)));
    return run;
  }

  #outcome(fault: Fault, at: number, interrupted: number): IOErrorOutcome {
    const completed = Math.max(0, Math.min(interrupted, this.#e.steps.length));
    return {
      fault, at, completed, interrupted: interrupted < 0 || interrupted >= this.#e.steps.length ? undefined : interrupted,
      totalWrites: this.#plan.writes.length, totalFlushes: this.#plan.flushPoints.length,
    };
  }

  #header(fault: Fault, at: number, interrupted: number | undefined): string {
    const name = this.#e.name ? `${this.#e.name}: ` : "";
    const what = fault === "write"
      ? `write ${at + 1} of ${this.#plan.writes.length} fails with an I/O error`
      : `flush ${at + 1} of ${this.#plan.flushPoints.length} fails with an I/O error, dropping the write cache`;
    const during = interrupted === undefined ? "during the first mount" : `during step ${interrupted + 1} "${this.#e.steps[interrupted].name}"`;
    return `${name}${what}, ${during}:`;
  }

  /** The uncrashed run's writes and flushes up to the fault, the refused one marked. */
  #timeline(fault: Fault, at: number): string[] {
    const upTo = fault === "write" ? at : this.#plan.flushPoints[at];
    const lines: string[] = [];
    let flush = 0;
    for (let w = 0; w <= upTo; w++) {
      for (; flush < this.#plan.flushPoints.length && this.#plan.flushPoints[flush] === w; flush++) {
        if (fault === "flush" && flush === at) {
          const lost = w - (flush === 0 ? 0 : this.#plan.flushPoints[flush - 1]);
          lines.push(`  ✗ flush ${flush + 1}   ← fails: ${lost === 1 ? "the write" : `the ${lost} writes`} since the last flush never ${lost === 1 ? "reaches" : "reach"} the disk`);
          return trim(lines);
        }
        lines.push(`    — flush ${flush + 1}`);
      }
      if (w === upTo) break;
      lines.push(formatWrite(this.#plan.writes[w]));
    }
    if (fault === "write") lines.push(`${formatWrite(this.#plan.writes[at], "✗")}   ← refused (IOError), never written`);
    return trim(lines);
  }

  /** What mount and each step did once the fault was armed. */
  #afterwards(run: FaultRun<FS>): string[] {
    const lines = ["what the code under test did:"];
    const names = ["mount()", ...this.#e.steps.map((s, i) => `step ${i + 1} "${s.name}"`)];
    const ran = run.fs === undefined ? 1 : names.length;
    for (let i = 0; i < ran; i++) {
      const error = run.thrown[i];
      lines.push(`  ${names[i]}: ${error === undefined ? "returned" : `threw ${errorText(error)}`}`);
    }
    return lines;
  }

  #fail(outcome: IOErrorOutcome, lines: string[]): void {
    this.failures.push({ outcome, message: lines.join("\n") });
  }
}

/** Timeline lines kept before the fault; earlier ones are counted. */
const MAX_TIMELINE = 14;

function trim(lines: string[]): string[] {
  if (lines.length <= MAX_TIMELINE) return lines;
  return [`    … ${lines.length - MAX_TIMELINE} earlier lines`, ...lines.slice(-MAX_TIMELINE)];
}

function rebootWords(reboot: RebootKind): string {
  return reboot === "cache lost" ? "a power cut: the write cache is lost" : "a clean shutdown: the write cache reaches the disk";
}

/** The IOError itself, or an error whose cause is one (named, so a copy of sim-disk.ts counts too). */
function isIOErrorOrCausedByOne(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "IOError") return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.name === "IOError";
}
