/**
 * How grading results read in a terminal: one lesson test by test, or every lesson as a
 * progress table. Colours come from picocolors, which turns itself off when the output
 * is not a terminal or NO_COLOR is set.
 *
 * A lesson's report closes with its points by the registry's weights (the result's own
 * `points`, or computed here when the runner did not set them), then the
 * `N passed, N failed` line, always the last. After the first failing crash test (a test
 * of a crash group, or one whose explanation tells a power cut's timeline) it points the
 * learner at the crash lab (`npm run crash lesson-N`, in the running runtime's words).
 *
 * @example
 * ```ts
 * console.log(formatLesson(result));
 * console.log(formatProgress(results));
 * ```
 */
import pc from "picocolors";
import { diffLines } from "diff";
import type { Explanation, Finding, LessonResult, TestResult, TodoLocation, TypeNote } from "../../lib/grading/results.ts";
import { summaryLine } from "../../lib/grading/results.ts";
import { commandLine } from "./cli.ts";
import { existsSync } from "node:fs";
import path from "node:path";
import { KIT } from "./kit.ts";
import { isCrashTest, pointsLine, formatPoints, scoreLesson } from "../../lib/grading/points.ts";
import { lessons as registry, type Lesson } from "../../lib/registry.ts";
import { lessonStatus, nextTodoOf, nextUnfinishedIndex, type LessonStatus } from "./progress.ts";

const PASS = pc.green("✓");
const FAIL = pc.red("✗");
const SKIP = pc.dim("-");

export function formatLesson(result: LessonResult, options: { firstFailureOnly?: boolean } = {}): string {
  const out: string[] = [pc.bold(`${result.lesson} · ${result.title}`) + pc.dim(`  (grading ${result.impl}/${result.lesson})`)];
  if (result.unofficial?.length) {
    out.push(pc.yellow(`unofficial: ${result.unofficial.join(", ")} changed; this result is not the kit's grade`));
  }
  if (result.findings?.length) out.push("", formatFindings(result.findings));
  for (const problem of result.problems) {
    out.push("", `${FAIL} ${problem.message}` + (problem.at ? `\n    at ${problem.at}` : ""));
  }
  let suite: string | undefined;
  let shownFailure = false;
  let shownCrashLab = false;
  const lesson = lessonOf(result);
  for (const test of result.tests) {
    if (options.firstFailureOnly && (test.state === "passed" || shownFailure)) continue;
    if (test.suite !== suite) {
      suite = test.suite;
      out.push("", suite ? pc.bold(suite) : "");
    }
    out.push(formatTest(test));
    if (test.state === "failed") shownFailure = true;
    if (!shownCrashLab && test.state !== "passed" && isFailedCrashTest(test, lesson)) {
      const pointer = crashLabPointer(result.lesson, hasTimeline(test));
      if (pointer) out.push(indent(pointer, 6));
      shownCrashLab = true;
    }
  }
  if (result.typeNotes?.length) out.push("", formatTypeNotes(result.typeNotes));
  out.push("", formatClosing(result));
  return out.join("\n");
}

/** Type errors fail no test; they are told after the tests, as a note. */
export function formatTypeNotes(notes: readonly TypeNote[]): string {
  const heading = pc.dim("note: the type checker finds errors in your file (they fail no test, but usually mean a bug):");
  const shown = notes.slice(0, 10).map((n) => `  ${pc.cyan(`${n.file}:${n.line}:${n.column}`)} ${n.message}`);
  if (notes.length > shown.length) shown.push(pc.dim(`  … and ${notes.length - shown.length} more`));
  return [heading, ...shown].join("\n");
}

/** Powers no lesson needs make the result unofficial: the code may have decided its own verdict. */
export function formatFindings(findings: readonly Finding[]): string {
  const heading = pc.yellow("powers no lesson needs (this result is unofficial):");
  return [heading, ...findings.map((f) => `  ${pc.yellow("!")} ${f.message}`)].join("\n");
}

function formatTest(test: TestResult): string {
  const mark = test.state === "passed" ? PASS : test.state === "skipped" ? SKIP : FAIL;
  const lines = [`  ${mark} ${test.name}`];
  if (test.state === "not-run") lines.push(indent(pc.dim("not run: grading stopped at a test that never finished"), 6));
  if (test.explanation) lines.push(indent(formatExplanation(test.explanation), 6));
  if (test.state === "failed" && test.output) {
    lines.push(indent(pc.dim("your code printed:\n" + clip(test.output, 8)), 6));
  }
  return lines.join("\n");
}

