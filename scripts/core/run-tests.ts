/**
 * Runs lessons' hidden tests in-process through vitest's Node API and turns what vitest
 * reports into the grading model of lib/grading/results.ts.
 *
 * The protocol, in steps:
 *  1. Point the `@impl/` alias at the folder being graded (an environment variable the
 *     vitest config reads) and read that folder's TODO comments and exports.
 *  2. Run the lessons' test files in worker threads, in the runtime that runs this code.
 *  3. Watch every test through the probe's BroadcastChannel messages: a test still running
 *     past the time limit is stuck in a synchronous loop that no timeout inside its worker
 *     can interrupt.
 *  4. If one is stuck, this process cannot get its thread back: grade again in a child
 *     process of the same runtime with the stuck tests skipped, mark them as stopped, and
 *     tell the caller the process must exit when it is done (`mustExit`).
 *
 * @example
 * ```ts
 * const { results, mustExit } = await runTests({ lessons: [lesson], impl: "solutions" });
 * ```
 */
import { createVitest } from "vitest/node";
import type { Reporter, TestCase, TestModule } from "vitest/node";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { spawn } from "node:child_process";
import { stripVTControlCharacters } from "node:util";
import type { Lesson } from "../../lib/registry.ts";
import {
  explain, exportedNames, findTodos, importedValueNames, tally, testId,
  type LessonResult, type Problem, type RawError, type TestResult, type TodoLocation,
} from "../../lib/grading/results.ts";
import { PROBE_CHANNEL, type ProbeMessage } from "../../lib/grading/test-probe-channel.ts";
import { KIT, displayPath, selfCommand } from "./kit.ts";
import { isUntouchedSkeleton } from "./integrity.ts";

export const DEFAULT_TIME_LIMIT_MS = 5000;
const SKIP_ENV = "CRASH_COURSE_SKIP";
const DEPTH_ENV = "CRASH_COURSE_RERUN_DEPTH";
/** Each stuck test costs a full time limit; after this many re-runs, stop re-running. */
const MAX_RERUNS = 3;

function rerunDepth(): number {
  return Number(process.env[DEPTH_ENV] ?? 0);
}

export interface RunOptions {
  lessons: readonly Lesson[];
  /** "exercises", "solutions", or an absolute folder laid out like exercises/. */
  impl: string;
  timeLimitMs?: number;
  /** Tests not to run, as "<test file>::<full name>" (tests that hung in an earlier run). */
  skip?: readonly string[];
}

export interface RunOutcome {
  results: LessonResult[];
  /** A worker thread is stuck in a loop; exit the process once the results are shown. */
  mustExit: boolean;
}

export function implFolder(impl: string): string {
  return impl === "exercises" || impl === "solutions" ? path.join(KIT, impl) : path.resolve(impl);
}

export async function runTests(options: RunOptions): Promise<RunOutcome> {
  const implDir = implFolder(options.impl);
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const sources = options.lessons.map((lesson) => readSources(lesson, implDir));
  process.env.CRASH_COURSE_IMPL_DIR = implDir;
  process.env[SKIP_ENV] = JSON.stringify(options.skip ?? []);

  const collected: { modules: readonly TestModule[]; logs: Map<string, string[]> } = { modules: [], logs: new Map() };
  let runEnded!: () => void;
  const finished = new Promise<void>((resolve) => (runEnded = resolve));
  const collector: Reporter = {
    onUserConsoleLog(log) {
      if (!log.taskId) return;
      const lines = collected.logs.get(log.taskId) ?? [];
      lines.push(log.content.replace(/\n$/, ""));
      collected.logs.set(log.taskId, lines);
    },
    onTestRunEnd(modules) {
      collected.modules = modules;
      runEnded();
    },
  };
  const watchdog = watchForStuckTests(timeLimitMs + 500);
  const vitest = await createVitest("test", {
    root: KIT,
    config: path.join(KIT, "vitest.config.ts"),
    watch: false,
    include: options.lessons.map((l) => `tests/${l.id}/**/*.test.ts`),
    reporters: [collector],
    testTimeout: timeLimitMs,
    hookTimeout: timeLimitMs,
    passWithNoTests: true,
  });
  const started = vitest.start().catch((error: unknown) => {
    throw new Error(`the test runner failed to start: ${String(error)}`);
  });
  const stuck = await Promise.race([finished.then(() => undefined), started.then(() => finished).then(() => undefined), watchdog.stuck]);
  watchdog.stop();

  const skip = [...(options.skip ?? []), ...(stuck ?? []).map((t) => `${t.file}::${t.name}`)];
  if (stuck && rerunDepth() < MAX_RERUNS) {
    const again = await gradeInChild(options, skip);
    return { results: again.results, mustExit: true };
  }
  // Out of re-runs: report what the run had reached; unfinished tests count as not run.
  const modules = stuck ? partialModules(vitest, watchdog.ended) : collected.modules;
  if (!stuck) await vitest.close();
  const results = options.lessons.map((lesson, i) =>
    toLessonResult(lesson, implDir, sources[i], modules, collected.logs, skip, timeLimitMs),
  );
  return { results, mustExit: Boolean(stuck) };
}

