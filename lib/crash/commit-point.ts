/**
 * Commit points held to their word: crash exploration that demands "old" before an
 * operation's commit point and "new" after it, not "old or new" throughout.
 *
 * The plain crash check (lib/crash-explorer.ts) accepts either state for the operation a
 * crash interrupts. That lets through a recovery that ignores a committed operation
 * whenever the home writes happen to come later: a crash right after the commit write
 * recovers the old state, a crash after the home writes the new one, and both look fine.
 * This module adds two rules on top of the exploration's own check, which must pass first:
 *
 *   1. Monotone (every design). For each step, there is one crash point c such that every
 *      crash before c recovers to the state before the step ("old") and every crash at or
 *      after c to the state after it ("new"); a crash during recovery changes nothing
 *      about which. Ordered model only: under a write cache the state depends on what the
 *      cache kept, not on the point alone.
 *   2. Named commit write (the layout the guided skeleton gives). When `isCommitWrite`
 *      recognises, among the step's writes, the one the lesson text names (the journal
 *      header, the commit block), c is that write: crashes before it is written recover
 *      "old"; crashes after it reached the disk recover "new". Under a write cache, "after"
 *      means the commit write was flushed; while it sits in the cache either is fine. A
 *      design with its own format writes no such block, and is held to rule 1 only.
 *
 * States that are the same before and after a step (an abort, a checkpoint) constrain
 * nothing: `sideOf` says "either" for them.
 *
 * @example
 * ```ts
 * import { expectCommitPointsHeld, sideFrom } from "../../lib/crash/commit-point.ts";
 *
 * expectCommitPointsHeld(exploration, {
 *   sideOf: (fs, { interrupted }) => sideFrom(matches(fs, before(interrupted)), matches(fs, after(interrupted))),
 *   isCommitWrite: (write) => write.block === 1 && write.image[0] !== 0, // lesson 3's journal header
 * });
 * ```
 */
import { exploreCrashes, formatWrite } from "../crash-explorer.ts";
import type { CrashOutcome, Exploration } from "../crash-explorer.ts";
import { SimDisk } from "../sim-disk.ts";
import type { DiskWrite } from "../sim-disk.ts";

/** Which state of the interrupted step recovery shows. */
export type Side = "old" | "new" | "either" | "neither";

/** One write of the crash-free run, with the block's contents right after it. */
export interface RecordedWrite extends DiskWrite {
  /** 0-based: a crash at point p has applied (or issued) writes 0 .. p-1. */
  position: number;
  /** The whole block as it reads after the write (zero-filled past the data). */
  image: Uint8Array;
}

export interface CommitPointRule<FS> {
  /**
   * Which side of `outcome.interrupted` the recovered file system shows. Called before
   * the exploration's own check (which may change the file system), for every outcome.
   */
  sideOf(fs: FS, outcome: CrashOutcome): Side;
  /** True for the write the lesson's layout names as step `step`'s commit point (the first such write of the step counts). */
  isCommitWrite?(write: RecordedWrite, step: number): boolean;
}

/** "old" when only the old state matches, "new" when only the new one does, "either" when both, else "neither". */
export function sideFrom(matchesOld: boolean, matchesNew: boolean): Side {
  if (matchesOld && matchesNew) return "either";
  if (matchesOld) return "old";
  return matchesNew ? "new" : "neither";
}

export interface CommitPointReport {
  /** Outcomes checked against the rules (crash scenarios whose own check passed). */
  points: number;
  /** Per step: the position of the named commit write the run made, if any. */
  commitWrites: (number | undefined)[];
  /** The failures in words, each a whole story; the exploration's own failures come first. */
  failures: string[];
}

interface Observation {
  outcome: CrashOutcome;
  side: Side;
}

