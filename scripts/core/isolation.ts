/**
 * Grades a learner's exercise files in isolation, as the instructor tools need it: in a
 * child process of the runtime running now (the instructor's own `scripts/check.ts
 * --dir <copy> --json`, so the instructor's pristine tests, lib/ and config), with the
 * child's working directory a fresh temporary copy of the submission's exercises (never
 * the instructor's tree), a wall-clock limit for the whole child (its process group is
 * killed), and a memory cap (Node: --max-old-space-size through NODE_OPTIONS; Deno:
 * --v8-flags and DENO_V8_FLAGS, which the grader's own re-run child inherits too).
 *
 * A child that prints its JSON result was graded, whatever its exit code. Otherwise it
 * timed out (we killed it), ran out of memory (V8 said so, or vitest lost a worker
 * thread, which on Node is how a thread at its heap limit ends), or crashed.
 *
 * Isolation here is by copies, working directory and limits, not an operating-system
 * sandbox: code that hunts for absolute paths can still reach them. Grade untrusted
 * code inside a container.
 *
 * @example
 * ```ts
 * const outcomes = await gradeIsolated("/class/ana/exercises", [lesson], { timeoutMs: 60_000, memoryMb: 512 });
 * outcomes[0].run; // "graded" | "timed out" | "out of memory" | "crashed"
 * ```
 */
import { spawn } from "node:child_process";
import { copyFileSync, cpSync, lstatSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { lessons as registry, type Lesson } from "../../lib/registry.ts";
import type { LessonResult } from "../../lib/grading/results.ts";
import { KIT, runtimeName, selfCommand } from "./kit.ts";

export interface Limits {
  /** Wall-clock limit for one grading child, in milliseconds. */
  timeoutMs: number;
  /** Heap cap for the child's JavaScript, in MB. */
  memoryMb: number;
}

export type RunState = "graded" | "timed out" | "out of memory" | "crashed";

export interface ChildOutcome {
  run: RunState;
  /** The child's results, when it was graded. */
  results: LessonResult[];
  /** Why it was not graded, in a few words. */
  detail?: string;
  ms: number;
}

export interface LessonOutcome {
  lesson: string;
  run: RunState;
  result?: LessonResult;
  detail?: string;
}

/** Output beyond this is a runaway submission, not a result. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

const live = new Set<number>();
const copies = new Set<string>();

/** Kills every grading child still running and removes the copies (for Ctrl-C). */
export function killAll(): void {
  for (const pid of live) killGroup(pid);
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Runs `scripts/check.ts <args>` in a child with the limits; parses its JSON output. */
export function runGrader(args: readonly string[], options: { cwd: string; limits: Limits; rename?: [from: string, to: string] }): Promise<ChildOutcome> {
  const { timeoutMs, memoryMb } = options.limits;
  const [command, argv] = selfCommand("scripts/check.ts", args);
  if (runtimeName() === "deno") argv.splice(argv.indexOf("run") + 1, 0, `--v8-flags=--max-old-space-size=${memoryMb}`);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, argv, { cwd: options.cwd, env: childEnv(memoryMb), stdio: ["ignore", "pipe", "pipe"], detached: true });
    const pid = child.pid!;
    live.add(pid);
    let stdout = "";
    let stderr = "";
    let bytes = 0;
    let killed: string | undefined;
    const stop = (why: string) => {
      killed ??= why;
      killGroup(pid);
    };
    const timer = setTimeout(() => stop(`stopped after ${timeoutMs / 1000} s`), timeoutMs);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      bytes += chunk.length;
      if (bytes > MAX_OUTPUT_BYTES) stop("printed more than 64 MB");
      else stdout += chunk;
    });
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-20_000);
    });
    // Whatever the submission left running in the background would hold the pipes open.
    child.on("exit", () => killGroup(pid));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      live.delete(pid);
      const ms = performance.now() - started;
      // Paths inside the temporary copy read as the learner's own (exercises/lesson-1/...).
      const text = options.rename ? stdout.split(options.rename[0]).join(options.rename[1]) : stdout;
      const results = killed ? undefined : parseResults(text);
      if (results) resolve({ run: "graded", results, ms });
      else resolve({ ...classify(killed, code, signal, stderr), results: [], ms });
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      live.delete(pid);
      resolve({ run: "crashed", results: [], detail: `could not start: ${error.message}`, ms: performance.now() - started });
    });
  });
}

