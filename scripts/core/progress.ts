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
import type { LessonResult } from "../../lib/grading/results.ts";
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
    result.lastGrade = { passed: g.passed!, failed: g.failed!, total: g.total!, at: g.at };
  }
  return result;
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
    for (const r of results) entry(p, r.lesson).lastGrade = { passed: r.passed, failed: r.failed, total: r.total, at };
  });
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

export function isGreen(grade: Grade | undefined): boolean {
  return Boolean(grade && grade.total > 0 && grade.failed === 0);
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

/** "hints 2/4" for each lesson that used hints, for the progress table. */
export function hintsUsed(progress = loadProgress()): Record<string, string> {
  return Object.fromEntries(registry.filter((l) => (progress.lessons[l.id]?.hintsShown ?? 0) > 0)
    .map((l) => [l.id, `hints ${Math.min(progress.lessons[l.id].hintsShown, l.hints.length)}/${l.hints.length}`]));
}