interface Sources {
  todos: TodoLocation[];
  problems: Problem[];
}

/** Reads the graded files: their TODO comments, and the values the tests import that they do not export. */
function readSources(lesson: Lesson, implDir: string): Sources {
  const todos: TodoLocation[] = [];
  const problems: Problem[] = [];
  for (const file of lesson.files) {
    const graded = path.join(implDir, lesson.id, file);
    const shown = displayPath(graded);
    if (!existsSync(graded)) {
      problems.push({ file: shown, message: `${shown} is missing; \`npm run reset ${lesson.id}\` puts the skeleton back` });
      continue;
    }
    const source = readFileSync(graded, "utf8");
    todos.push(...findTodos(shown, source));
    const have = exportedNames(source);
    const missing = [...namesTestsImport(lesson, file)].filter((name) => !have.has(name));
    if (missing.length > 0) {
      problems.push({ file: shown, message: `${shown} does not export ${missing.join(", ")}; the tests import ${missing.length > 1 ? "them" : "it"} from there` });
    }
  }
  return { todos, problems };
}

/** The values the lesson's hidden tests (and their helper modules) import from one graded file. */
function namesTestsImport(lesson: Lesson, file: string): Set<string> {
  const dir = path.join(KIT, "tests", lesson.id);
  const names = new Set<string>();
  if (!existsSync(dir)) return names;
  for (const entry of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    for (const name of importedValueNames(readFileSync(path.join(dir, entry), "utf8"), `@impl/${lesson.id}/${file}`)) names.add(name);
  }
  return names;
}

function toLessonResult(
  lesson: Lesson, implDir: string, sources: Sources, modules: readonly TestModule[],
  logs: Map<string, string[]>, skip: readonly string[], timeLimitMs: number,
): LessonResult {
  const testsDir = path.join(KIT, "tests", lesson.id) + path.sep;
  const marker = path.join(implDir, lesson.id) + path.sep;
  const tests: TestResult[] = [];
  const problems = [...sources.problems];
  for (const module of modules) {
    if (!module.moduleId.startsWith(testsDir)) continue;
    const file = displayPath(module.moduleId);
    for (const error of module.errors()) problems.push(moduleProblem(file, error as RawError, marker));
    for (const test of module.children.allTests()) {
      tests.push(toTestResult(lesson.id, file, test, sources.todos, marker, logs, skip, timeLimitMs));
    }
  }
  const untouched = isUntouchedSkeleton(lesson.id, lesson.files, implDir);
  return {
    lesson: lesson.id, title: lesson.title, impl: displayPath(implDir), ...tally(tests, problems), tests, problems,
    ...(untouched === undefined ? {} : { untouched }),
  };
}

function toTestResult(
  lesson: string, file: string, test: TestCase, todos: TodoLocation[], marker: string,
  logs: Map<string, string[]>, skip: readonly string[], timeLimitMs: number,
): TestResult {
  const suite = suiteName(test);
  const result = test.result();
  const base = { id: testId(lesson, suite, test.name), lesson, name: test.name, suite, file, durationMs: test.diagnostic()?.duration };
  const output = logs.get(test.id);
  const withLogs = output ? { output: output.join("\n") } : {};
  if (skip.includes(`${path.join(KIT, file)}::${test.fullName}`)) {
    return { ...base, state: "failed", explanation: stoppedExplanation(timeLimitMs) };
  }
  if (result.state === "passed") return { ...base, state: "passed", ...withLogs };
  if (result.state === "skipped") return { ...base, state: "skipped" };
  if (result.state === "pending") return { ...base, state: "not-run" };
  const error = (result.errors?.[0] ?? { message: "failed without an error message" }) as RawError;
  return { ...base, state: "failed", explanation: explain(error, todos, marker), ...withLogs };
}

