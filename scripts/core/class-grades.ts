/**
 * A class's grades: what `npm run grade` found for each learner, and how it is written
 * out — a Markdown table for the terminal, CSV for a gradebook, JSON for scripts. One
 * point per hidden test; a lesson's maximum is the number of tests the reference
 * solution runs, so a submission that crashed or did not compile still has the same
 * maximum as everyone else.
 *
 * Statuses, worst first within a lesson: "no exercises" (nothing to grade), "timed out",
 * "out of memory", "crashed" (the grading child ended without a result), "compile error"
 * (the tests could not load the code), "missing files", "test time limit" (graded, but a
 * test was stopped after 5 s), "graded".
 *
 * @example
 * ```ts
 * const grade = gradeOf("ana", "/class/ana", outcomes, reference, lessonIds);
 * console.log(toMarkdown([grade], lessonIds));
 * ```
 */
import type { LessonResult } from "../../lib/grading/results.ts";
import type { LessonOutcome } from "./isolation.ts";

export const POINTS_PER_TEST = 1;

export type LessonStatus =
  | "graded" | "test time limit" | "missing files" | "compile error"
  | "crashed" | "out of memory" | "timed out" | "not submitted";

export interface LessonGrade {
  lesson: string;
  status: LessonStatus;
  passed: number;
  /** Tests of the lesson (the reference's count). */
  total: number;
  detail?: string;
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

export function lessonGrade(outcome: LessonOutcome | undefined, reference: LessonResult): LessonGrade {
  const base = { lesson: reference.lesson, total: reference.total };
  if (!outcome) return { ...base, status: "not submitted", passed: 0 };
  if (outcome.run !== "graded" || !outcome.result) return { ...base, status: outcome.run, passed: 0, detail: outcome.detail };
  const result = outcome.result;
  const passed = Math.min(result.passed, reference.total);
  if (result.tests.length === 0 && result.problems.length > 0) {
    const missing = result.problems.find((p) => / is missing;/.test(p.message));
    return { ...base, status: missing ? "missing files" : "compile error", passed, detail: (missing ?? result.problems[0]).message, result };
  }
  const stopped = result.tests.filter((t) => t.explanation?.kind === "time-limit").length;
  if (stopped > 0) return { ...base, status: "test time limit", passed, detail: `${stopped} test${stopped > 1 ? "s" : ""} stopped by the time limit`, result };
  return { ...base, status: "graded", passed, result };
}

export function gradeOf(learner: string, folder: string, outcomes: readonly LessonOutcome[], reference: readonly LessonResult[]): SubmissionGrade {
  const lessons = reference.map((ref) => lessonGrade(outcomes.find((o) => o.lesson === ref.lesson), ref));
  const points = lessons.reduce((n, l) => n + l.passed * POINTS_PER_TEST, 0);
  const maxPoints = reference.reduce((n, r) => n + r.total * POINTS_PER_TEST, 0);
  const status = outcomes.length === 0 ? "no exercises" : statusOf(lessons);
  return { learner, path: folder, status, points, maxPoints, lessons };
}

function statusOf(lessons: readonly LessonGrade[]): string {
  const troubled = lessons.filter((l) => l.status !== "graded" && l.status !== "not submitted");
  if (troubled.length === 0) return "graded";
  if (lessons.length === 1) return troubled[0].status;
  return troubled.map((l) => `${l.status} (${l.lesson})`).join("; ");
}

/** `7/12`, or `—` for a lesson the learner did not submit. */
function cell(l: LessonGrade): string {
  return l.status === "not submitted" ? "—" : `${l.passed}/${l.total}`;
}

export function toMarkdown(grades: readonly SubmissionGrade[], lessonIds: readonly string[]): string {
  const head = ["learner", ...lessonIds, "points", "status"];
  const rows = grades.map((g) => [escapeCell(g.learner), ...g.lessons.map(cell), `${g.points}/${g.maxPoints}`, escapeCell(g.status)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = (i: number) => i > 0 && i <= lessonIds.length + 1;
  const line = (cells: string[]) => `| ${cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (numeric(i) ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|")}|`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

export function toCsv(grades: readonly SubmissionGrade[], lessonIds: readonly string[]): string {
  const rows = [["learner", ...lessonIds, "points", "max_points", "status"]];
  for (const g of grades) rows.push([g.learner, ...g.lessons.map((l) => String(l.passed)), String(g.points), String(g.maxPoints), g.status]);
  return rows.map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toJson(grades: readonly SubmissionGrade[], reference: readonly LessonResult[], meta: Record<string, unknown>): string {
  return JSON.stringify({
    ...meta,
    pointsPerTest: POINTS_PER_TEST,
    lessons: reference.map((r) => ({ id: r.lesson, title: r.title, maxPoints: r.total * POINTS_PER_TEST })),
    submissions: grades,
  }, null, 2) + "\n";
}
