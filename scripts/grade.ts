/**
 * `npm run grade <folder>` — grades a class. Each subfolder of <folder> is one learner's
 * copy of the kit (or just its exercises/ folder); a folder that is itself one such copy
 * is graded alone (the Gradescope case). Every submission is graded with this kit's
 * pristine hidden tests, lib/ and config, never the learner's copies of them, each in a
 * child process working in a temporary copy of its exercises, with a time limit per test
 * (5 s), per submission and a memory cap, several at once. A submission that does not
 * compile, hangs, runs out of memory or crashes is recorded as such; the rest go on.
 *
 *   npm run grade submissions/                          Markdown table on screen
 *   npm run grade submissions/ -- --csv grades.csv --json grades.json
 *   npm run grade /autograder/submission -- --gradescope /autograder/results/results.json
 *
 * One point per hidden test. Exit 0 once every submission is graded (whatever the
 * grades), 1 when the reference solutions themselves could not be graded, 2 for a usage
 * error.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import pc from "picocolors";
import type { Lesson } from "../lib/registry.ts";
import type { LessonResult } from "../lib/grading/results.ts";
import { UsageError, failUsage, parseCommand, registry, resolveLesson } from "./core/cli.ts";
import { gradeIsolated, gradeReference, killAll, type Limits } from "./core/isolation.ts";
import { gradeOf, toCsv, toJson, toMarkdown, type SubmissionGrade } from "./core/class-grades.ts";
import { VISIBILITIES, toGradescope, type Visibility } from "./core/gradescope.ts";
import { manifestDifferences, groupOf } from "./core/integrity.ts";
import { runtimeName, runtimeVersion } from "./core/kit.ts";

const USAGE = `
usage: npm run grade <folder> [-- --lessons lesson-1,lesson-3] [--csv <file>] [--json <file>]
                              [--gradescope <file>] [--jobs N] [--timeout <s>] [--memory <MB>]

  folder              one subfolder per learner: a copy of the kit, or just its exercises/
                      (a folder that is itself one such copy is graded alone)
  --lessons <ids>     lessons to grade, comma-separated (default: every lesson the
                      submission has files for)
  --csv <file>        also write the table as CSV (one row per learner)
  --json <file>       also write every result, test by test, as JSON
  --gradescope <file> write Gradescope's results.json (one submission only)
  --visibility <v>    the tests' visibility there: visible (default), hidden,
                      after_due_date or after_published
  --jobs N            submissions graded at once (default: the available cores, ${availableCores()})
  --timeout <s>       wall-clock limit per submission (default 120)
  --memory <MB>       heap cap per submission (default 2048)

One point per hidden test. Tests, lib/ and config are always this kit's own.
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
    visibility: { type: "string" },
    jobs: { type: "string" },
    timeout: { type: "string" },
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

const options = (() => {
  try {
    const folder = rest[0];
    if (!folder) throw new UsageError("which folder? for example: npm run grade submissions/");
    const submissions = discover(fromUser(folder));
    if (values.gradescope && submissions.length !== 1) {
      throw new UsageError(`--gradescope writes one submission's results, but ${folder} holds ${submissions.length}; give that submission's own folder`);
    }
    for (const out of [values.csv, values.json, values.gradescope]) if (out) checkWritable(out);
    const visibility = (values.visibility ?? "visible") as Visibility;
    if (!VISIBILITIES.includes(visibility)) throw new UsageError(`--visibility must be one of ${VISIBILITIES.join(", ")}`);
    if (values.visibility && !values.gradescope) throw new UsageError("--visibility applies to --gradescope only");
    const lessons = values.lessons?.split(",").map((s) => s.trim()).filter(Boolean).map(resolveLesson);
    if (values.lessons !== undefined && lessons?.length === 0) throw new UsageError("--lessons needs at least one lesson, like lesson-1");
    const jobs = positive("--jobs", values.jobs, availableCores(), true);
    const limits: Limits = { timeoutMs: positive("--timeout", values.timeout, 120) * 1000, memoryMb: positive("--memory", values.memory, 2048, true) };
    return { submissions, lessons, jobs, limits, visibility };
  } catch (error) {
    failUsage(error, USAGE);
  }
})();

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

/** A kit copy (has exercises/) or an exercises folder (has lesson-N/). */
function isSubmission(dir: string): boolean {
  if (isFolder(path.join(dir, "exercises"))) return true;
  return readdirSync(dir).some((name) => /^lesson-[1-9][0-9]*$/.test(name) && isFolder(path.join(dir, name)));
}

