/**
 * `npm run crash <lesson>` — the crash lab: explores a power cut at every disk write
 * (and during every recovery) of a lesson's crash workloads, against a version of the
 * code that lacks the lesson's idea (for lesson 3: no journal) and against your
 * exercise, then prints how many crash points each survives and the first failure's
 * story, disk write by disk write.
 *
 *   npm run crash lesson-3                  the baselines and exercises/lesson-3
 *   npm run crash lesson-3 -- --solutions   the baselines and solutions/lesson-3
 *   npm run crash lesson-3 -- --all         the story of every failing workload, not just the first
 *   npm run crash                           which lessons have a crash lab
 *
 * A lesson has a crash lab when tests/<lesson>/crash-workloads.ts exports `crashLab`:
 * `{ file, baselines: [{ label, path }], explorations(module) }` (the shape is
 * `CrashLab` in tests/lesson-3/crash-workloads.ts). The hidden tests explore the same
 * workloads, so what this prints is what grading checks.
 *
 * Exit 0 when the exercise (or the solution) survives every crash point, 1 when it does
 * not (the baselines are expected to fail), 2 for a usage error.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import pc from "picocolors";
import { exploreCrashes } from "../lib/crash-explorer.ts";
import type { Exploration } from "../lib/crash-explorer.ts";
import type { Lesson } from "../lib/registry.ts";
import { commandLine, parseCommand, registry } from "./core/cli.ts";
import { KIT, displayPath } from "./core/kit.ts";

const USAGE = `
usage: npm run crash <lesson> [-- --solutions] [--all]

  lesson         a lesson with a crash lab (lesson-3, 3, or the start of its title)
  --solutions    explore the reference solution instead of your exercise
  --all          tell the first failure of every failing workload (default: only the first one)
`;

interface CrashLab {
  file: string;
  baselines: readonly { label: string; path: string }[];
  explorations(module: Record<string, unknown>): Exploration<unknown>[];
}

interface Subject {
  label: string;
  file: string;
}

interface Tally {
  points: number;
  failed: number;
  /** The first failure's story of each failing workload (or why the module could not be explored at all). */
  stories: string[];
  /** True when the workloads failed before any crash (an open TODO, a thrown error). */
  brokenWithoutCrash: boolean;
}

const labFile = (lesson: Lesson) => path.join(KIT, "tests", lesson.id, "crash-workloads.ts");
const withLab = () => registry.filter((l) => existsSync(labFile(l))).map((l) => l.id);

const { values, lessons: [lesson] } = parseCommand({ usage: USAGE, flags: { solutions: { type: "boolean" }, all: { type: "boolean" } }, lessons: "optional" });
if (!lesson) {
  console.log(`lessons with a crash lab: ${withLab().join(", ") || "none yet"}\n${USAGE.trim().split("\n")[0]}`);
  process.exit(0);
}
if (!existsSync(labFile(lesson))) {
  console.error(`${pc.red("error:")} ${lesson.id} has no crash lab; lessons with one: ${withLab().join(", ") || "none yet"}`);
  process.exit(2);
}

const lessonId = lesson.id;
const lab = (await import(pathToFileURL(labFile(lesson)).href)).crashLab as CrashLab;
const graded: Subject = values.solutions
  ? { label: "the reference solution", file: path.join(KIT, "solutions", lesson.id, lab.file) }
  : { label: "your exercise", file: path.join(KIT, "exercises", lesson.id, lab.file) };
const subjects: Subject[] = [...lab.baselines.map((b) => ({ label: b.label, file: path.join(KIT, b.path) })), graded];

console.log(`${pc.bold(`${lesson.id} · ${lesson.title}`)}: a power cut at every disk write, recovery crashes included\n`);
let gradedTally: Tally | undefined;
for (const subject of subjects) {
  const tally = await explore(subject);
  if (subject === graded) gradedTally = tally;
  report(subject, tally);
}
process.exitCode = gradedTally && gradedTally.failed === 0 && !gradedTally.brokenWithoutCrash ? 0 : 1;

async function explore(subject: Subject): Promise<Tally> {
  let explorations: Exploration<unknown>[];
  try {
    explorations = lab.explorations(await import(pathToFileURL(subject.file).href));
  } catch (error) {
    return { points: 0, failed: 0, brokenWithoutCrash: true, stories: [`it could not be loaded: ${errorText(error)}`] };
  }
  const tally: Tally = { points: 0, failed: 0, brokenWithoutCrash: false, stories: [] };
  for (const exploration of explorations) {
    const result = exploreCrashes(exploration);
    tally.points += result.points;
    tally.failed += result.failures.length;
    if (result.failures.length > 0) tally.stories.push(result.failures[0].message);
    if (result.points === 0 && result.failures.length > 0) {
      tally.brokenWithoutCrash = true; // every workload would fail the same way: stop here
      break;
    }
  }
  return tally;
}

function report(subject: Subject, tally: Tally): void {
  console.log(`${pc.bold(subject.label)} ${pc.dim(`(${displayPath(subject.file)})`)}`);
  if (tally.brokenWithoutCrash) {
    console.log(`  ${pc.red("✗")} fails before any crash is injected`);
  } else if (tally.failed === 0) {
    console.log(`  ${pc.green("✓")} survives all ${tally.points} crash points`);
  } else {
    const survived = tally.points - tally.failed;
    console.log(`  ${pc.red("✗")} survives ${survived} of ${tally.points} crash points; ${tally.failed} leave the files wrong`);
  }
  // One story is what a reader follows; the others are on request.
  const shown = values.all ? tally.stories : tally.stories.slice(0, 1);
  shown.forEach((story, i) => {
    console.log(shown.length > 1 ? `  failing workload ${i + 1} of ${tally.stories.length}, its first failure:` : "  first failure:");
    console.log(story.split("\n").map((line) => `    ${line}`).join("\n"));
  });
  const hidden = tally.stories.length - shown.length;
  if (hidden > 0) {
    const more = hidden === 1 ? "1 more workload fails" : `${hidden} more workloads fail`;
    console.log(pc.dim(`  ${more}: ${commandLine("crash", lessonId, ...(values.solutions ? ["--solutions"] : []), "--all")} tells each`));
  }
  console.log("");
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
