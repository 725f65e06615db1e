/**
 * Grades one learner's submission the way class grading needs it, inside this process:
 *  1. copy the submission's exercises into a fresh scratch folder (links, node_modules/
 *     and .git left out: a link could point at the solutions);
 *  2. scan each lesson's files for powers no lesson needs and imports it may not make
 *     (scripts/core/guard.ts); a lesson with any finding is "flagged" and its code is never
 *     run, unless the instructor allows flagged code;
 *  3. run the remaining lessons' hidden tests with runTests, one test process at a time,
 *     each inside the OS sandbox (scripts/core/sandbox.ts) where this machine has one, so
 *     that the code under test can write to its scratch folder only, sees no solutions/,
 *     and leaves no process behind;
 *  4. delete the scratch folder.
 * The instructor's tests, lib/ and config are always this kit's; nothing of the learner's
 * copy but the exercise files is read. A lesson folder that lacks a file the registry
 * names is "missing files" (with the names expected and found) and is not run either.
 *
 * @example
 * ```ts
 * const outcomes = await gradeSubmission("/class/ana/exercises", [lesson], { timeLimitMs: 5000, memoryMb: 512 });
 * outcomes[0].run; // "graded" | "flagged" | "missing files" | "crashed"
 * ```
 */
import { fs } from "zx";
import { existsSync, lstatSync, mkdtempSync, readdirSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import type { Lesson } from "../../lib/registry.ts";
import type { LessonResult } from "../../lib/grading/results.ts";
import { withPoints } from "../../lib/grading/points.ts";
import { scanLesson } from "./guard.ts";
import { groupOf, manifestDifferences, readManifest } from "./integrity.ts";
import { KIT } from "./kit.ts";
import { DEFAULT_TIME_LIMIT_MS, runTests } from "./run-tests.ts";
import { sandboxWrap } from "./sandbox.ts";

export interface GradeLimits {
  /** CPU time one test may use, in milliseconds. */
  timeLimitMs: number;
  /** Heap cap of each test process, in MB. */
  memoryMb: number;
}

export interface SubmissionOptions extends GradeLimits {
  /** Run lessons with findings anyway (the instructor has looked at them). */
  allowFlagged?: boolean;
  /** Run without the OS sandbox even where there is one. */
  noSandbox?: boolean;
  /** Folders to hide from the code under test (the class folder, when inside the kit). */
  hide?: readonly string[];
  /** How paths inside the copy are shown (default "exercises"). */
  shownAs?: string;
}

export type LessonOutcome =
  | { lesson: string; run: "graded"; result: LessonResult; findings?: string[] }
  | { lesson: string; run: "flagged"; findings: string[] }
  | { lesson: string; run: "missing files"; detail: string }
  | { lesson: string; run: "crashed"; detail: string };

/** Scratch folders in use, removed on Ctrl-C as well. */
const scratches = new Set<string>();

export function removeScratches(): void {
  for (const dir of scratches) fs.removeSync(dir);
  scratches.clear();
}

export async function gradeSubmission(exercisesDir: string, lessons: readonly Lesson[], options: SubmissionOptions): Promise<LessonOutcome[]> {
  const scratch = mkdtempSync(path.join(tmpdir(), "crash-course-grade-"));
  scratches.add(scratch);
  try {
    const exercises = path.join(scratch, "exercises");
    try {
      await copyExercises(exercisesDir, exercises);
    } catch (error) {
      return lessons.map((l) => ({ lesson: l.id, run: "crashed", detail: `could not copy the submission: ${(error as Error).message}` }));
    }
    const outcomes = new Map<string, LessonOutcome>();
    const toRun: { lesson: Lesson; findings?: string[] }[] = [];
    for (const lesson of lessons) {
      const missing = missingFiles(exercises, lesson);
      if (missing) outcomes.set(lesson.id, { lesson: lesson.id, run: "missing files", detail: missing });
      else {
        const findings = findingsOf(lesson, exercises);
        if (findings.length > 0 && !options.allowFlagged) outcomes.set(lesson.id, { lesson: lesson.id, run: "flagged", findings });
        else toRun.push({ lesson, ...(findings.length > 0 ? { findings } : {}) });
      }
    }
    if (toRun.length > 0) {
      try {
        const results = await runInScratch(scratch, exercises, toRun.map((r) => r.lesson), options);
        toRun.forEach(({ lesson, findings }, i) => outcomes.set(lesson.id, { lesson: lesson.id, run: "graded", result: results[i], ...(findings ? { findings } : {}) }));
      } catch (error) {
        for (const { lesson } of toRun) outcomes.set(lesson.id, { lesson: lesson.id, run: "crashed", detail: `grading failed: ${(error as Error).message.split("\n")[0]}` });
      }
    }
    return lessons.map((l) => outcomes.get(l.id)!);
  } finally {
    scratches.delete(scratch);
    await fs.remove(scratch);
  }
}

/** The exercise files only: links (which could lead to the solutions), node_modules/ and .git are left out. */
async function copyExercises(from: string, to: string): Promise<void> {
  await fs.copy(realpathSync(from), to, {
    filter: (src: string) => !lstatSync(src).isSymbolicLink() && !/[/\\](node_modules|\.git)$/.test(src),
  });
  await fs.ensureDir(to);
}

/** "expected cow-list.ts, found cowlist.ts" when the lesson folder lacks a file the registry names. */
export function missingFiles(exercises: string, lesson: Lesson): string | undefined {
  const dir = path.join(exercises, lesson.id);
  const absent = lesson.files.filter((f) => !existsSync(path.join(dir, f)));
  if (absent.length === 0) return undefined;
  const found = existsSync(dir) ? readdirSync(dir).filter((f: string) => !lesson.files.includes(f)).sort() : [];
  const expected = absent.map((f) => `${lesson.id}/${f}`).join(", ");
  return `expected ${expected}${found.length > 0 ? `; found ${found.join(", ")}` : ""}`;
}

/** Powers and refused imports, one line each, as `file:line: message`. */
function findingsOf(lesson: Lesson, exercises: string): string[] {
  const { findings, violations } = scanLesson(lesson, exercises);
  const shown = (message: string) => message.split(exercises).join("exercises");
  return [...violations.map((v) => shown(v.message)), ...findings.map((f) => shown(f.message))];
}

/** runTests with the sandbox; the probe files go into the scratch folder, the one place the test process may write. */
async function runInScratch(scratch: string, exercises: string, lessons: readonly Lesson[], options: SubmissionOptions): Promise<LessonResult[]> {
  const tmp = path.join(scratch, "tmp");
  const cache = path.join(scratch, "cache");
  await Promise.all([fs.ensureDir(tmp), fs.ensureDir(cache)]);
  const hide = (options.hide ?? []).filter((dir) => isInside(dir, KIT));
  const wrap = options.noSandbox ? undefined : sandboxWrap({ kit: KIT, scratch, hide });
  const { results } = await runTests({
    lessons, impl: exercises, timeLimitMs: options.timeLimitMs, memoryMb: options.memoryMb,
    wrap, childEnv: { CRASH_COURSE_SCRATCH: cache, NO_COLOR: "1" }, parallel: 1, probeDir: tmp,
  });
  // Paths inside the scratch copy read as the learner's own (exercises/lesson-1/...).
  return JSON.parse(JSON.stringify(results).split(exercises).join(options.shownAs ?? "exercises")) as LessonResult[];
}

/**
 * Each lesson's full list of tests, as a result in which every test passed: from the
 * release manifest when it lists them (the Gradescope bundle has no solutions/), else
 * from a run of the reference solutions.
 */
export async function referenceResults(lessons: readonly Lesson[], limits: GradeLimits): Promise<LessonResult[]> {
  const listed = shippedLists();
  if (lessons.every((l) => listed[l.id]?.length)) return lessons.map((l) => listedResult(l, listed[l.id]));
  return gradeReference(lessons, limits);
}

/** The manifest's lists of tests, for lessons whose tests are still the ones it hashed. */
function shippedLists(): Record<string, ShippedTest[]> {
  try {
    const manifest = readManifest() as ({ tests?: Record<string, ShippedTest[]> } & Parameters<typeof manifestDifferences>[1]) | undefined;
    if (!manifest?.tests) return {};
    const changed = new Set(manifestDifferences(KIT, manifest).map(groupOf));
    if (changed.has("tests/support")) return {};
    return Object.fromEntries(Object.entries(manifest.tests).filter(([lesson]) => !changed.has(`tests/${lesson}`)));
  } catch {
    return {};
  }
}

interface ShippedTest {
  id: string;
  file: string;
  suite: string;
  name: string;
}

function listedResult(lesson: Lesson, tests: readonly ShippedTest[]): LessonResult {
  return withPoints({
    lesson: lesson.id, title: lesson.title, impl: "solutions", passed: tests.length, failed: 0, total: tests.length,
    tests: tests.map((t) => ({ ...t, lesson: lesson.id, state: "passed" as const })), problems: [],
  }, lesson);
}

/** The reference solutions graded in this process (they are the kit's own, trusted code). */
export async function gradeReference(lessons: readonly Lesson[], limits: Partial<GradeLimits> = {}): Promise<LessonResult[]> {
  const absent = lessons.filter((l) => l.files.some((f) => !existsSync(path.join(KIT, "solutions", l.id, f))));
  if (absent.length > 0) {
    throw new Error(`the reference solutions of ${absent.map((l) => l.id).join(", ")} are not in this kit, and manifest.json does not list their tests (run \`npm run manifest\` in a full kit)`);
  }
  const { results } = await runTests({ lessons, impl: "solutions", timeLimitMs: limits.timeLimitMs, memoryMb: limits.memoryMb });
  return results;
}

/** What `compare` passes: a heap cap (its wall-clock limit is no longer needed: every test has its own). */
export interface Limits {
  /** CPU time one test may use. */
  timeLimitMs?: number;
  memoryMb: number;
}

/** One learner's lessons for `compare`: like grade, paths shown as `shownAs`. */
export function gradeIsolated(exercisesDir: string, lessons: readonly Lesson[], limits: Limits, shownAs = "exercises"): Promise<LessonOutcome[]> {
  return gradeSubmission(exercisesDir, lessons, { timeLimitMs: limits.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS, memoryMb: limits.memoryMb, shownAs, hide: [] });
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}