function submissionAt(dir: string): Submission {
  const exercises = isFolder(path.join(dir, "exercises")) ? path.join(dir, "exercises") : dir;
  return { learner: path.basename(dir), folder: dir, exercises };
}

function discover(folder: string): Submission[] {
  if (!existsSync(folder)) throw new UsageError(`no such folder: ${folder}`);
  if (!isFolder(folder)) throw new UsageError(`${folder} is not a folder`);
  if (isSubmission(folder)) return [submissionAt(folder)];
  const subfolders = readdirSync(folder)
    .filter((name) => !name.startsWith(".") && isFolder(path.join(folder, name)))
    .sort((a, b) => a.localeCompare(b));
  if (subfolders.length === 0) {
    throw new UsageError(`${folder} holds no submissions: expected one folder per learner, each a copy of the kit or of its exercises/`);
  }
  return subfolders.map((name) => submissionAt(path.join(folder, name)));
}

/** The lessons a submission has at least one exercise file for. */
function submittedLessons(exercises: string): Lesson[] {
  return registry.filter((l) => l.files.some((f) => existsSync(path.join(exercises, l.id, f))));
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
  killAll();
  process.exit(130);
});

const { submissions, jobs, limits } = options;
const plan = submissions.map((s) => ({ ...s, lessons: options.lessons ?? submittedLessons(s.exercises) }));
const lessonsInTable = registry.filter((l) => plan.some((p) => p.lessons.includes(l)));
if (lessonsInTable.length === 0) lessonsInTable.push(...(options.lessons ?? registry.slice(0, 1)));

warnIfKitChanged();
const started = performance.now();
// The reference runs beside the first submissions; it is needed only to count points.
const referenceRun = gradeReference(lessonsInTable, limits).catch((error: Error) => {
  killAll(); // no maximum, no grades: stop at once
  console.error(`${pc.red("error:")} ${error.message}`);
  process.exit(1);
});
let done = 0;
const outcomes = await pool(plan, jobs, async (s) => {
  const result = s.lessons.length > 0 ? await gradeIsolated(s.exercises, s.lessons, limits) : [];
  done += 1;
  if (process.stderr.isTTY) process.stderr.write(pc.dim(`\r${done}/${plan.length} graded`) + (done === plan.length ? "\r\x1b[K" : ""));
  return result;
});
const reference: LessonResult[] = await referenceRun;
for (const r of reference) {
  if (r.failed > 0) console.error(pc.yellow(`warning: the reference solution of ${r.lesson} fails ${r.failed} of ${r.total} tests; its maximum counts them anyway`));
}
const grades: SubmissionGrade[] = plan.map((s, i) => gradeOf(s.learner, s.folder, outcomes[i], reference));
const seconds = (performance.now() - started) / 1000;
const ids = reference.map((r) => r.lesson);

console.log(toMarkdown(grades, ids));
console.log(pc.dim(`\n${grades.length} submission${grades.length === 1 ? "" : "s"} graded in ${seconds.toFixed(1)} s on ${runtimeName()} ${runtimeVersion()}, ${jobs} at a time; 1 point per test`));

const meta = { gradedAt: new Date().toISOString(), runtime: `${runtimeName()} ${runtimeVersion()}`, seconds: Number(seconds.toFixed(1)) };
if (values.csv) writeOut(values.csv, toCsv(grades, ids));
if (values.json) writeOut(values.json, toJson(grades, reference, meta));
if (values.gradescope) {
  const results = { ...toGradescope(grades[0], reference, options.visibility), execution_time: Math.round(seconds) };
  writeOut(values.gradescope, JSON.stringify(results, null, 2) + "\n");
}

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
