/**
 * Crash exploration for concurrent, asynchronous workloads (lesson 9 and later).
 *
 * The same protocol as lib/crash-explorer.ts, for a workload that is one async function
 * (typically several transactions run by a seeded Scheduler, so every run interleaves
 * the same way): run it once without a crash to count its writes W; then for every crash
 * point k = 0 .. W-1 run it on a fresh disk armed with `crashAfter(k)` until it settles,
 * reboot, mount (recovery), check; and crash the recovery at each of its writes too.
 * The workload records what it saw (for example which transactions had resolved before
 * the power went) in an `observed` object that the check receives.
 *
 * @example
 * ```ts
 * await expectSurvivesCrashesAsync({
 *   mount: (disk) => ConcurrentFS.mount(disk),
 *   observe: () => ({ resolved: new Set<number>() }),
 *   async run(fs, observed) { ... },
 *   check(fs, observed, outcome) { ... },
 * });
 * ```
 */
import { SimDisk } from "./sim-disk.ts";
import type { DiskWrite } from "./sim-disk.ts";
import { formatWrite } from "./crash-explorer.ts";

export interface AsyncCrashOutcome {
  /** The crash came after this many writes; equals totalWrites when there was no crash. */
  point: number;
  totalWrites: number;
  /** Set when recovery itself crashed after this many of its writes. */
  recoveryCrash?: number;
}

export interface AsyncExploration<FS, O> {
  name?: string;
  newDisk?: () => SimDisk;
  mount(disk: SimDisk): FS;
  /** A fresh record for one run of the workload. */
  observe(): O;
  /** The workload; may reject (a crash makes it reject), the explorer only waits for it. */
  run(fs: FS, observed: O): Promise<unknown>;
  /** Throws when the state after recovery is wrong for what the run observed. */
  check(fs: FS, observed: O, outcome: AsyncCrashOutcome): void;
  crashDuringRecovery?: boolean;
}

/** Throws an Error telling the story of the first failing crash point; returns the points checked. */
export async function expectSurvivesCrashesAsync<FS, O>(e: AsyncExploration<FS, O>): Promise<number> {
  const clean = await runOnce(e, undefined);
  const total = clean.disk.writes;
  let points = 0;
  const fail = (outcome: AsyncCrashOutcome, log: readonly DiskWrite[], why: string, recoveryLog?: readonly DiskWrite[]) => {
    const lines = outcome.point === total
      ? [`${e.name ? `${e.name}: ` : ""}no crash: ${total} writes, then a clean reboot`]
      : [`${e.name ? `${e.name}: ` : ""}crash after write ${outcome.point} of ${total}:`, ...timeline(log, clean.disk.log, outcome.point)];
    if (recoveryLog) lines.push(`then recovery crashed too, after ${outcome.recoveryCrash} of its writes:`, ...recoveryLog.map((w) => formatWrite(w)));
    lines.push(why);
    throw new Error(lines.join("\n"));
  };
  const recoverAndCheck = (crashed: SimDisk, run: Run<O>, outcome: AsyncCrashOutcome, recoveryLog?: readonly DiskWrite[]): number => {
    points += 1;
    const disk = crashed.reboot();
    let fs: FS;
    try {
      fs = e.mount(disk);
    } catch (error) {
      return fail(outcome, run.disk.log, `after reboot, mount (recovery) threw ${errorText(error)}`, recoveryLog);
    }
    const recoveryWrites = disk.writes;
    try {
      e.check(fs, run.observed, outcome);
    } catch (error) {
      fail(outcome, run.disk.log, `after reboot and recovery: ${error instanceof Error ? error.message : String(error)}`, recoveryLog);
    }
    return recoveryWrites;
  };

  if (clean.error !== undefined) fail({ point: total, totalWrites: total }, clean.disk.log, `the workload failed without any crash: ${errorText(clean.error)}`);
  recoverAndCheck(clean.disk, clean, { point: total, totalWrites: total });
  for (let point = 0; point < total; point++) {
    const run = await runOnce(e, point);
    const outcome = { point, totalWrites: total };
    if (!run.disk.crashed) fail(outcome, run.disk.log, "the run ended without reaching this crash point; is the workload deterministic (a seeded scheduler, no timers)?");
    const recoveryWrites = recoverAndCheck(run.disk, run, outcome);
    if (e.crashDuringRecovery === false) continue;
    for (let j = 0; j < recoveryWrites; j++) {
      const disk = run.disk.reboot();
      disk.crashAfter(j);
      try {
        e.mount(disk);
      } catch {
        // the crash we armed; anything else shows at the next mount
      }
      if (disk.crashed) recoverAndCheck(disk, run, { ...outcome, recoveryCrash: j }, disk.log);
    }
  }
  return points;
}

interface Run<O> {
  disk: SimDisk;
  observed: O;
  error?: unknown;
}

async function runOnce<FS, O>(e: AsyncExploration<FS, O>, crashAfter: number | undefined): Promise<Run<O>> {
  const disk = e.newDisk ? e.newDisk() : new SimDisk();
  if (crashAfter !== undefined) disk.crashAfter(crashAfter);
  const observed = e.observe();
  const run: Run<O> = { disk, observed };
  try {
    await e.run(e.mount(disk), observed);
  } catch (error) {
    if (!disk.crashed) run.error = error;
  }
  return run;
}

function timeline(log: readonly DiskWrite[], plan: readonly DiskWrite[], point: number): string[] {
  const from = Math.max(0, point - 14);
  const lines = from > 0 ? [`  … ${from} earlier writes`] : [];
  for (let i = from; i < point; i++) lines.push(formatWrite(log[i] ?? plan[i]));
  if (plan[point]) lines.push(`${formatWrite(plan[point], "✗")}   ← power cut here, never written`);
  return lines;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