function suiteName(test: TestCase): string {
  const names: string[] = [];
  let parent = test.parent;
  while (parent.type === "suite") {
    names.unshift(parent.name);
    parent = parent.parent;
  }
  return names.join(" > ");
}

/** A test file that could not run at all: a syntax error, a failed import. */
function moduleProblem(file: string, error: RawError, marker: string): Problem {
  const text = stripVTControlCharacters(`${error.message}\n${error.stack ?? ""}`);
  const parse = /\[([A-Z_]*ERROR)\]\s*(.+)/.exec(text);
  const where = /([^\s[\]()]+\.ts):(\d+):(\d+)/.exec(text);
  if (parse && where) {
    const at = `${displayPath(path.resolve(KIT, where[1]))}:${where[2]}:${where[3]}`;
    const kind = parse[1] === "PARSE_ERROR" ? "syntax error" : parse[1].toLowerCase().replace(/_/g, " ");
    return { file, message: `${kind} in ${at}: ${parse[2].trim()}`, at };
  }
  const at = explainAt(error, marker);
  return { file, message: `the tests in ${file} could not run: ${error.message.split("\n")[0]}`, at };
}

function explainAt(error: RawError, marker: string): string | undefined {
  const e = explain(error, [], marker);
  return "at" in e ? e.at : undefined;
}

function stoppedExplanation(timeLimitMs: number) {
  return {
    kind: "time-limit" as const,
    message: `stopped after ${timeLimitMs / 1000} s without finishing: an endless loop, or far too slow`,
  };
}

/**
 * The test modules of a run that never ended. Vitest sends results in batches, so tests
 * that finished may still look pending here; the probe's end messages fill them in.
 */
function partialModules(vitest: Awaited<ReturnType<typeof createVitest>>, ended: Map<string, string>): TestModule[] {
  const modules = vitest.state.getFiles().map((file) => vitest.state.getReportedEntity(file) as TestModule).filter(Boolean);
  for (const module of modules) {
    for (const test of module.children.allTests()) {
      const state = ended.get(`${module.moduleId}::${test.fullName}`);
      const result = test.result();
      if (result.state !== "pending" || !state) continue;
      // Patch the lost batch: the probe saw it end, the details did not arrive.
      const lost = { message: "failed (the details were lost when the run was stopped by a stuck test)" };
      Object.defineProperty(test, "result", {
        value: () => (state === "pass" ? { state: "passed", errors: undefined } : { state: "failed", errors: [lost] }),
      });
    }
  }
  return modules;
}

interface StuckTest {
  file: string;
  name: string;
}

/** Resolves with the tests that have been running longer than `limitMs`. */
function watchForStuckTests(limitMs: number) {
  const channel = new BroadcastChannel(PROBE_CHANNEL);
  const running = new Map<string, { file: string; name: string; at: number }>();
  const ended = new Map<string, string>();
  let timer: ReturnType<typeof setInterval> | undefined;
  const stuck = new Promise<StuckTest[]>((resolve) => {
    channel.onmessage = (event: MessageEvent<ProbeMessage>) => {
      const m = event.data;
      const key = `${m.file}::${m.name}`;
      if (m.type === "start") running.set(key, { file: m.file, name: m.name, at: Date.now() });
      else {
        running.delete(key);
        ended.set(key, m.state);
      }
    };
    timer = setInterval(() => {
      const now = Date.now();
      const over = [...running.values()].filter((t) => now - t.at > limitMs);
      if (over.length > 0) resolve(over.map(({ file, name }) => ({ file, name })));
    }, 100);
  });
  return {
    stuck,
    /** "<file>::<full name>" → "pass" | "fail" | ..., for every test that finished. */
    ended,
    stop() {
      clearInterval(timer);
      channel.close();
    },
  };
}

/** Grades again in a fresh process of the same runtime (see step 4 above). */
async function gradeInChild(options: RunOptions, skip: string[]): Promise<RunOutcome> {
  const args = [options.impl, String(options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS), JSON.stringify(skip), ...options.lessons.map((l) => l.id)];
  const [command, argv] = selfCommand("scripts/core/grade-worker.ts", args);
  const env = { ...process.env, [DEPTH_ENV]: String(rerunDepth() + 1) };
  const child = spawn(command, argv, { cwd: process.cwd(), env, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => (out += chunk));
  await new Promise((resolve) => child.on("close", resolve));
  try {
    return JSON.parse(out) as RunOutcome;
  } catch {
    throw new Error(`re-grading after a stuck test failed; its output was:\n${out.slice(0, 2000)}`);
  }
}
