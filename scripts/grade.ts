/**
 * `npm run grade <folder>` — grades a class, a zx-style script on Node and on Deno. Each
 * subfolder of <folder> is one learner's copy of the kit (or just its exercises/ folder,
 * or either inside one more folder, as GitHub's "Download ZIP" lays it out); a folder
 * that is itself one such copy is graded alone (the Gradescope case).
 *
 * Every submission is graded with this kit's pristine hidden tests, lib/ and config,
 * never the learner's copies of them, in this process: its exercise files are copied to a
 * scratch folder, scanned (a lesson whose code uses powers no lesson needs is "flagged"
 * and not run), and run by the supervised runner, one test process at a time per
 * submission, several submissions at once, each test process in an OS sandbox where this
 * machine has one (scripts/core/sandbox.ts; a line says so on every run where it has
 * none). Every test gets a verdict whatever the code does; this process writes every
 * output file.
 *
 *   npm run grade submissions/                          Markdown table on screen
 *   npm run grade submissions/ -- --csv grades.csv --json grades.json
 *   npm run grade /autograder/submission -- --gradescope /autograder/results/results.json
 *   npm run grade -- --gradescope-bundle autograder.zip [--lessons lesson-1]
 *
 * Exit 0 once every submission is graded (whatever the grades), 1 when the reference
 * could not be listed, 2 for a usage error.
 */
import { spinner } from "zx";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import pc from "picocolors";
import type { Lesson } from "../lib/registry.ts";
import type { LessonResult } from "../lib/grading/results.ts";
import { UsageError, failUsage, parseCommand, registry, resolveLesson } from "./core/cli.ts";
import { gradeSubmission, referenceResults, removeScratches, type LessonOutcome } from "./core/isolation.ts";
import {
  findingsReport, gradeOf, toCsv, toJson, toMarkdown, type Similarity, type SubmissionGrade,
} from "./core/class-grades.ts";
import { VISIBILITIES, buildBundle, toGradescope, type Visibility } from "./core/gradescope.ts";
import { isUntouchedSkeleton, manifestDifferences, groupOf } from "./core/integrity.ts";
import { KIT, runtimeName, runtimeVersion } from "./core/kit.ts";
import { sandboxStatus } from "./core/sandbox.ts";

const USAGE = `
usage: npm run grade <folder> [-- --lessons lesson-1,lesson-3] [--csv <file>] [--json <file>]
                              [--gradescope <file>] [--allow-flagged] [--jobs N]
                              [--time-limit <s>] [--memory <MB>]
       npm run grade -- --gradescope-bundle <zip> [--lessons lesson-1] [--visibility <v>]

  folder               one subfolder per learner: a copy of the kit, or just its exercises/
                       (one more folder level, as in GitHub's "Download ZIP", is fine; a
                       folder that is itself one such copy is graded alone)
  --lessons <ids>      lessons to grade, comma-separated (default: every lesson the
                       submission has a folder for)
  --csv <file>         also write the table as CSV (one row per learner)
  --json <file>        also write every result, test by test, as JSON
  --gradescope <file>  write Gradescope's results.json (one submission only)
  --visibility <v>     the tests' visibility there: visible (default), hidden,
                       after_due_date or after_published
  --allow-flagged      run and grade lessons whose code uses powers no lesson needs
                       (by default they score 0, status "flagged", and are not run)
  --jobs N             submissions graded at once (default: the available cores, ${availableCores()})
  --time-limit <s>     CPU time one test may use (default 5)
  --memory <MB>        heap cap of each test process (default 1024)
  --gradescope-bundle <zip>
                       write Gradescope's autograder archive: this kit without solutions/,
                       .git, node_modules/ and .progress/, with setup.sh and run_autograder

Points follow the registry's weights. Tests, lib/ and config are always this kit's own.
`;

