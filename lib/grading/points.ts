/**
 * Points in proportion: a lesson's grade in points, by the weights of its test groups in
 * the registry (`weights` in lessons/lessons.json, see `LessonWeights` in lib/registry.ts).
 *
 * Contract:
 * - A test belongs to the first group with a matcher that fits it (the kit's tests check
 *   that exactly one does, for every real test). A group's points are spread evenly over
 *   the tests of that group found in the result; only passed tests earn theirs. Failed,
 *   skipped and not-run tests earn nothing, and a group with no test in the result (its
 *   file did not load) earns nothing either: `possible` is always the registry's total.
 * - Values are exact (a passed group earns exactly its points); `formatPoints` rounds to
 *   0.1 for display only.
 * - A lesson without weights is one group, "tests", of all its tests.
 * - Pure functions over plain data; web-standard only, so the grader, the watch mode,
 *   the instructor tools and the workbook count points the same way on Node and Deno.
 *
 * @example
 * ```ts
 * const points = scoreLesson(result, lesson); // { earned: 52.5, possible: 100, groups: [...] }
 * pointsLine(points); // "points: 52.5 of 100 · crash consistency 20/60 · functional 32.5/40"
 * withPoints(result); // sets result.points, from the registry entry of result.lesson
 * ```
 */
import type { GroupPoints, LessonPoints, LessonResult, TestResult } from "./results.ts";
import { LESSON_POINTS, lessons as registry, type Lesson, type TestMatcher, type WeightGroup } from "../registry.ts";

const EVERY_TEST: readonly WeightGroup[] = [{ name: "tests", points: LESSON_POINTS, crash: false, match: [{}] }];

/** The test's place as a matcher sees it: test file name, outermost describe, own title. */
type TestPlace = Pick<TestResult, "file" | "suite" | "name">;

export function groupsOf(lesson: Lesson): readonly WeightGroup[] {
  return lesson.weights?.groups ?? EVERY_TEST;
}

export function matches(matcher: TestMatcher, test: TestPlace): boolean {
  return (matcher.file === undefined || fileName(test.file) === matcher.file)
    && (matcher.describe === undefined || outermostDescribe(test.suite) === matcher.describe)
    && (matcher.test === undefined || test.name === matcher.test);
}

/** The groups whose matchers fit the test, in registry order (exactly one when the weights are right). */
export function groupsMatching(test: TestPlace, lesson: Lesson): WeightGroup[] {
  return groupsOf(lesson).filter((group) => group.match.some((m) => matches(m, test)));
}

/** The group a test counts in, or undefined when no group names it. */
export function groupOf(test: TestPlace, lesson: Lesson): WeightGroup | undefined {
  return groupsMatching(test, lesson)[0];
}

/** True when the test's verdict comes from crash exploration or a power cut (a test of a crash group). */
export function isCrashTest(test: TestPlace, lesson: Lesson): boolean {
  return groupOf(test, lesson)?.crash ?? false;
}

export function scoreLesson(result: Pick<LessonResult, "tests">, lesson: Lesson): LessonPoints {
  const groups: GroupPoints[] = groupsOf(lesson).map((group) => {
    const tests = result.tests.filter((test) => groupOf(test, lesson) === group);
    const passed = tests.filter((test) => test.state === "passed").length;
    // points × passed / total, not a sum of shares: a full group earns exactly its points.
    const earned = tests.length === 0 ? 0 : (group.points * passed) / tests.length;
    return { name: group.name, crash: group.crash, earned, possible: group.points, passed, total: tests.length };
  });
  return { earned: sum(groups.map((g) => g.earned)), possible: sum(groups.map((g) => g.possible)), groups };
}

/** The result's tests that no group of the lesson names: they earn nothing, and the weights need fixing. */
export function testsOutsideGroups(result: Pick<LessonResult, "tests">, lesson: Lesson): TestResult[] {
  return result.tests.filter((test) => groupOf(test, lesson) === undefined);
}

/**
 * Sets `result.points` from the weights of its lesson (by default the registry entry
 * named by `result.lesson`) and returns the result; a lesson the registry does not know
 * leaves it unchanged.
 */
export function withPoints<R extends LessonResult>(result: R, lesson = registry.find((l) => l.id === result.lesson)): R {
  if (lesson) result.points = scoreLesson(result, lesson);
  return result;
}

/** 52.5, 20, 33.3: rounded to 0.1 for display, without a trailing ".0". */
export function formatPoints(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** "points: 52.5 of 100 · crash consistency 20/60 · functional 32.5/40" */
export function pointsLine(points: NonNullable<LessonResult["points"]>): string {
  const groups = (points.groups ?? []).map((g) => `${g.name} ${formatPoints(g.earned)}/${formatPoints(g.possible)}`);
  return [`points: ${formatPoints(points.earned)} of ${formatPoints(points.possible)}`, ...groups].join(" · ");
}

function fileName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\")) + 1);
}

function outermostDescribe(suite: string): string {
  return suite.split(" > ")[0];
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
