/**
 * One submission's grade in Gradescope's autograder format (`results.json`): the total
 * `score`, and one entry per hidden test with its `score`, `max_score` (one point per
 * test), `status`, `visibility` and, for a failure, the same explanation `check` prints,
 * without colours. The tests listed are the reference's, so a submission that crashed
 * still shows every test, each with the reason it got no point.
 *
 * @example
 * ```ts
 * writeFileSync("/autograder/results/results.json", JSON.stringify(toGradescope(grade, reference)));
 * ```
 */
import { stripVTControlCharacters } from "node:util";
import type { LessonResult, TestResult } from "../../lib/grading/results.ts";
import type { SubmissionGrade } from "./class-grades.ts";
import { POINTS_PER_TEST } from "./class-grades.ts";
import { formatExplanation } from "./report.ts";

export const VISIBILITIES = ["visible", "hidden", "after_due_date", "after_published"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export interface GradescopeTest {
  name: string;
  number: string;
  score: number;
  max_score: number;
  status: "passed" | "failed";
  output: string;
  visibility: Visibility;
}

export interface GradescopeResults {
  score: number;
  max_score: number;
  output: string;
  visibility: Visibility;
  stdout_visibility: "hidden";
  tests: GradescopeTest[];
}

export function toGradescope(grade: SubmissionGrade, reference: readonly LessonResult[], visibility: Visibility = "visible"): GradescopeResults {
  const tests: GradescopeTest[] = [];
  reference.forEach((ref, i) => {
    const lesson = grade.lessons.find((l) => l.lesson === ref.lesson)!;
    ref.tests.forEach((refTest, j) => {
      const mine = lesson.result?.tests.find((t) => t.id === refTest.id);
      const passed = mine?.state === "passed";
      tests.push({
        name: `${ref.lesson} › ${refTest.suite ? refTest.suite + " › " : ""}${refTest.name}`,
        number: `${i + 1}.${j + 1}`,
        score: passed ? POINTS_PER_TEST : 0,
        max_score: POINTS_PER_TEST,
        status: passed ? "passed" : "failed",
        output: passed ? "" : whyNot(mine, lesson),
        visibility,
      });
    });
  });
  return {
    score: grade.points,
    max_score: grade.maxPoints,
    output: grade.status === "graded"
      ? `${grade.points} of ${grade.maxPoints} tests pass (1 point each).`
      : `${grade.points} of ${grade.maxPoints} tests pass (1 point each). Status: ${grade.status}.` + troubleOf(grade),
    visibility,
    stdout_visibility: "hidden",
    tests,
  };
}

function whyNot(test: TestResult | undefined, lesson: SubmissionGrade["lessons"][number]): string {
  if (test?.explanation) return plain(formatExplanation(test.explanation));
  if (test?.state === "not-run") return "not run: grading stopped at a test that never finished";
  if (lesson.status === "not submitted") return `not submitted: no exercises/${lesson.lesson}/ files`;
  return `not run: ${lesson.status}${lesson.detail ? ` (${plain(lesson.detail)})` : ""}`;
}

/** One line per lesson that could not be graded normally, with why. */
function troubleOf(grade: SubmissionGrade): string {
  const lines = grade.lessons
    .filter((l) => l.status !== "graded" && l.status !== "not submitted" && l.detail)
    .map((l) => `${l.lesson}: ${l.status}: ${plain(l.detail!)}`);
  return lines.length > 0 ? "\n" + lines.join("\n") : "";
}

function plain(text: string): string {
  return stripVTControlCharacters(text);
}