/** Explores every crash point, then holds each step to its commit point; returns what failed. */
export function exploreCommitPoints<FS>(exploration: Exploration<FS>, rule: CommitPointRule<FS>): CommitPointReport {
  const run = recordCleanRun(exploration);
  const commitWrites = exploration.steps.map((_, step) => findCommitWrite(run, step, rule));
  const observations: Observation[] = [];
  const report = exploreCrashes({
    ...exploration,
    check(fs: FS, outcome: CrashOutcome) {
      const side = rule.sideOf(fs, outcome);
      exploration.check(fs, outcome);
      observations.push({ outcome: { ...outcome }, side });
    },
  }, { stopAtFirst: true });
  const failures = report.failures.map((f) => f.message);
  if (failures.length === 0) {
    const story = new Story<unknown>(exploration as Exploration<unknown>, run);
    failures.push(...namedCommitFailures(observations, commitWrites, story, Boolean(exploration.volatile)));
    if (!exploration.volatile) failures.push(...monotoneFailures(observations, story));
  }
  return { points: observations.length, commitWrites, failures };
}

/** Throws the story of the first failure: the exploration's own, else a broken commit point. */
export function expectCommitPointsHeld<FS>(exploration: Exploration<FS>, rule: CommitPointRule<FS>): CommitPointReport {
  const report = exploreCommitPoints(exploration, rule);
  if (report.failures.length > 0) throw new Error(report.failures[0]);
  return report;
}

interface CleanRun {
  writes: RecordedWrite[];
  /** Position of each step's first write (index = step). */
  stepStarts: number[];
}

/** The workload once without a crash, recording each write's block image (workloads are deterministic). */
function recordCleanRun<FS>(exploration: Exploration<FS>): CleanRun {
  const disk = exploration.newDisk ? exploration.newDisk() : new SimDisk(exploration.volatile ? { model: "volatile" } : {});
  const writes: RecordedWrite[] = [];
  const write = disk.write;
  disk.write = function recordingWrite(block: number, data: Uint8Array, label?: string): void {
    write.call(disk, block, data, label);
    const logged = disk.log[disk.log.length - 1];
    writes.push({ ...logged, position: writes.length, image: disk.read(block) });
  };
  const stepStarts: number[] = [];
  try {
    const fs = exploration.mount(disk);
    exploration.steps.forEach((step, i) => {
      stepStarts[i] = writes.length;
      step.run(fs);
    });
  } catch {
    // The exploration's own clean run reports why; the rules then have nothing to hold.
  }
  return { writes, stepStarts };
}

function stepEnd(run: CleanRun, step: number): number {
  return run.stepStarts[step + 1] ?? run.writes.length;
}

function findCommitWrite<FS>(run: CleanRun, step: number, rule: CommitPointRule<FS>): number | undefined {
  if (!rule.isCommitWrite || run.stepStarts[step] === undefined) return undefined;
  for (let p = run.stepStarts[step]; p < stepEnd(run, step); p++) {
    if (rule.isCommitWrite(run.writes[p], step)) return p;
  }
  return undefined;
}

function namedCommitFailures(observations: readonly Observation[], commitWrites: readonly (number | undefined)[], story: Story<unknown>, volatile: boolean): string[] {
  for (const { outcome, side } of observations) {
    const step = outcome.interrupted;
    if (step === undefined || (side !== "old" && side !== "new")) continue;
    const commit = commitWrites[step];
    if (commit === undefined) continue;
    const issued = outcome.point > commit;
    const durable = issued && !(outcome.cache?.pending.includes(commit + 1) ?? false);
    const expected = !issued ? "old" : durable ? "new" : undefined;
    if (expected === undefined || expected === side) continue;
    const write = story.describe(commit);
    const why = expected === "old"
      ? `the crash came before the step's commit point, write ${write}, so nothing of the step may show: the files must be as before it, but they are as after it`
      : `the step's commit point, write ${write}, had ${volatile ? "reached the disk (flushed)" : "been written"} before the crash, so the step has happened: recovery must finish it, but the files are as before it (the committed operation was lost)`;
    return [`${story.header(outcome)}\n${story.timeline(outcome.point, commit)}\n${why}`];
  }
  return [];
}