function childEnv(memoryMb: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const key of Object.keys(env)) if (key.startsWith("CRASH_COURSE_")) delete env[key];
  delete env.FORCE_COLOR;
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} --max-old-space-size=${memoryMb}`.trim();
  env.DENO_V8_FLAGS = `--max-old-space-size=${memoryMb}`;
  return env;
}

function parseResults(stdout: string): LessonResult[] | undefined {
  const start = stdout.indexOf("{");
  if (start < 0) return undefined;
  try {
    const data = JSON.parse(stdout.slice(start)) as LessonResult | { lessons: LessonResult[] };
    return "lessons" in data ? data.lessons : [data];
  } catch {
    return undefined;
  }
}

const OUT_OF_MEMORY = /out of memory|ERR_WORKER_OUT_OF_MEMORY|heap limit|Allocation failed|Worker exited unexpectedly/i;

function classify(killed: string | undefined, code: number | null, signal: NodeJS.Signals | null, stderr: string): { run: RunState; detail: string } {
  if (killed) return { run: killed.startsWith("stopped") ? "timed out" : "crashed", detail: killed };
  if (OUT_OF_MEMORY.test(stderr)) return { run: "out of memory", detail: "ran out of memory" };
  const last = stderr.trim().split("\n").filter(Boolean).pop()?.trim().slice(0, 160);
  const how = signal ? `killed by ${signal}` : `exit ${code}`;
  return { run: "crashed", detail: last ? `${how}: ${last}` : how };
}

/**
 * Copies a submission's exercise folder into a fresh temporary kit-shaped folder
 * (`<tmp>/kit/exercises`, plus the instructor's tsconfig.json so the code compiles as
 * it does in the kit). Symbolic links are left out: a link could point at the solutions.
 */
export function isolatedCopy(exercisesDir: string): { root: string; exercises: string; remove(): void } {
  const tmp = mkdtempSync(path.join(tmpdir(), "crash-course-grade-"));
  copies.add(tmp);
  const root = path.join(tmp, "kit");
  const exercises = path.join(root, "exercises");
  const remove = () => {
    copies.delete(tmp);
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    mkdirSync(root);
    // The folder the instructor named may be a link; links inside the submission are dropped.
    cpSync(realpathSync(exercisesDir), exercises, {
      recursive: true,
      filter: (src) => !lstatSync(src).isSymbolicLink() && !/[/\\](node_modules|\.git)$/.test(src),
    });
    mkdirSync(exercises, { recursive: true });
    copyFileSync(path.join(KIT, "tsconfig.json"), path.join(root, "tsconfig.json"));
  } catch (error) {
    remove();
    throw error;
  }
  return { root, exercises, remove };
}

/**
 * Grades the lessons of one submission in its own temporary copy. Every lesson of the
 * registry runs in one child (check's progress run); a smaller selection runs lesson by
 * lesson, so no time goes to lessons not asked for. When a child for several lessons does
 * not finish properly, each lesson runs again alone, so one lesson's endless loop or
 * memory hog costs only that lesson's points.
 */
export async function gradeIsolated(
  exercisesDir: string, lessons: readonly Lesson[], limits: Limits, shownAs = "exercises",
): Promise<LessonOutcome[]> {
  let copy: ReturnType<typeof isolatedCopy>;
  try {
    copy = isolatedCopy(exercisesDir);
  } catch (error) {
    return lessons.map((l) => ({ lesson: l.id, run: "crashed", detail: `could not copy the submission: ${(error as Error).message}` }));
  }
  const grade = (some: readonly Lesson[]) => gradeCopy(copy, some, limits, shownAs);
  try {
    const everyLesson = registry.every((l) => lessons.includes(l));
    if (lessons.length === 1 || everyLesson) {
      const together = await grade(lessons);
      if (together.run === "graded" || lessons.length === 1) return outcomesOf(together, lessons);
    }
    const alone: LessonOutcome[] = [];
    for (const lesson of lessons) alone.push(...outcomesOf(await grade([lesson]), [lesson]));
    return alone;
  } finally {
    copy.remove();
  }
}

function gradeCopy(copy: { root: string; exercises: string }, lessons: readonly Lesson[], limits: Limits, shownAs: string): Promise<ChildOutcome> {
  // One lesson is named; several run as the whole progress run, and are picked out after.
  const args = [...(lessons.length === 1 ? [lessons[0].id] : []), "--dir", copy.exercises, "--json"];
  return runGrader(args, { cwd: copy.root, limits, rename: [copy.exercises, shownAs] });
}

function outcomesOf(child: ChildOutcome, lessons: readonly Lesson[]): LessonOutcome[] {
  return lessons.map((lesson) => {
    const result = child.results.find((r) => r.lesson === lesson.id);
    if (child.run === "graded" && result) return { lesson: lesson.id, run: "graded", result };
    return { lesson: lesson.id, run: child.run === "graded" ? "crashed" : child.run, detail: child.detail ?? "no result for this lesson" };
  });
}

/**
 * Grades the instructor's reference solutions (in the kit itself): the maximum per
 * lesson. Like a submission: every lesson in one child, or a smaller selection lesson
 * by lesson (those at once).
 */
export async function gradeReference(lessons: readonly Lesson[], limits: Limits): Promise<LessonResult[]> {
  const groups = lessons.length === 1 || registry.every((l) => lessons.includes(l)) ? [lessons] : lessons.map((l) => [l]);
  const children = await Promise.all(groups.map((group) => {
    const args = [...(group.length === 1 ? [group[0].id] : []), "--solutions", "--json"];
    return runGrader(args, { cwd: KIT, limits });
  }));
  const failed = children.find((c) => c.run !== "graded");
  if (failed) throw new Error(`the reference solutions could not be graded (${failed.run}: ${failed.detail})`);
  const results = children.flatMap((c) => c.results);
  return lessons.map((l) => results.find((r) => r.lesson === l.id)!);
}