export function formatExplanation(e: Explanation): string {
  switch (e.kind) {
    case "todo":
      return "file" in e.todo
        ? `${pc.yellow(`TODO(${e.todo.id})`)} is still open: ${pc.cyan(`${e.todo.file}:${e.todo.line}`)}`
        : `${pc.yellow(`TODO(${e.todo.id})`)} is still open`;
    case "mismatch":
      return [assertionNote(e.message), formatExpectedGot(e.expected, e.actual), invisibleDifference(e), e.at ? pc.dim(`at ${e.at}`) : ""].filter(Boolean).join("\n");
    case "time-limit":
      return pc.red(e.message);
    case "error":
      return [clip(e.message, 30), e.at ? pc.dim(`at ${e.at}`) : ""].filter(Boolean).join("\n");
  }
}

/** The test's own words about an assertion ("get(3): expected ..." → "get(3)"); vitest's generic text adds nothing to expected/got. */
function assertionNote(message: string): string {
  if (message.startsWith("expected ")) return "";
  const i = message.indexOf(": expected ");
  return i > 0 ? message.slice(0, i) : message;
}

/**
 * When expected and got print the same, say what printing hides, or the learner is left
 * staring at two identical lines.
 */
function invisibleDifference(e: { message: string; expected: string; actual: string }): string {
  if (e.expected !== e.actual) return "";
  if (/not to be\b/.test(e.message)) {
    return pc.yellow("they print the same, and are the same object: the test wants a new one (a copy), not the one your code keeps");
  }
  if (/Object\.is equality|to be\b/.test(e.message)) {
    return pc.yellow("they print the same but are not the same object: the test wants the very value it gave (compared by identity), not a copy");
  }
  return pc.yellow("they print the same but differ in what printing hides: -0 and 0, undefined and a missing key, an empty array slot and undefined, or the object's class");
}

/** Short values side by side; long ones as a line diff. */
function formatExpectedGot(expected: string, actual: string): string {
  if (!expected.includes("\n") && !actual.includes("\n") && expected.length + actual.length < 100) {
    return `expected ${pc.green(expected)}, got ${pc.red(actual)}`;
  }
  const parts = diffLines(expected + "\n", actual + "\n").flatMap((part) => {
    const lines = part.value.replace(/\n$/, "").split("\n");
    if (part.added) return lines.map((l) => pc.red(`+ ${l}`));
    if (part.removed) return lines.map((l) => pc.green(`- ${l}`));
    return lines.map((l) => pc.dim(`  ${l}`));
  });
  return `${pc.green("- expected")}  ${pc.red("+ got")}\n` + clip(parts.join("\n"), 40);
}

export function formatClosing(result: LessonResult): string {
  const n = result.findings?.length ?? 0;
  const flagged = n > 0 ? pc.yellow(`unofficial: ${n} ${n === 1 ? "use" : "uses"} of powers no lesson needs, listed above\n`) : "";
  return flagged + closingWithoutFindings(result);
}

function closingWithoutFindings(result: LessonResult): string {
  const line = summaryLine([result]);
  const points = pointsOf(result);
  const pointsText = points ? pointsLine(points) + "\n" : "";
  if (result.failed === 0 && result.total > 0) return pointsText + pc.green(line);
  const next = firstOpenTodo(result);
  return (next ? pc.dim(`next: TODO(${next.id}) at ${next.file}:${next.line}\n`) : "") + pointsText + line;
}

/** The result's points: its own, or computed from the registry's weights (undefined for a lesson the registry does not know). */
export function pointsOf(result: LessonResult): LessonResult["points"] {
  if (result.points) return result.points;
  const lesson = lessonOf(result);
  // No tests and no problem: nothing was graded (a stored grade without points), not zero points.
  const graded = result.tests.length > 0 || result.problems.length > 0;
  return lesson && graded ? scoreLesson(result, lesson) : undefined;
}

function lessonOf(result: LessonResult): Lesson | undefined {
  return registry.find((l) => l.id === result.lesson);
}

/** The first open TODO that a failing test ran into, in test order (the same one `next` names). */
export function firstOpenTodo(result: LessonResult): TodoLocation | undefined {
  return nextTodoOf(result);
}

// A crash timeline marks the write the power cut prevented with this (lib/crash/story.ts).
const TIMELINE_MARK = "power cut here";

function hasTimeline(test: TestResult): boolean {
  const e = test.explanation;
  return Boolean(e && (e.kind === "error" || e.kind === "mismatch") && e.message.includes(TIMELINE_MARK));
}

function isFailedCrashTest(test: TestResult, lesson: Lesson | undefined): boolean {
  return hasTimeline(test) || (lesson !== undefined && isCrashTest(test, lesson));
}

