/**
 * A class's grades: what `npm run grade` found for each learner, and how it is written
 * out — a Markdown table for the terminal, CSV for a gradebook, JSON for scripts.
 *
 * Points: a lesson's points are its result's `points` (the registry's weights) when the
 * runner gives them, else one per passing test; a lesson's maximum is the reference's
 * (the release manifest's list of tests, or a run of the reference solutions), so a
 * lesson that was flagged, misnamed or not submitted has the same maximum as everyone
 * else's. A lesson not submitted is empty in the CSV, not 0.
 *
 * Statuses, worst first: "flagged" (the code uses powers no lesson needs, or imports
 * what it may not: 0 points, not run, the findings listed), "missing files" (a file the
 * registry names is absent; the expected name is given), "compile error" (the tests
 * could not load the code), "out of memory", "crashed" (a test took its process down),
 * "test time limit" (a test was stopped), "graded"; "not submitted" for a lesson with no
 * folder. Every status but "flagged", "missing files" and "not submitted" is a complete
 * grade: every test has its own verdict.
 *
 * Two more columns help an instructor look closer: "untouched" (the lessons whose files
 * are the shipped skeleton) and "identical" (the lessons whose files are the reference
 * solution's, line endings and trailing spaces aside).
 *
 * @example
 * ```ts
 * const grade = gradeOf("ana", "/class/ana", outcomes, reference, { identical: ["lesson-1"] });
 * console.log(toMarkdown([grade], ["lesson-1"]));
 * ```
 */
import type { LessonResult, TestResult } from "../../lib/grading/results.ts";
import { formatPoints, scoreLesson } from "../../lib/grading/points.ts";
import { lessons as registry } from "../../lib/registry.ts";
import type { LessonOutcome } from "./isolation.ts";

export { formatPoints };

export type LessonStatus =
  | "graded" | "test time limit" | "crashed" | "out of memory" | "compile error"
  | "missing files" | "flagged" | "not submitted";

export interface Points {
  earned: number;
  possible: number;
}

export interface LessonGrade {
  lesson: string;
  status: LessonStatus;
  /** Tests passed, of `total` (the reference's count). */
  passed: number;
  total: number;
  points: number;
  maxPoints: number;
  detail?: string;
  /** What the scan found: powers no lesson needs, imports it may not make. */
  findings?: string[];
  /** The files are the shipped skeleton. */
  untouched?: boolean;
  /** The files are the reference solution's. */
  identical?: boolean;
  result?: LessonResult;
}

export interface SubmissionGrade {
  learner: string;
  path: string;
  /** "graded", or what went wrong and in which lesson. */
  status: string;
  points: number;
  maxPoints: number;
  lessons: LessonGrade[];
}

/**
 * What a lesson is worth in a result: the points the runner set, else the registry's
 * weights applied to its tests, else (a lesson the registry does not know) one per test.
 */
export function pointsOf(result: LessonResult): Points {
  const lesson = registry.find((l) => l.id === result.lesson);
  const weighted = result.points ?? (lesson ? scoreLesson(result, lesson) : undefined);
  return weighted ? { earned: weighted.earned, possible: weighted.possible } : { earned: result.passed, possible: result.total };
}

export interface Similarity {
  untouched?: boolean;
  identical?: boolean;
}

export function lessonGrade(outcome: LessonOutcome | undefined, reference: LessonResult, similarity: Similarity = {}): LessonGrade {
  const max = pointsOf(reference).possible;
  const base = { lesson: reference.lesson, total: reference.total, maxPoints: max, ...similarity };
  if (!outcome) return { ...base, status: "not submitted", passed: 0, points: 0 };
  if (outcome.run === "flagged") {
    return { ...base, status: "flagged", passed: 0, points: 0, detail: outcome.findings[0], findings: outcome.findings };
  }
  if (outcome.run !== "graded") return { ...base, status: outcome.run, passed: 0, points: 0, detail: outcome.detail };
  const result = outcome.result;
  const passed = Math.min(result.passed, reference.total);
  const points = Math.min(pointsOf(result).earned, max);
  const findings = outcome.findings ? { findings: outcome.findings } : {};
  const graded = { ...base, passed, points, result, ...findings, untouched: similarity.untouched ?? result.untouched };
  const [status, detail] = statusOfResult(result);
  return detail ? { ...graded, status, detail } : { ...graded, status };
}