function monotoneFailures(observations: readonly Observation[], story: Story<unknown>): string[] {
  const plain = new Map<string, Observation>();
  for (const o of observations) {
    if (o.outcome.interrupted !== undefined && o.outcome.recoveryCrash === undefined) plain.set(`${o.outcome.interrupted}:${o.outcome.point}`, o);
  }
  // A crash during recovery must not change what the crash before it decided.
  for (const o of observations) {
    if (o.outcome.recoveryCrash === undefined || o.outcome.interrupted === undefined || !definite(o.side)) continue;
    const base = plain.get(`${o.outcome.interrupted}:${o.outcome.point}`);
    if (base && definite(base.side) && base.side !== o.side) {
      return [`${story.header(o.outcome)}\n${story.timeline(o.outcome.point)}\n` +
        `recovery from this crash showed the files as ${sideWords(base.side)} the step, but when recovery itself crashed after ${o.outcome.recoveryCrash} of its writes, ` +
        `the next recovery showed them as ${sideWords(o.side)} it: a crash during recovery must not change the outcome recovery had decided`];
    }
  }
  const byStep = new Map<number, Observation[]>();
  for (const o of plain.values()) byStep.set(o.outcome.interrupted!, [...(byStep.get(o.outcome.interrupted!) ?? []), o]);
  for (const list of byStep.values()) {
    list.sort((a, b) => a.outcome.point - b.outcome.point);
    const firstNew = list.find((o) => o.side === "new");
    const laterOld = firstNew && list.find((o) => o.outcome.point > firstNew.outcome.point && o.side === "old");
    if (firstNew && laterOld) {
      return [`${story.header(laterOld.outcome)}\n${story.timeline(laterOld.outcome.point, firstNew.outcome.point - 1)}\n` +
        `recovery shows the files as before the step, but a crash earlier in the same step, after write ${firstNew.outcome.point}, recovered them as after it: ` +
        "an operation's outcome is decided by one write (its commit point), and once decided it stays decided"];
    }
  }
  return [];
}

function definite(side: Side): side is "old" | "new" {
  return side === "old" || side === "new";
}

function sideWords(side: "old" | "new"): string {
  return side === "old" ? "before" : "after";
}

/** Failure stories in the explorer's words: the crash point, the writes up to it, the commit write marked. */
class Story<FS> {
  readonly #exploration: Exploration<FS>;
  readonly #run: CleanRun;

  constructor(exploration: Exploration<FS>, run: CleanRun) {
    this.#exploration = exploration;
    this.#run = run;
  }

  header(outcome: CrashOutcome): string {
    const name = this.#exploration.name ? `${this.#exploration.name}: ` : "";
    const total = outcome.totalWrites;
    const when = outcome.flush !== undefined
      ? `crash at flush ${outcome.flush} (after write ${outcome.point} of ${total})`
      : outcome.point === 0 ? `crash before the first of ${total} writes` : `crash after write ${outcome.point} of ${total}`;
    const step = outcome.interrupted!;
    const recovery = outcome.recoveryCrash === undefined ? "" : `, recovery crashed after ${outcome.recoveryCrash} of its writes`;
    return `${name}${when}, during step ${step + 1} of ${this.#exploration.steps.length} "${this.#exploration.steps[step].name}"${recovery}:`;
  }

  /** The step's writes up to the crash (and the one the crash prevented), the marked one flagged. */
  timeline(point: number, marked?: number): string {
    const step = this.#stepAt(point);
    const from = Math.max(this.#run.stepStarts[step] ?? 0, point - 14);
    const to = Math.min(point, this.#run.writes.length - 1);
    const lines: string[] = [];
    if (from > 0) lines.push(`  … ${from} earlier writes`);
    for (let p = from; p <= to; p++) {
      const note = p === marked ? "   ← the commit point" : "";
      lines.push(p < point ? formatWrite(this.#run.writes[p]) + note : `${formatWrite(this.#run.writes[p], "✗")}   ← power cut here, never written${note}`);
    }
    return lines.join("\n");
  }

  describe(position: number): string {
    const w = this.#run.writes[position];
    return `${w.index} (block ${w.block}${w.label ? `, "${w.label}"` : ""})`;
  }

  #stepAt(point: number): number {
    let step = 0;
    this.#run.stepStarts.forEach((start, i) => {
      if (start <= point) step = i;
    });
    return step;
  }
}
