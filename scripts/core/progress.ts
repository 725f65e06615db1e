/**
 * The learner's progress: one small JSON file, `.progress/progress.json` (git-ignored),
 * holding per lesson how many hints were shown and the last grade of the exercises.
 *
 * Contract:
 * - Deleting the file is harmless: grades come back with the next `check`, and the
 *   hint count starts again at the first hint. A damaged file is treated as empty (the
 *   caller is told once, on stderr) and replaced at the next write.
 * - Writes are atomic (a temporary file renamed over the old one), so a Ctrl-C during a
 *   write never leaves half a file.
 * - A stored grade is "fresh" only while none of the lesson's exercise files changed
 *   after it was taken (compared by modification time).
 * - `exportProgress` / `importProgress` move it to another machine; import validates the
 *   shape and keeps a backup of the file it replaces under `.backups/`.
 * - One status word for one grade (`lessonStatus`), one next TODO (`nextTodoOf`) and one
 *   next lesson (`nextUnfinishedIndex` / `nextUnfinished`): check, progress, next, watch,
 *   hint and the workbook all decide through these, so they never disagree.
 *
 * @example
 * ```ts
 * recordGrades(results);                    // after a graded run of exercises/
 * const shown = recordHintShown(lesson);    // 1, 2, ... capped at the number of hints
 * if (freshGrade(lesson)?.failed === 0) console.log("green");
 * ```
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import type { LessonResult, TodoLocation } from "../../lib/grading/results.ts";
import { scoreLesson } from "../../lib/grading/points.ts";
import { lessons as registry, type Lesson } from "../../lib/registry.ts";
import { KIT } from "./kit.ts";

export const PROGRESS_DIR = path.join(KIT, ".progress");
export const PROGRESS_FILE = path.join(PROGRESS_DIR, "progress.json");
export const BACKUP_DIR = path.join(KIT, ".backups");
const FORMAT = "crash-course-progress";
const VERSION = 1;

export interface Grade {
  passed: number;
  failed: number;
  total: number;
  /** When the grade was taken, ms since the epoch. */
  at: number;
  /** The graded files were the shipped skeleton (absent when the grader could not tell). */
  untouched?: boolean;
  /** Points earned of possible, by the registry's weights. */
  points?: { earned: number; possible: number };
  /** The TODO the first failing test ran into; null when none did (absent in older files). */
  nextTodo?: TodoLocation | null;
}

/** What a status is decided from: a LessonResult or a stored Grade. */
export interface GradeCounts {
  passed: number;
  failed: number;
  total: number;
  untouched?: boolean;
}

export type LessonStatus = "done" | "in progress" | "not started";

/** The one status word of a grade; undefined (never graded) is "not started". */
export function lessonStatus(grade: GradeCounts | undefined): LessonStatus {
  if (!grade) return "not started";
  if (grade.total > 0 && grade.failed === 0) return "done";
  // A skeleton passes a few tests before anyone touches it; that is not progress.
  if (grade.untouched !== undefined) return grade.untouched ? "not started" : "in progress";
  return grade.passed > 0 ? "in progress" : "not started";
}

/** The index of the first grade, in registry order, that is not done (undefined counts as not done); -1 when all are. */
export function nextUnfinishedIndex(grades: readonly (GradeCounts | undefined)[]): number {
  return grades.findIndex((g) => lessonStatus(g) !== "done");
}

/** The next TODO of a graded lesson: the first open TODO a failing test ran into, in test order. */
export function nextTodoOf(result: Pick<LessonResult, "tests">): TodoLocation | undefined {
  for (const test of result.tests) {
    const e = test.explanation;
    if (test.state !== "passed" && e?.kind === "todo" && "file" in e.todo) return e.todo;
  }
  return undefined;
}

export interface LessonProgress {
  hintsShown: number;
  lastGrade?: Grade;
}

export interface Progress {
  format: typeof FORMAT;
  version: typeof VERSION;
  lessons: Record<string, LessonProgress>;
}

function empty(): Progress {
  return { format: FORMAT, version: VERSION, lessons: {} };
}

let warned = false;