/** Lessons whose tests/<id>/crash-workloads.ts exists have a crash lab (scripts/crash.ts). */
export function hasCrashLab(lessonId: string): boolean {
  return existsSync(path.join(KIT, "tests", lessonId, "crash-workloads.ts"));
}

/** Where a learner goes after a failing crash test: the crash lab, or the timeline itself. */
export function crashLabPointer(lessonId: string, timelineShown: boolean): string | undefined {
  if (hasCrashLab(lessonId)) {
    return `${pc.cyan("→")} watch the power cut for yourself: ${pc.cyan(commandLine("crash", lessonId))} crashes your code at every disk write\n`
      + `  and tells the first failure's timeline, write by write: find the write that came too early.`;
  }
  if (!timelineShown) return undefined;
  return `${pc.cyan("→")} read the timeline above write by write: which write, had the power stayed on a moment longer,\n  would have made the state after the cut one of the allowed ones?`;
}

export type { LessonStatus };

/** "done", "in progress" or "not started": the one status word every command uses (scripts/core/progress.ts). */
export function statusOf(result: Pick<LessonResult, "passed" | "failed" | "total" | "untouched">): LessonStatus {
  return lessonStatus(result);
}

/**
 * `hints`, when given, adds "hints 2/4" to each lesson that used any (lesson id → text);
 * `changed` names lessons whose grade is older than their files (shown as such, and never
 * counted done, so the "← next" mark is the lesson `next` and `watch` would pick).
 */
export function formatProgress(results: readonly LessonResult[], options: { hints?: Record<string, string>; changed?: ReadonlySet<string> } = {}): string {
  const counted = (r: LessonResult) => (options.changed?.has(r.lesson) ? undefined : r);
  const nextIndex = nextUnfinishedIndex(results.map(counted));
  const next = nextIndex >= 0 ? results[nextIndex] : undefined;
  const width = Math.max(...results.map((r) => r.title.length), 10);
  const points = results.map(pointsOf);
  const rows = results.map((r, i) => {
    const status = statusOf(r);
    const colour = status === "done" ? pc.green : status === "in progress" ? pc.yellow : pc.dim;
    const changed = options.changed?.has(r.lesson) ? pc.dim(" (files changed since)") : "";
    const marker = r === next ? pc.cyan(" ← next") : "";
    const hints = options.hints?.[r.lesson] ? pc.dim(`  ${options.hints[r.lesson]}`) : "";
    return `  ${r.lesson.padEnd(10)} ${r.title.padEnd(width)}  ${bar(r.passed, r.total)} ${`${r.passed}/${r.total}`.padStart(7)}  ${pointsCell(points[i])}  ${colour(status)}${changed}${marker}${hints}`;
  });
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const total = results.reduce((n, r) => n + r.total, 0);
  const done = results.filter((r) => statusOf(r) === "done").length;
  const known = points.filter((p) => p !== undefined);
  const overallPoints = known.length === 0 ? undefined : { earned: known.reduce((n, p) => n + p.earned, 0), possible: known.reduce((n, p) => n + p.possible, 0) };
  const overall = `  ${"overall".padEnd(10)} ${`${done} of ${results.length} lessons done`.padEnd(width)}  ${bar(passed, total)} ${`${passed}/${total}`.padStart(7)}  ${pointsCell(overallPoints)}`;
  const hint = next ? `\nNext: ${pc.cyan(commandLine("check", next.lesson))}  (theory: lessons/${next.lesson}/README.md)` : `\n${pc.green("Every lesson is done.")}`;
  return [pc.bold("crash-course progress"), "", ...rows, "", pc.bold(overall), hint, "", summaryLine(results)].join("\n");
}

/** "52.5/100 pts", right-aligned; "–" when the points are unknown (a grade stored before points existed). */
function pointsCell(points: { earned: number; possible: number } | undefined): string {
  const text = points ? `${formatPoints(points.earned)}/${formatPoints(points.possible)} pts` : "–";
  return text.padStart(12);
}

export function bar(passed: number, total: number, width = 20): string {
  const filled = total === 0 ? 0 : Math.round((passed / total) * width);
  return pc.green("█".repeat(filled)) + pc.dim("░".repeat(width - filled));
}

function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text.split("\n").map((l) => (l ? pad + l : l)).join("\n");
}

function clip(text: string, maxLines: number): string {
  const lines = text.split("\n");
  return lines.length <= maxLines ? text : [...lines.slice(0, maxLines), pc.dim(`… ${lines.length - maxLines} more lines`)].join("\n");
}
