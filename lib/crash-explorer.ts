/**
 * Crash exploration: prove that code survives a power cut at every write. This module is
 * the one door the lessons' tests use; the rooms are in lib/crash/:
 *   - ordered.ts   the ordered model (every completed write durable), recovery crashes
 *                  included, and `exploreCrashes` / `expectSurvivesCrashes` for both models
 *   - volatile.ts  the volatile model: the states a write cache can leave at a power cut
 *   - story.ts     the failure story in words, and `expectOneOf` / `formatValue` for checks
 *   - types.ts     the contract: Exploration, Step, CrashOutcome, ExplorationReport
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
export { exploreCrashes, expectSurvivesCrashes } from "./crash/ordered.ts";
export { describeTimeline, expectOneOf, formatValue, formatWrite } from "./crash/story.ts";
export type {
  CacheOutcome,
  CrashFailure,
  CrashOutcome,
  Exploration,
  ExplorationReport,
  Step,
  VolatileExploration,
} from "./crash/types.ts";
