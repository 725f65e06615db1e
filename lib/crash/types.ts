/**
 * The contract of crash exploration, shared by the ordered and the volatile explorers and
 * the failure story: what a workload is (`Exploration`), what a check is told about the
 * crash (`CrashOutcome`), and what comes back (`ExplorationReport`). A new kind of
 * injected fault (an I/O error instead of a power cut) adds its fields here.
 *
 * @example
 * ```ts
 * import type { Exploration } from "./types.ts";
 * const exploration: Exploration<MyFS> = { mount: (disk) => MyFS.mount(disk), steps, check };
 * ```
 */
import type { SimDisk } from "../sim-disk.ts";

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