export function loadProgress(file = PROGRESS_FILE): Progress {
  if (!existsSync(file)) return empty();
  try {
    return parseProgress(readFileSync(file, "utf8"));
  } catch (error) {
    if (!warned) {
      warned = true;
      process.stderr.write(`note: ${path.relative(KIT, file)} is damaged (${(error as Error).message}); starting from an empty progress file\n`);
    }
    return empty();
  }
}

/** Parses and validates a progress file's text; throws a TypeError saying what is wrong. */
export function parseProgress(text: string): Progress {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new TypeError("not JSON");
  }
  const d = data as Partial<Progress> | null;
  if (!d || d.format !== FORMAT) throw new TypeError(`not a progress file (expected "format": "${FORMAT}")`);
  if (d.version !== VERSION) throw new TypeError(`unsupported version ${String(d.version)} (this kit reads version ${VERSION})`);
  if (!d.lessons || typeof d.lessons !== "object" || Array.isArray(d.lessons)) throw new TypeError(`"lessons" must be an object`);
  const lessons: Record<string, LessonProgress> = {};
  for (const [id, entry] of Object.entries(d.lessons)) {
    lessons[id] = validateEntry(id, entry);
  }
  return { format: FORMAT, version: VERSION, lessons };
}

function validateEntry(id: string, entry: unknown): LessonProgress {
  const e = entry as Partial<LessonProgress> | null;
  const count = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
  if (!e || !count(e.hintsShown)) throw new TypeError(`${id}: "hintsShown" must be a whole number ≥ 0`);
  const result: LessonProgress = { hintsShown: e.hintsShown! };
  if (e.lastGrade !== undefined) {
    const g = e.lastGrade as Partial<Grade>;
    if (!g || !count(g.passed) || !count(g.failed) || !count(g.total) || typeof g.at !== "number") {
      throw new TypeError(`${id}: "lastGrade" must have passed, failed, total and at`);
    }
    result.lastGrade = { passed: g.passed!, failed: g.failed!, total: g.total!, at: g.at, ...optionalGradeFields(id, g) };
  }
  return result;
}

function optionalGradeFields(id: string, g: Partial<Grade>): Partial<Grade> {
  const out: Partial<Grade> = {};
  if (g.untouched !== undefined) {
    if (typeof g.untouched !== "boolean") throw new TypeError(`${id}: "lastGrade.untouched" must be true or false`);
    out.untouched = g.untouched;
  }
  if (g.points !== undefined) {
    const p = g.points as Partial<Grade["points"] & object> | null;
    if (!p || typeof p.earned !== "number" || typeof p.possible !== "number") throw new TypeError(`${id}: "lastGrade.points" must have earned and possible`);
    out.points = { earned: p.earned, possible: p.possible };
  }
  if (g.nextTodo !== undefined) {
    const t = g.nextTodo as Partial<TodoLocation> | null;
    if (t !== null && (!t || typeof t.id !== "string" || typeof t.file !== "string" || typeof t.line !== "number" || typeof t.text !== "string")) {
      throw new TypeError(`${id}: "lastGrade.nextTodo" must be null or have id, file, line and text`);
    }
    out.nextTodo = t === null ? null : { id: t.id!, file: t.file!, line: t.line!, text: t.text! };
  }
  return out;
}

export function saveProgress(progress: Progress, file = PROGRESS_FILE): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(progress, null, 2) + "\n");
  renameSync(temporary, file);
}

function update(change: (p: Progress) => void): Progress {
  const progress = loadProgress();
  change(progress);
  saveProgress(progress);
  return progress;
}

function entry(progress: Progress, id: string): LessonProgress {
  return (progress.lessons[id] ??= { hintsShown: 0 });
}

/** Stores the grades of a run of the learner's exercises (not of solutions/ or --dir). */
export function recordGrades(results: readonly LessonResult[], at = Date.now()): void {
  update((p) => {
    for (const r of results) entry(p, r.lesson).lastGrade = gradeOf(r, at);
  });
}