function availableCores(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

const { values, rest } = parseCommand({
  usage: USAGE,
  flags: {
    lessons: { type: "string" },
    csv: { type: "string" },
    json: { type: "string" },
    gradescope: { type: "string" },
    "gradescope-bundle": { type: "string" },
    visibility: { type: "string" },
    "allow-flagged": { type: "boolean" },
    jobs: { type: "string" },
    "time-limit": { type: "string" },
    memory: { type: "string" },
  },
  lessons: "none",
  extraPositionals: 1,
});

interface Submission {
  learner: string;
  folder: string;
  exercises: string;
}

/** A path as the instructor typed it: npm and deno task run scripts from the kit's root. */
function fromUser(p: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

function positive(flag: string, text: string | undefined, fallback: number, integer = false): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} needs a positive ${integer ? "whole " : ""}number, not "${text}"`);
  }
  return n;
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function checkWritable(file: string): void {
  const dir = path.dirname(fromUser(file));
  if (!isFolder(dir)) throw new UsageError(`cannot write ${file}: no folder ${dir}`);
}

function parseLessons(): Lesson[] | undefined {
  const lessons = values.lessons?.split(",").map((s) => s.trim()).filter(Boolean).map(resolveLesson);
  if (values.lessons !== undefined && lessons?.length === 0) throw new UsageError("--lessons needs at least one lesson, like lesson-1");
  return lessons;
}

function parseVisibility(): Visibility {
  const visibility = (values.visibility ?? "visible") as Visibility;
  if (!VISIBILITIES.includes(visibility)) throw new UsageError(`--visibility must be one of ${VISIBILITIES.join(", ")}`);
  return visibility;
}

// --gradescope-bundle builds the archive and stops: no class to grade.
if (values["gradescope-bundle"] !== undefined) {
  const bundle = (() => {
    try {
      if (rest.length > 0) throw new UsageError("--gradescope-bundle takes no folder: it packs this kit");
      const zip = values["gradescope-bundle"];
      if (!zip.endsWith(".zip")) throw new UsageError(`--gradescope-bundle needs a .zip file name, not "${zip}"`);
      checkWritable(zip);
      return { zip: fromUser(zip), lessons: parseLessons(), visibility: parseVisibility() };
    } catch (error) {
      failUsage(error, USAGE);
    }
  })();
  try {
    const built = await buildBundle({ kit: KIT, out: bundle.zip, lessons: bundle.lessons?.map((l) => l.id), visibility: bundle.visibility });
    console.log(`wrote ${values["gradescope-bundle"]}: ${built.files} files, ${(built.bytes / 1024).toFixed(0)} KiB (no solutions/, .git, node_modules/ or .progress/)`);
    console.log(pc.dim("upload it as the assignment's autograder (Gradescope: Configure Autograder → Zip file upload)"));
    for (const warning of built.warnings) console.error(pc.yellow(`warning: ${warning}`));
    process.exit(0);
  } catch (error) {
    console.error(`${pc.red("error:")} ${(error as Error).message}`);
    process.exit(1);
  }
}

const options = (() => {
  try {
    const folder = rest[0];
    if (!folder) throw new UsageError("which folder? for example: npm run grade submissions/");
    const classFolder = fromUser(folder);
    const submissions = discover(classFolder);
    if (values.gradescope && submissions.length !== 1) {
      throw new UsageError(`--gradescope writes one submission's results, but ${folder} holds ${submissions.length}; give that submission's own folder`);
    }
    for (const out of [values.csv, values.json, values.gradescope]) if (out) checkWritable(out);
    const visibility = parseVisibility();
    if (values.visibility && !values.gradescope) throw new UsageError("--visibility applies to --gradescope only");
    const lessons = parseLessons();
    const jobs = positive("--jobs", values.jobs, availableCores(), true);
    const timeLimitMs = positive("--time-limit", values["time-limit"], 5) * 1000;
    const memoryMb = positive("--memory", values.memory, 1024, true);
    return { classFolder, submissions, lessons, jobs, timeLimitMs, memoryMb, visibility, allowFlagged: Boolean(values["allow-flagged"]) };
  } catch (error) {
    failUsage(error, USAGE);
  }
})();

/** A kit copy (has exercises/) or an exercises folder (has lesson-N/). */
function isSubmission(dir: string): boolean {
  if (isFolder(path.join(dir, "exercises"))) return true;
  return readdirSync(dir).some((name) => /^lesson-[1-9][0-9]*$/.test(name) && isFolder(path.join(dir, name)));
}

function subfolders(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith(".") && !name.startsWith("__MACOSX") && isFolder(path.join(dir, name)))
    .sort((a, b) => a.localeCompare(b));
}

/** The submission inside `dir`: itself, or its only subfolder ("Download ZIP" adds one level). */
function unwrapped(dir: string): string {
  if (isSubmission(dir)) return dir;
  const inner = subfolders(dir);
  return inner.length === 1 && isSubmission(path.join(dir, inner[0])) ? path.join(dir, inner[0]) : dir;
}

function submissionAt(dir: string, learner: string): Submission {
  const exercises = isFolder(path.join(dir, "exercises")) ? path.join(dir, "exercises") : dir;
  return { learner, folder: dir, exercises };
}

function discover(folder: string): Submission[] {
  if (!existsSync(folder)) throw new UsageError(`no such folder: ${folder}`);
  if (!isFolder(folder)) throw new UsageError(`${folder} is not a folder`);
  if (isSubmission(folder)) return [submissionAt(folder, path.basename(folder))];
  const names = subfolders(folder);
  if (names.length === 0) {
    throw new UsageError(`${folder} holds no submissions: expected one folder per learner, each a copy of the kit or of its exercises/`);
  }
  return names.map((name) => submissionAt(unwrapped(path.join(folder, name)), name));
}

/** The lessons a submission has a folder with at least one file for. */
function submittedLessons(exercises: string): Lesson[] {
  return registry.filter((l) => {
    const dir = path.join(exercises, l.id);
    return isFolder(dir) && readdirSync(dir).some((f) => !f.startsWith("."));
  });
}

/** Untouched skeleton, and identical to the reference (line endings and trailing spaces aside). */
function similarityOf(exercises: string, lessons: readonly Lesson[]): Record<string, Similarity> {
  const normal = (file: string) => readFileSync(file, "utf8").replace(/[ \t]+$/gm, "").replace(/\r\n/g, "\n").trimEnd();
  const sameAsReference = (lesson: Lesson) => lesson.files.every((f) => {
    const mine = path.join(exercises, lesson.id, f);
    const reference = path.join(KIT, "solutions", lesson.id, f);
    return existsSync(mine) && existsSync(reference) && normal(mine) === normal(reference);
  });
  const hasReference = (lesson: Lesson) => lesson.files.every((f) => existsSync(path.join(KIT, "solutions", lesson.id, f)));
  return Object.fromEntries(lessons.map((lesson) => {
    const untouched = isUntouchedSkeleton(lesson.id, lesson.files, exercises);
    const identical = hasReference(lesson) ? sameAsReference(lesson) : undefined;
    return [lesson.id, { ...(untouched === undefined ? {} : { untouched }), ...(identical === undefined ? {} : { identical }) }];
  }));
}

async function pool<T, R>(items: readonly T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, lane));
  return results;
}

process.on("SIGINT", () => {
  removeScratches();
  process.exit(130);
});

const { submissions, jobs, timeLimitMs, memoryMb } = options;
const plan = submissions.map((s) => ({ ...s, lessons: options.lessons ?? submittedLessons(s.exercises) }));
const lessonsInTable = registry.filter((l) => plan.some((p) => p.lessons.includes(l)));
if (lessonsInTable.length === 0) lessonsInTable.push(...(options.lessons ?? registry.slice(0, 1)));

warnIfKitChanged();
const sandbox = sandboxStatus();
if (!sandbox.available) {
  console.error(pc.yellow(`warning: no sandbox: ${sandbox.reason}. Submissions run with your own rights (a flagged lesson is still not run). To sandbox them: ${sandbox.fix}.`));
}
const started = performance.now();
const reference: LessonResult[] = await referenceResults(lessonsInTable, { timeLimitMs, memoryMb }).catch((error: Error) => {
  console.error(`${pc.red("error:")} ${error.message}`);
  process.exit(1);
});
// A class folder inside the kit (like the fixture class) is hidden from the code under test.
const hide = [options.classFolder];
const gradeAll = () => pool(plan, jobs, (s): Promise<LessonOutcome[]> => (s.lessons.length === 0
  ? Promise.resolve([])
  : gradeSubmission(s.exercises, s.lessons, { timeLimitMs, memoryMb, allowFlagged: options.allowFlagged, hide })));
const outcomes = process.stderr.isTTY ? await spinner(`grading ${plan.length} submission${plan.length === 1 ? "" : "s"}…`, gradeAll) : await gradeAll();
const grades: SubmissionGrade[] = plan.map((s, i) => gradeOf(s.learner, s.folder, outcomes[i], reference, similarityOf(s.exercises, s.lessons)));
const seconds = (performance.now() - started) / 1000;
const ids = reference.map((r) => r.lesson);

console.log(toMarkdown(grades, ids));
const flagged = findingsReport(grades);
if (flagged.length > 0) console.log(["", pc.bold("flagged: powers no lesson needs, or imports refused"), ...flagged].join("\n"));
const sandboxNote = sandbox.available ? `in a sandbox (${sandbox.version})` : "without a sandbox";
console.log(pc.dim(`\n${grades.length} submission${grades.length === 1 ? "" : "s"} graded in ${seconds.toFixed(1)} s on ${runtimeName()} ${runtimeVersion()}, ${jobs} at a time, ${sandboxNote}; points as the registry weighs each lesson's tests`));

const meta = {
  gradedAt: new Date().toISOString(), runtime: `${runtimeName()} ${runtimeVersion()}`, seconds: Number(seconds.toFixed(1)),
  sandbox: sandbox.available ? sandbox.version : `none: ${sandbox.reason}`, allowFlagged: options.allowFlagged,
};
if (values.csv) writeOut(values.csv, toCsv(grades, ids));
if (values.json) writeOut(values.json, toJson(grades, reference, meta));
if (values.gradescope) {
  const results = { ...toGradescope(grades[0], reference, options.visibility), execution_time: Math.round(seconds) };
  writeOut(values.gradescope, JSON.stringify(results, null, 2) + "\n");
}
// Test processes have been told to end; reaping them (and counting their CPU time) ends this one.
process.exitCode = 0;

function writeOut(file: string, text: string): void {
  writeFileSync(fromUser(file), text);
  console.log(pc.dim(`wrote ${file}`));
}

/** Grades rest on this kit's files; say so when they are not the released ones. */
function warnIfKitChanged(): void {
  let changed: string[] = [];
  try {
    changed = [...new Set(manifestDifferences().map(groupOf))];
  } catch (error) {
    changed = [`manifest.json (${(error as Error).message})`];
  }
  if (changed.length > 0) {
    console.error(pc.yellow(`warning: this kit differs from its manifest.json (${changed.join(", ")}); grades use its files as they are`));
  }
}
