/**
 * `npm run check [lesson]` — grade a lesson's exercise with its hidden tests.
 *
 *   npm run check lesson-3                  each test with ✓/✗ and why, then "N passed, N failed"
 *   npm run check                           the progress table of every lesson
 *   npm run check lesson-3 -- --solutions   grade the reference solutions instead
 *   npm run check lesson-3 -- --json        the result as JSON
 *   npm run check lesson-3 -- --watch       grade again on every save
 *
 * Exit 0 when every test passes, 1 when any fails, 2 for a usage error.
 */
import process from "node:process";
import { parseCommand, registry } from "./core/cli.ts";
import { runTests } from "./core/run-tests.ts";
import { formatLesson, formatProgress } from "./core/report.ts";
import { markUnofficial } from "./core/integrity.ts";
import { hintsUsed, nextUnfinished, recordGrades } from "./core/progress.ts";

const USAGE = `
usage: npm run check [lesson] [-- --solutions] [--json] [--watch]

  lesson         lesson-3, 3, or the start of a lesson's title; none for the progress table
  --solutions    grade the reference solutions instead of your exercises
  --dir <path>   grade exercise files from another folder laid out like exercises/
  --json         print the result as JSON
  --watch        grade again on every save of the lesson's files
`;

const { values, lessons } = parseCommand({
  usage: USAGE,
  flags: {
    solutions: { type: "boolean" },
    json: { type: "boolean" },
    watch: { type: "boolean" },
    dir: { type: "string" },
  },
  lessons: "optional",
});

if (values.watch) {
  const { watchLesson } = await import("./core/watcher.ts");
  const lesson = lessons[0] ?? (await nextUnfinished()) ?? registry[registry.length - 1];
  await watchLesson(lesson, { solutions: Boolean(values.solutions) });
} else {
  const impl = values.dir ?? (values.solutions ? "solutions" : "exercises");
  const selected = lessons.length > 0 ? lessons : registry;
  // Every lesson takes a while: the progress table is graded as a zx script, under zx's
  // spinner. One lesson stays free of zx's start-up, since `check lesson-N` is timed.
  const outcome = lessons.length > 0
    ? await runTests({ lessons: selected, impl })
    : await (await import("./core/zx.ts")).spinner(`grading ${selected.length} lessons…`, () => runTests({ lessons: selected, impl }));
  markUnofficial(outcome.results);
  if (impl === "exercises") recordGrades(outcome.results);
  if (values.json) {
    console.log(JSON.stringify(lessons.length > 0 ? outcome.results[0] : { lessons: outcome.results }, null, 2));
  } else {
    console.log(lessons.length > 0 ? formatLesson(outcome.results[0]) : formatProgress(outcome.results, { hints: hintsUsed() }));
  }
  const failed = outcome.results.some((r) => r.failed > 0 || r.total === 0);
  process.exitCode = failed ? 1 : 0;
}