/** What the progress file keeps of a result. */
export function gradeOf(result: LessonResult, at = Date.now()): Grade {
  const lesson = registry.find((l) => l.id === result.lesson);
  const points = result.points ?? (lesson ? scoreLesson(result, lesson) : undefined);
  return {
    passed: result.passed, failed: result.failed, total: result.total, at,
    ...(result.untouched === undefined ? {} : { untouched: result.untouched }),
    ...(points ? { points: { earned: points.earned, possible: points.possible } } : {}),
    nextTodo: nextTodoOf(result) ?? null,
  };
}

/** Counts one more hint shown (capped at the lesson's number of hints); returns the new count. */
export function recordHintShown(lesson: Lesson, count?: number): number {
  const p = update((p) => {
    const e = entry(p, lesson.id);
    e.hintsShown = Math.min(lesson.hints.length, count ?? e.hintsShown + 1);
  });
  return p.lessons[lesson.id].hintsShown;
}

export function hintsShown(lesson: Lesson): number {
  return Math.min(lesson.hints.length, loadProgress().lessons[lesson.id]?.hintsShown ?? 0);
}

/** The latest modification time of a lesson's exercise files (0 when none exist). */
export function exercisesChangedAt(lesson: Lesson): number {
  let latest = 0;
  for (const file of lesson.files) {
    try {
      latest = Math.max(latest, statSync(path.join(KIT, "exercises", lesson.id, file)).mtimeMs);
    } catch {
      // A missing file: the stored grade cannot speak for it either.
      return Number.POSITIVE_INFINITY;
    }
  }
  return latest;
}

/** The stored grade, if no exercise file of the lesson changed since it was taken. */
export function freshGrade(lesson: Lesson, progress = loadProgress()): Grade | undefined {
  const grade = progress.lessons[lesson.id]?.lastGrade;
  return grade && grade.at >= exercisesChangedAt(lesson) ? grade : undefined;
}

export function isGreen(grade: GradeCounts | undefined): boolean {
  return lessonStatus(grade) === "done";
}

export function exportProgress(): string {
  return JSON.stringify(loadProgress(), null, 2) + "\n";
}

/**
 * Replaces the progress file with `text` (an export). Entries of lessons this kit does
 * not have are dropped and named. Returns the backup of the replaced file, if any.
 */
export function importProgress(text: string): { dropped: string[]; backup?: string } {
  const incoming = parseProgress(text);
  const known = new Set(registry.map((l) => l.id));
  const dropped = Object.keys(incoming.lessons).filter((id) => !known.has(id));
  for (const id of dropped) delete incoming.lessons[id];
  let backup: string | undefined;
  if (existsSync(PROGRESS_FILE)) {
    mkdirSync(BACKUP_DIR, { recursive: true });
    backup = path.join(BACKUP_DIR, `progress-${timestamp()}.json`);
    copyFileSync(PROGRESS_FILE, backup);
  }
  saveProgress(incoming);
  return { dropped, backup };
}

/** A file-name-safe UTC timestamp, e.g. 2026-11-25T08-15-02-123. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, "-").replace(/Z$/, "");
}

/**
 * The first lesson in registry order that is not green. A lesson without a fresh stored
 * grade is graded with `grade` when given (and recorded), otherwise counted unfinished.
 */
export async function nextUnfinished(grade?: (lesson: Lesson) => Promise<Grade>): Promise<Lesson | undefined> {
  const progress = loadProgress();
  for (const lesson of registry) {
    let g = freshGrade(lesson, progress);
    if (!g && grade) g = await grade(lesson);
    if (!isGreen(g)) return lesson;
  }
  return undefined;
}

/**
 * The lesson a command means when none is named (watch, check --watch, hint): the next
 * unfinished one by the stored fresh grades, or the last lesson when all are done. No
 * grading, so it answers at once; `next` grades what has no fresh grade, and records it,
 * so after it these agree.
 */
export async function currentLesson(): Promise<Lesson> {
  return (await nextUnfinished()) ?? registry[registry.length - 1];
}

/** "hints 2/4" for each lesson that used hints, for the progress table. */
export function hintsUsed(progress = loadProgress()): Record<string, string> {
  return Object.fromEntries(registry.filter((l) => (progress.lessons[l.id]?.hintsShown ?? 0) > 0)
    .map((l) => [l.id, `hints ${Math.min(progress.lessons[l.id].hintsShown, l.hints.length)}/${l.hints.length}`]));
}
