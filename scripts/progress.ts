/**
 * `npm run progress` — your progress as last graded, from the progress file
 * (.progress/progress.json), without grading anything; `--export [file]` prints the file
 * (or writes it) to move it to another machine, `--import <file>` restores it there.
 *
 * The progress file can be deleted at any time: `npm run check` grades every lesson and
 * writes it again (only the count of hints shown starts over).
 *
 * Exit 0, 1 when an import is refused (the file is not a progress export), 2 for a
 * usage error.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import pc from "picocolors";
import { commandLine, failUsage, parseCommand, UsageError } from "./core/cli.ts";
import { displayPath } from "./core/kit.ts";
import { exportProgress, exercisesChangedAt, hintsUsed, importProgress, loadProgress, PROGRESS_FILE } from "./core/progress.ts";
import { formatProgress } from "./core/report.ts";
import { lessons as registry } from "../lib/registry.ts";
import type { LessonResult } from "../lib/grading/results.ts";
import type { Lesson } from "../lib/registry.ts";
import type { Grade } from "./core/progress.ts";

/** A stored grade as the result the progress table reads (status, counts and points; no tests). */
function asResult(lesson: Lesson, grade: Grade | undefined): LessonResult {
  const counts = grade ?? { passed: 0, failed: 0, total: 0 };
  return {
    lesson: lesson.id, title: lesson.title, impl: "exercises", passed: counts.passed, failed: counts.failed, total: counts.total, tests: [], problems: [],
    ...(grade?.untouched === undefined ? {} : { untouched: grade.untouched }),
    ...(grade?.points ? { points: grade.points } : {}),
  };
}

const USAGE = `
usage: npm run progress [-- --export [file]] [--import <file>]

  Shows your progress as last graded (no grading; npm run check grades again).

  --export [file]   print the progress file, or write it to <file>, to take it elsewhere
  --import <file>   replace this kit's progress with an export (the old one is backed up)
`;

const { values, rest } = parseCommand({
  usage: USAGE,
  flags: { export: { type: "boolean" }, import: { type: "string" } },
  lessons: "none",
  extraPositionals: 1,
});
if (rest.length > 0 && !values.export) failUsage(new UsageError(`unexpected argument "${rest[0]}"`), USAGE);
if (values.export && values.import !== undefined) failUsage(new UsageError("--export and --import do not go together"), USAGE);

if (values.export) {
  const text = exportProgress();
  if (rest[0]) {
    writeFileSync(path.resolve(rest[0]), text);
    console.error(`progress written to ${rest[0]}; restore it with --import ${rest[0]}`);
  } else process.stdout.write(text);
} else if (values.import !== undefined) {
  const file = path.resolve(values.import);
  if (!existsSync(file)) failUsage(new UsageError(`no such file: ${values.import}`), USAGE);
  try {
    const { dropped, backup } = importProgress(readFileSync(file, "utf8"));
    if (backup) console.log(`the previous progress is backed up in ${displayPath(backup)}`);
    if (dropped.length > 0) console.log(`skipped lessons this kit does not have: ${dropped.join(", ")}`);
    console.log(`${pc.green("✓")} progress imported into ${displayPath(PROGRESS_FILE)}`);
  } catch (error) {
    console.error(`${pc.red("error:")} ${values.import} was not imported: ${(error as Error).message}`);
    process.exit(1);
  }
} else {
  const progress = loadProgress();
  const changed = new Set<string>();
  const results: LessonResult[] = registry.map((lesson) => {
    const grade = progress.lessons[lesson.id]?.lastGrade;
    if (grade && grade.at < exercisesChangedAt(lesson)) changed.add(lesson.id);
    return asResult(lesson, grade);
  });
  const stale = changed.size;
  console.log(formatProgress(results, { hints: hintsUsed(progress), changed }));
  const notes = [`as last graded; ${stale > 0 ? `${stale} lesson${stale > 1 ? "s" : ""} changed since. ` : ""}${commandLine("check")} grades every lesson again`];
  if (!existsSync(PROGRESS_FILE)) notes.push("nothing graded yet on this machine");
  console.log(pc.dim(`\n(${notes.join("; ")})`));
}