/** The worst thing that happened in a complete run, and how often. */
function statusOfResult(result: LessonResult): [LessonStatus, string?] {
  if (result.tests.length === 0) return ["crashed", result.problems[0]?.message ?? "no test ran"];
  if (result.passed === 0 && result.problems.length > 0) {
    const missing = result.problems.find((p) => / is missing;/.test(p.message));
    return [missing ? "missing files" : "compile error", (missing ?? result.problems[0]).message];
  }
  const failed = result.tests.filter((t) => t.state !== "passed");
  const counted = (match: (t: TestResult) => boolean, what: string): string | undefined => {
    const n = failed.filter(match).length;
    return n > 0 ? `${n} test${n > 1 ? "s" : ""} ${what}` : undefined;
  };
  const message = (t: TestResult) => (t.explanation && "message" in t.explanation ? t.explanation.message : "");
  const memory = counted((t) => /ran out of memory/.test(message(t)), "ran out of memory");
  if (memory) return ["out of memory", memory];
  const crashed = counted((t) => /took the test process down|took its worker thread down/.test(message(t)), "took the test process down");
  if (crashed) return ["crashed", crashed];
  const stopped = counted((t) => t.explanation?.kind === "time-limit", "stopped by the time limit");
  if (stopped) return ["test time limit", stopped];
  return ["graded"];
}

export function gradeOf(
  learner: string, folder: string, outcomes: readonly LessonOutcome[], reference: readonly LessonResult[],
  similarity: Record<string, Similarity> = {},
): SubmissionGrade {
  const lessons = reference.map((ref) => lessonGrade(outcomes.find((o) => o.lesson === ref.lesson), ref, similarity[ref.lesson]));
  const points = round(lessons.reduce((n, l) => n + l.points, 0));
  const maxPoints = round(lessons.reduce((n, l) => n + l.maxPoints, 0));
  const status = outcomes.length === 0 ? "no exercises" : statusOf(lessons);
  return { learner, path: folder, status, points, maxPoints, lessons };
}

function statusOf(lessons: readonly LessonGrade[]): string {
  const troubled = lessons.filter((l) => l.status !== "graded" && l.status !== "not submitted");
  if (troubled.length === 0) return "graded";
  if (lessons.length === 1) return troubled[0].status;
  return troubled.map((l) => `${l.status} (${l.lesson})`).join("; ");
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** `7/12` tests, or `—` for a lesson the learner did not submit. */
function cell(l: LessonGrade): string {
  return l.status === "not submitted" ? "—" : `${l.passed}/${l.total}`;
}

function lessonsWhere(g: SubmissionGrade, key: "untouched" | "identical"): string {
  return g.lessons.filter((l) => l[key] && l.status !== "not submitted").map((l) => l.lesson).join(" ");
}

export function toMarkdown(grades: readonly SubmissionGrade[], lessonIds: readonly string[]): string {
  const head = ["learner", ...lessonIds, "points", "status", "untouched", "identical"];
  const rows = grades.map((g) => [
    escapeCell(g.learner), ...g.lessons.map(cell), `${formatPoints(g.points)}/${formatPoints(g.maxPoints)}`, escapeCell(g.status),
    lessonsWhere(g, "untouched") || "—", lessonsWhere(g, "identical") || "—",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = (i: number) => i > 0 && i <= lessonIds.length + 1;
  const line = (cells: string[]) => `| ${cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (numeric(i) ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|")}|`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

/** One line per flagged lesson and finding, for below the table. */
export function findingsReport(grades: readonly SubmissionGrade[]): string[] {
  const lines: string[] = [];
  for (const g of grades) {
    for (const l of g.lessons.filter((l) => l.findings?.length)) {
      const how = l.status === "flagged" ? "flagged, 0 points, not run" : "graded anyway (--allow-flagged)";
      lines.push(`${g.learner} · ${l.lesson}: ${how}`, ...l.findings!.map((f) => `  ${f}`));
    }
  }
  return lines;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/**
 * One row per learner: each lesson's points (empty when not submitted), the total, the
 * maximum, the status, the lessons untouched and identical to the reference, and notes
 * (findings, missing files) separated by " | ".
 */
export function toCsv(grades: readonly SubmissionGrade[], lessonIds: readonly string[]): string {
  const rows = [["learner", ...lessonIds, "points", "max_points", "status", "untouched", "identical_to_reference", "notes"]];
  for (const g of grades) {
    const perLesson = g.lessons.map((l) => (l.status === "not submitted" ? "" : formatPoints(l.points)));
    const notes = g.lessons.flatMap((l) => (l.findings ?? (l.status === "missing files" && l.detail ? [l.detail] : [])).map((n) => `${l.lesson}: ${n}`));
    rows.push([
      g.learner, ...perLesson, formatPoints(g.points), formatPoints(g.maxPoints), g.status,
      lessonsWhere(g, "untouched"), lessonsWhere(g, "identical"), notes.join(" | "),
    ]);
  }
  return rows.map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toJson(grades: readonly SubmissionGrade[], reference: readonly LessonResult[], meta: Record<string, unknown>): string {
  return JSON.stringify({
    ...meta,
    lessons: reference.map((r) => ({ id: r.lesson, title: r.title, tests: r.total, maxPoints: pointsOf(r).possible })),
    submissions: grades,
  }, null, 2) + "\n";
}
