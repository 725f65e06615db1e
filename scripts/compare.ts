/**
 * `npm run compare <lesson> [path]` — a learner's work on one lesson beside the reference:
 * both grades on top ("learner 7/12, reference 12/12"), the failing tests with the
 * reason each fails, then each exercise file as a coloured unified diff against the
 * solution ("-" lines are the reference's, "+" lines the learner's).
 *
 *   npm run compare lesson-3                      this kit's own exercises/
 *   npm run compare lesson-3 ../ana               a learner's kit copy
 *   npm run compare lesson-3 ../ana/exercises     or just its exercises/ folder
 *
 * The learner's files are graded like `grade` does it: this kit's tests, lib/ and config,
 * in a child process working in a temporary copy. Exit 0 once shown, 2 for a usage error.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import pc from "picocolors";
import { structuredPatch } from "diff";
import type { Lesson } from "../lib/registry.ts";
import type { LessonResult } from "../lib/grading/results.ts";
import { UsageError, failUsage, parseCommand, resolveLesson } from "./core/cli.ts";
import { gradeIsolated, gradeReference, type Limits } from "./core/isolation.ts";
import { DEFAULT_MEMORY_MB, DEFAULT_TIME_LIMIT_MS } from "./core/run-tests.ts";
import { lessonGrade } from "./core/class-grades.ts";
import { formatExplanation } from "./core/report.ts";
import { KIT, displayPath } from "./core/kit.ts";

const USAGE = `
usage: npm run compare <lesson> [path] [-- --time-limit <s>]

  lesson          lesson-3, 3, or the start of a lesson's title
  path            a learner's copy of the kit, or its exercises/ folder (default: this kit's exercises/)
  --time-limit <s>  CPU seconds one test may use before it is stopped (default 5)
`;

// The lesson is parsed here with the path: parseCommand's "one" lesson takes the lesson
// from the front only when the optional path is given too.
const { values, rest } = parseCommand({
  usage: USAGE,
  flags: { "time-limit": { type: "string" } },
  lessons: "none",
  extraPositionals: 2,
});

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The exercises folder that `given` names: a kit copy's exercises/, or the folder itself. */
function exercisesFolder(given: string | undefined, lesson: Lesson): string {
  // npm and deno task run scripts from the kit's root; INIT_CWD is where the instructor was.
  const folder = given === undefined ? path.join(KIT, "exercises") : path.resolve(process.env.INIT_CWD ?? process.cwd(), given);
  if (!existsSync(folder)) throw new UsageError(`no such folder: ${given}`);
  if (!isFolder(folder)) throw new UsageError(`${given} is not a folder`);
  const exercises = isFolder(path.join(folder, "exercises")) ? path.join(folder, "exercises") : folder;
  if (!isFolder(path.join(exercises, lesson.id))) {
    throw new UsageError(`${displayPath(exercises)} has no ${lesson.id}/ folder; give a learner's kit or its exercises/ folder`);
  }
  return exercises;
}

const setup = (() => {
  try {
    if (!rest[0]) throw new UsageError("which lesson? for example: lesson-1");
    const lesson = resolveLesson(rest[0]);
    const given = values["time-limit"];
    const seconds = given === undefined ? DEFAULT_TIME_LIMIT_MS / 1000 : Number(given);
    if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UsageError(`--time-limit needs a positive number of seconds, not "${given}"`);
    return { lesson, exercises: exercisesFolder(rest[1], lesson), limits: { timeLimitMs: seconds * 1000, memoryMb: DEFAULT_MEMORY_MB } satisfies Limits };
  } catch (error) {
    failUsage(error, USAGE);
  }
})();
const lesson = setup.lesson;

const [[outcome], reference] = await Promise.all([
  gradeIsolated(setup.exercises, [lesson], setup.limits, displayPath(setup.exercises)),
  gradeReference([lesson], setup.limits).then((r) => r[0]),
]).catch((error: Error) => {
  console.error(`${pc.red("error:")} ${error.message}`);
  process.exit(1);
});
const learner = lessonGrade(outcome, reference);

const out: string[] = [];
out.push(pc.bold(`${lesson.id} · ${lesson.title}`) + pc.dim(`  (learner: ${displayPath(setup.exercises)}/${lesson.id})`));
const learnerScore = `learner ${learner.passed}/${learner.total}`;
out.push(`${learner.passed === learner.total ? pc.green(learnerScore) : pc.red(learnerScore)}, reference ${reference.passed}/${reference.total}` +
  (learner.status === "graded" ? "" : pc.yellow(`  (${learner.status}${learner.detail ? `: ${learner.detail}` : ""})`)));
out.push(...failing(learner.result, reference));
for (const file of lesson.files) out.push("", ...fileDiff(file));
console.log(out.join("\n"));

function failing(result: LessonResult | undefined, ref: LessonResult): string[] {
  if (!result) return [];
  const lines: string[] = [];
  for (const p of result.problems) lines.push(`  ${pc.red("✗")} ${p.message}` + (p.at ? pc.dim(`  at ${p.at}`) : ""));
  for (const t of result.tests.filter((t) => t.state !== "passed")) {
    lines.push(`  ${pc.red("✗")} ${t.suite ? pc.dim(t.suite + " › ") : ""}${t.name}`);
    const why = t.explanation ? formatExplanation(t.explanation) : t.state === "not-run" ? "not run" : "";
    if (why) lines.push(why.split("\n").map((l) => "      " + l).join("\n"));
  }
  const missing = ref.tests.filter((r) => !result.tests.some((t) => t.id === r.id)).length;
  if (result.tests.length > 0 && missing > 0) lines.push(pc.dim(`  (${missing} of the reference's tests did not run)`));
  return lines.length > 0 ? ["", pc.bold(`failing (${result.failed}):`), ...lines] : ["", pc.green("no failing tests")];
}

function fileDiff(file: string): string[] {
  const mine = path.join(setup.exercises, lesson.id, file);
  const solution = path.join(KIT, "solutions", lesson.id, file);
  const left = `solutions/${lesson.id}/${file} (reference)`;
  const right = `${displayPath(mine)} (learner)`;
  if (!existsSync(mine)) return [pc.bold(`${right}: missing`)];
  const patch = structuredPatch(left, right, readFileSync(solution, "utf8"), readFileSync(mine, "utf8"), "", "", { context: 3 });
  if (patch.hunks.length === 0) return [pc.bold(`${right}: identical to the reference`)];
  const lines = [pc.bold(`--- ${left}`), pc.bold(`+++ ${right}`)];
  for (const hunk of patch.hunks) {
    lines.push(pc.cyan(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`));
    for (const line of hunk.lines) {
      lines.push(line.startsWith("+") ? pc.green(line) : line.startsWith("-") ? pc.red(line) : line.startsWith("\\") ? pc.dim(line) : line);
    }
  }
  return lines;
}
