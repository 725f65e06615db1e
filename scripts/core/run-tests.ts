/**
 * Runs lessons' hidden tests in supervised test processes and turns what they report into
 * the grading model of lib/grading/results.ts. Every test of a lesson gets a verdict, the
 * same one on every run, whatever the code under test does.
 *
 * The protocol, in steps:
 *  1. Each test file is a job. A job runs in a test process (scripts/core/test-child.mjs)
 *     with a heap limit, one test at a time; up to `parallel` processes run at once.
 *  2. The test process reports over stdout lines that carry a nonce only this process and
 *     the test process's main thread know, so nothing the code under test prints counts.
 *     A test passes only when vitest's reporter saw it pass; skipped, todo, "expected to
 *     fail" and missing tests fail.
 *  3. The probe (lib/grading/test-probe.ts) notes synchronously which test is running.
 *     A test that uses more than the time limit of CPU, or waits with nothing to do for
 *     several times the limit, is stuck: the process is killed. A process that dies (out
 *     of memory, `exit`, a signal) is noted with its reason. Either way that test fails
 *     with the reason, and a fresh process resumes the job after it, with no cap on how
 *     often: every restart settles at least one more test, so the job ends.
 *  4. Each lesson's result lists every test the release manifest knows for it (tests
 *     that never ran fail and say why) plus any test the run found that the manifest
 *     does not (a maintainer's new test).
 *
 * Time is CPU time of the test process, not wall time, so a busy machine slows a test
 * down without changing its verdict.
 *
 * @example
 * ```ts
 * const { results } = await runTests({ lessons: [lesson], impl: "solutions" });
 * ```
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { stripVTControlCharacters } from "node:util";
import type { Lesson } from "../../lib/registry.ts";
import {
  explain, exportedNames, findTodos, importedValueNames, tally, testId,
  type Explanation, type Finding, type LessonResult, type Problem, type RawError, type TestResult, type TodoLocation,
} from "../../lib/grading/results.ts";
import { KIT, displayPath } from "./kit.ts";
import { typeNotes } from "./type-notes.ts";
import { DEFAULT_HEAP_MB, nodeTestProcessArgs, TEST_CHILD } from "./test-process.mjs";
import { commandLine } from "./command-line.ts";
import { withPoints } from "../../lib/grading/points.ts";
import { groupOf, isUntouchedSkeleton, manifestDifferences, readManifest, type ShippedTest } from "./integrity.ts";

export const DEFAULT_TIME_LIMIT_MS = 5000;
/** Sets the time limit in ms (the kit's own tests shorten it to grade hanging fixtures quickly). */
export const TIME_LIMIT_ENV = "CRASH_COURSE_TIME_LIMIT_MS";
/** Heap of one test process: far above what any reference solution needs. */
export const DEFAULT_MEMORY_MB: number = DEFAULT_HEAP_MB;
/** A test waiting with nothing to do is stuck after this many time limits of wall time. */
const IDLE_LIMITS = 2;
/**
 * ... when it used less than this share of one core meanwhile. A waiting process uses
 * none (measured: 0 ticks in 3 s); a working one on a machine loaded L on C cores still
 * gets about C/L of a core, so the share shrinks with the load (see idleShare).
 */
const IDLE_SHARE = 0.02;
/**
 * Idle is judged only on a fresh CPU figure: the test process reports its CPU from its main
 * thread, so a report older than this means that thread is busy (vitest's start-up,
 * transforms) or starved by a loaded machine, and a frozen figure would read as idle.
 */
const FRESH_REPORT_MS = 1000;
/** A test process whose main thread says nothing for this long has stopped responding. */
const SILENT_MS = 30_000;
const TICK_MS = 100;
/** CPU a test process may spend loading a test file (vitest's start-up, transforms) before its first test. */
const LOADING_ALLOWANCE_MS = 10_000;

export interface RunOptions {
  lessons: readonly Lesson[];
  /** "exercises", "solutions", or an absolute folder laid out like exercises/. */
  impl: string;
  /** CPU time one test may use. */
  timeLimitMs?: number;
  /** Heap limit of each test process, in MB. */
  memoryMb?: number;
  /** Wraps the test process's command line (class grading runs it in a sandbox). */
  wrap?: (command: string, args: string[]) => [string, string[]];
  /** Extra environment for the test processes. */
  childEnv?: Record<string, string>;
  /** Test processes at once; by default one per core. */
  parallel?: number;
  /** Warm test processes to reuse, kept between runs (watch mode); by default a pool of this run's own. */
  pool?: TestProcessPool;
  /** Called whenever a test gets its verdict. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Where the probe notes which test runs (a fresh folder is made inside); the test
   * process must be able to write there, so a sandbox names its scratch folder. Default:
   * the system's temporary folder.
   */
  probeDir?: string;
}

export interface RunOutcome {
  results: LessonResult[];
}

export function implFolder(impl: string): string {
  return impl === "exercises" || impl === "solutions" ? path.join(KIT, impl) : path.resolve(impl);
}

export async function runTests(options: RunOptions): Promise<RunOutcome> {
  const implDir = implFolder(options.impl);
  const timeLimitMs = options.timeLimitMs ?? (Number(process.env[TIME_LIMIT_ENV]) || DEFAULT_TIME_LIMIT_MS);
  const pool = options.pool ?? new TestProcessPool({
    implDir, memoryMb: options.memoryMb, wrap: options.wrap, childEnv: options.childEnv,
  });
  // The scanner loads a TypeScript parser and the type checker is a process of its own:
  // both work while the tests run. Type notes are for a learner working in the kit's
  // exercises/ (elsewhere the kit's lib/ is not beside the files, and instructors grade
  // behaviour).
  const guard = import("./guard.ts");
  const typeChecked = options.impl !== "exercises" ? Promise.resolve([]) : typeNotes(options.lessons.flatMap((l) => l.files.map((f) => path.join(implDir, l.id, f))).filter((f) => existsSync(f)));
  const scratch = mkdtempSync(path.join(options.probeDir ?? tmpdir(), "crash-course-probe-"));
  const jobs = options.lessons.flatMap((lesson) => testFiles(lesson).map((file) => new FileJob(lesson, file)));
  const progress = () => options.onProgress?.(jobs.reduce((n, j) => n + j.verdicts.size, 0), jobs.reduce((n, j) => n + j.expectedCount(), 0));
  try {
    const queue = [...jobs];
    const lanes = Math.max(1, Math.min(options.parallel ?? availableParallelism(), queue.length));
    await Promise.all(Array.from({ length: lanes }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await superviseJob(job, pool, { timeLimitMs, scratch, progress, marker: implDir + path.sep });
    }));
  } finally {
    if (!options.pool) pool.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  const { scanLesson } = await guard;
  const notes = await typeChecked;
  const results = options.lessons.map((lesson) => toLessonResult(lesson, implDir, jobs.filter((j) => j.lesson === lesson), scanLesson(lesson, implDir).findings));
  for (const result of results) {
    const mine = notes.filter((n) => n.file.startsWith(`${result.impl}/${result.lesson}/`));
    if (mine.length > 0) result.typeNotes = mine;
  }
  return { results };
}

/** The lesson's hidden test files, absolute, in name order. */
function testFiles(lesson: Lesson): string[] {
  const dir = path.join(KIT, "tests", lesson.id);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".test.ts")).sort().map((f) => path.join(dir, f));
}

interface CollectedTest {
  key: string;
  name: string;
  suite: string;
}

interface Verdict {
  state: "passed" | "failed";
  error?: RawError;
  /** A verdict the supervisor reached itself (stuck, crashed, never ran). */
  explanation?: Explanation;
  durationMs?: number;
  output?: string;
}

/** One test file of one lesson, and what is known of its tests so far. */
class FileJob {
  readonly tests = new Map<string, CollectedTest>();
  readonly verdicts = new Map<string, Verdict>();
  readonly problems: RawError[] = [];

  constructor(readonly lesson: Lesson, readonly file: string) {}

  collect(tests: readonly CollectedTest[]): void {
    for (const test of tests) if (!this.tests.has(test.key)) this.tests.set(test.key, test);
  }

  /** The tests known (collected, or listed by the manifest) that have no verdict yet. */
  remaining(): CollectedTest[] {
    const known = this.tests.size > 0 ? [...this.tests.values()] : manifestTests(this.lesson, this.file);
    return known.filter((t) => !this.verdicts.has(t.key));
  }

  expectedCount(): number {
    return Math.max(this.tests.size, manifestTests(this.lesson, this.file).length);
  }

  settle(key: string, verdict: Verdict): boolean {
    if (this.verdicts.has(key)) return false;
    this.verdicts.set(key, verdict);
    return true;
  }
}

interface SuperviseContext {
  timeLimitMs: number;
  /** The path fragment that marks the graded files in stack traces. */
  marker: string;
  scratch: string;
  progress: () => void;
}

/** Runs one file's tests to the end, restarting the test process as often as it takes. */
async function superviseJob(job: FileJob, pool: TestProcessPool, context: SuperviseContext): Promise<void> {
  let lostBeforeStart = 0;
  for (let attempt = 0; ; attempt++) {
    const probe = path.join(context.scratch, `${job.lesson.id}-${path.basename(job.file)}-${attempt}.probe`);
    const worker = await pool.acquire();
    const before = job.verdicts.size;
    const end = await worker.run(job, probe, context);
    if (end.kind === "died" && end.beforeJob) {
      // The process was gone before it got the job (it died while idle): try a fresh one.
      if (++lostBeforeStart <= 3) continue;
      return failRemaining(job, notRun(`the test process could not be started: ${end.reason}`), context);
    }
    const notes = readProbe(probe);
    if (end.kind === "done") {
      pool.release(worker);
      job.problems.push(...end.unhandled);
      // A test that started and has no result took its worker thread down with it.
      if (notes.running) settleFailed(job, notes.running, "took its worker thread down (out of memory?)", context);
      if (job.remaining().length === 0) return;
      if (job.verdicts.size > before) continue;
      const problem = end.unhandled[0] ?? job.problems[0];
      const why = problem ? moduleProblem(displayPath(job.file), problem, context.marker).message : "the test file stopped before reaching it";
      return failRemaining(job, notRun(why), context);
    }
    worker.kill();
    const reason: Reason = end.kind === "stuck" ? end.explanation : { kind: "error", message: end.reason };
    if (notes.running) {
      settleFailed(job, notes.running, reason, context);
    } else if (notes.started) {
      // Between two tests (a hook, or something a test left running): the order decides.
      const next = job.remaining()[0];
      if (next) settleFailed(job, next.key, { ...reason, message: `${reason.message} (between tests, before this one started)` }, context);
    } else {
      const during = end.kind === "stuck" ? end.explanation.message.replace(/^stopped/, "was stopped") : end.reason;
      return failRemaining(job, { kind: "error", message: `could not run: loading ${displayPath(job.file)} and the code it imports ${during}` }, context);
    }
    if (job.remaining().length === 0) return;
  }
}

function settleFailed(job: FileJob, key: string, reason: string | Explanation, context: SuperviseContext): void {
  const explanation: Explanation = typeof reason === "string" ? { kind: "error", message: reason } : reason;
  if (job.settle(key, { state: "failed", explanation })) context.progress();
}

function failRemaining(job: FileJob, explanation: Explanation, context: SuperviseContext): void {
  for (const test of job.remaining()) job.settle(test.key, { state: "failed", explanation });
  context.progress();
}

function notRun(why: string): Explanation {
  return { kind: "error", message: `did not run: ${firstLine(why)}` };
}

/**
 * What a probe file says: whether any test started, and the one that started and did not
 * end, with the test process's CPU time (ms) when it started.
 */
function readProbe(probe: string): { started: boolean; running?: string; cpuAtStart?: number } {
  if (!existsSync(probe)) return { started: false };
  let running: { key: string; cpu: number } | undefined;
  let started = false;
  for (const line of readFileSync(probe, "utf8").split("\n")) {
    const note = /^([SE]) (\d+) (.*)$/.exec(line);
    if (!note) continue;
    if (note[1] === "S") {
      running = { key: note[3], cpu: Number(note[2]) };
      started = true;
    } else if (note[3] === running?.key) running = undefined;
  }
  return { started, running: running?.key, cpuAtStart: running?.cpu };
}

/** Why the supervisor failed a test itself. */
type Reason = Extract<Explanation, { kind: "time-limit" | "error" }>;

type JobEnd =
  | { kind: "done"; unhandled: RawError[] }
  | { kind: "stuck"; explanation: Reason }
  | { kind: "died"; reason: string; beforeJob?: boolean };

interface ProcessSpec {
  implDir: string;
  memoryMb?: number;
  wrap?: RunOptions["wrap"];
  childEnv?: Record<string, string>;
}

declare const Deno: { execPath(): string } | undefined;

/** Warm test processes, each ready for its next job. */
export class TestProcessPool {
  readonly #idle: TestProcess[] = [];
  readonly #all = new Set<TestProcess>();

  constructor(readonly spec: ProcessSpec) {}

  /** Starts a process now so that the next job finds it ready. */
  prewarm(): void {
    if (this.#idle.length === 0) this.#idle.push(this.#start());
  }

  async acquire(): Promise<TestProcess> {
    const worker = this.#idle.shift() ?? this.#start();
    await worker.ready;
    return worker;
  }

  release(worker: TestProcess): void {
    if (worker.alive) this.#idle.push(worker);
  }

  close(): void {
    for (const worker of this.#all) worker.kill();
    this.#all.clear();
    this.#idle.length = 0;
  }

  #start(): TestProcess {
    const worker = new TestProcess(this.spec);
    this.#all.add(worker);
    worker.exited.then(() => this.#all.delete(worker));
    return worker;
  }
}

/** The command that starts a test process in the runtime running now. */
function testProcessCommand(memoryMb: number): [string, string[]] {
  if (typeof Deno !== "undefined") return [Deno.execPath(), ["run", "-A", `--v8-flags=--max-old-space-size=${memoryMb}`, TEST_CHILD]];
  return [process.execPath, nodeTestProcessArgs(memoryMb)];
}

/**
 * The test process scripts/run.mjs started early (`--test-process`), once: only a pool
 * that wants exactly such a process (default heap, no wrapper, no extra environment) may
 * take it. Whatever it is given to learns its nonce only then, like any other.
 */
function takeEarlyTestProcess(spec: ProcessSpec): ChildProcess | undefined {
  const holder = globalThis as { __crashCourseEarlyTestProcess?: ChildProcess };
  const early = holder.__crashCourseEarlyTestProcess;
  const plain = !spec.wrap && !spec.childEnv && (spec.memoryMb ?? DEFAULT_MEMORY_MB) === DEFAULT_HEAP_MB;
  if (!early || !plain || early.exitCode !== null) return undefined;
  holder.__crashCourseEarlyTestProcess = undefined;
  return early;
}

/** One test process and the nonce-marked channel from its main thread. */
class TestProcess {
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  alive = true;
  readonly #child: ChildProcess;
  readonly #nonce = randomUUID();
  #cpuMs = 0;
  #heardAt = Date.now();
  #stderr = "";
  readonly #implDir: string;
  #spawnError: string | undefined;
  #listener: ((message: ChildMessage) => void) | undefined;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(spec: ProcessSpec) {
    this.#implDir = spec.implDir;
    this.#child = takeEarlyTestProcess(spec) ?? this.#spawn(spec);
    this.#child.stdin!.on("error", () => {});
    this.#child.stdin!.write(JSON.stringify({ nonce: this.#nonce }) + "\n");
    this.#readChannel();
    this.#child.stderr!.setEncoding("utf8");
    this.#child.stderr!.on("data", (chunk: string) => (this.#stderr = (this.#stderr + chunk).slice(-16_384)));
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (!this.alive && this.#exit) return;
        this.alive = false;
        this.#exit = { code, signal };
        this.#listener?.({ type: "exit" });
        resolve();
      };
      this.#child.on("exit", done);
      this.#child.on("error", (error) => {
        this.#spawnError = error.message;
        done(null, null);
      });
    });
    this.ready = new Promise((resolve) => {
      const previous = this.#listener;
      this.#listener = (message) => {
        if (message.type === "ready" || message.type === "exit") {
          this.#listener = previous;
          resolve();
        }
      };
    });
  }

  #spawn(spec: ProcessSpec): ChildProcess {
    const [command, args] = testProcessCommand(spec.memoryMb ?? DEFAULT_MEMORY_MB);
    const [wrapped, wrappedArgs] = spec.wrap ? spec.wrap(command, args) : [command, args];
    return spawn(wrapped, wrappedArgs, {
      cwd: KIT,
      env: { ...process.env, ...spec.childEnv, CRASH_COURSE_IMPL: "" },
      stdio: ["pipe", "pipe", "pipe"],
      detached: process.platform !== "win32",
    });
  }

  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    try {
      if (this.#child.pid !== undefined && process.platform !== "win32") process.kill(-this.#child.pid, "SIGKILL");
      else this.#child.kill("SIGKILL");
    } catch {
      this.#child.kill("SIGKILL");
    }
  }

  /** Runs one job; resolves when the job is done, or the process got stuck or died. */
  run(job: FileJob, probe: string, context: SuperviseContext): Promise<JobEnd> {
    if (!this.alive) return Promise.resolve({ kind: "died", reason: this.#deathReason(true), beforeJob: true });
    const skip = [...job.verdicts.keys()];
    return new Promise<JobEnd>((resolve) => {
      let settled = false;
      const finish = (end: JobEnd) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        this.#listener = undefined;
        resolve(end);
      };
      let current: { key: string | undefined; cpu: number; at: number } = { key: undefined, cpu: this.#cpuMs, at: Date.now() };
      // The test process's CPU time as it was over the last while, to tell waiting from working.
      const recent: { at: number; cpu: number }[] = [];
      const timer = setInterval(() => {
        const notes = readProbe(probe);
        const now = Date.now();
        if (notes.running !== current.key) current = { key: notes.running, cpu: notes.cpuAtStart ?? this.#cpuMs, at: now };
        recent.push({ at: now, cpu: this.#cpuMs });
        while (recent.length > 1 && recent[1].at <= now - IDLE_LIMITS * context.timeLimitMs) recent.shift();
        const stuck = this.#stuck(current, recent[0], context.timeLimitMs, !notes.started);
        if (stuck) finish({ kind: "stuck", explanation: stuck });
      }, TICK_MS);
      this.#listener = (message) => {
        switch (message.type) {
          case "collected":
            job.collect(message.tests);
            context.progress();
            break;
          case "result":
            if (job.settle(message.key, verdictOf(message))) context.progress();
            break;
          case "module-errors":
            job.problems.push(...message.errors);
            break;
          case "done":
            finish({ kind: "done", unhandled: message.unhandled });
            break;
          case "exit":
            // Let the probe file and the last results be read before judging.
            setTimeout(() => finish({ kind: "died", reason: this.#deathReason() }), 0);
            break;
        }
      };
      this.#child.stdin!.write(JSON.stringify({ file: job.file, skip, probe, implDir: this.#implDir }) + "\n");
    });
  }

  /** Why the running test (or the loading file) counts as stuck, or undefined. */
  #stuck(current: { cpu: number; at: number }, windowStart: { cpu: number; at: number }, limitMs: number, loading: boolean): Reason | undefined {
    const cpu = this.#cpuMs - current.cpu;
    // Idle means: no CPU over the whole last window, however busy the start of the test was.
    const window = Date.now() - Math.max(windowStart.at, current.at);
    const used = this.#cpuMs - Math.max(windowStart.cpu, current.cpu);
    // Loading a test file costs vitest's own start-up and transforms too: allow for them.
    const cpuLimit = loading ? limitMs + LOADING_ALLOWANCE_MS : limitMs;
    if (cpu >= cpuLimit) {
      return { kind: "time-limit", message: `stopped after ${limitMs / 1000} s without finishing: an endless loop, or far too slow` };
    }
    const fresh = Date.now() - this.#heardAt <= FRESH_REPORT_MS;
    if (fresh && window >= IDLE_LIMITS * limitMs && used < idleShare() * window) {
      // The rule, not the measured wait, goes in the message: the verdict must read the same every run.
      return { kind: "time-limit", message: `stopped after waiting ${(IDLE_LIMITS * limitMs) / 1000} s with nothing to do: a promise that never settles?` };
    }
    if (Date.now() - this.#heardAt >= SILENT_MS) {
      return { kind: "time-limit", message: `stopped: the test process stopped responding for ${SILENT_MS / 1000} s` };
    }
    return undefined;
  }

  /** Why the process ended; `idle` when no test code of the job had run, so its words are the kit's own. */
  #deathReason(idle = false): string {
    if (this.#spawnError) return `the test process could not start: ${this.#spawnError}`;
    const text = this.#stderr;
    if (/heap out of memory|invalid (?:size|array length|table size)|allocation failed|out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(text)) {
      return "ran out of memory: it took the test process down";
    }
    // Node ends a worker thread that reaches its heap limit; vitest then reports this.
    if (/Worker exited unexpectedly/.test(text)) return "ran out of memory: its worker thread was stopped at the heap limit";
    const exit = this.#exit;
    const how = exit?.signal ? `signal ${exit.signal}` : exit?.code !== null && exit?.code !== undefined ? `exit code ${exit.code}` : "an unknown cause";
    // A process that died idle failed in the kit's own start-up (a runtime too old, say): say what it said.
    const said = idle ? stripVTControlCharacters(text).split("\n").find((line) => /\w*Error\b/.test(line))?.trim().slice(0, 300) : undefined;
    return `took the test process down (${how})${said ? `; it said: ${said}` : ""}`;
  }

  #readChannel(): void {
    const marker = `${this.#nonce} `;
    let buffered = "";
    this.#child.stdout!.setEncoding("utf8");
    this.#child.stdout!.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      // Whatever the code under test prints can grow without bound: keep only a tail.
      if (buffered.length > 1 << 20 && !buffered.startsWith(marker)) buffered = "";
      for (const line of lines) {
        if (!line.startsWith(marker)) continue;
        let message: ChildMessage;
        try {
          message = JSON.parse(line.slice(marker.length)) as ChildMessage;
        } catch {
          continue;
        }
        this.#heardAt = Date.now();
        if (message.type === "cpu" || message.type === "ready") this.#cpuMs = message.ms;
        this.#listener?.(message);
      }
    });
  }
}

/** The share of a core below which a test process counts as waiting, not starved. */
function idleShare(): number {
  const cores = availableParallelism();
  const load = loadavg()[0];
  return load > cores ? Math.min(IDLE_SHARE, (0.5 * cores) / load) : IDLE_SHARE;
}

type ChildMessage =
  | { type: "ready" | "cpu"; ms: number }
  | { type: "collected"; file: string; tests: CollectedTest[] }
  | { type: "result"; key: string; state: string; mode: string; fails: boolean; errors: RawError[]; durationMs?: number; output?: string }
  | { type: "module-errors"; file: string; errors: RawError[] }
  | { type: "done"; file: string; unhandled: RawError[] }
  | { type: "exit" };

/** A test passes only when vitest saw it run and pass, as the kit declared it. */
function verdictOf(message: Extract<ChildMessage, { type: "result" }>): Verdict {
  const base = { durationMs: message.durationMs, ...(message.output ? { output: message.output } : {}) };
  if (message.fails) return { ...base, state: "failed", explanation: { kind: "error", message: "was marked \"expected to fail\" from outside the kit's tests; counted as failed" } };
  if (message.state === "passed" && message.mode === "run") return { ...base, state: "passed" };
  if (message.state === "skipped" || message.mode === "skip" || message.mode === "todo") {
    return { ...base, state: "failed", explanation: { kind: "error", message: "was skipped: the kit's tests never skip themselves; counted as failed" } };
  }
  if (message.state === "failed") return { ...base, state: "failed", error: message.errors[0] ?? { message: "failed without an error message" } };
  return { ...base, state: "failed", explanation: notRun(`it ended as "${message.state}"`) };
}

interface ListedTest extends CollectedTest {
  id: string;
}

/** The tests the release manifest lists for one test file of a lesson. */
function manifestTests(lesson: Lesson, file: string): ListedTest[] {
  const relative = path.relative(KIT, file).split(path.sep).join("/");
  return shippedTestList().tests[lesson.id]?.filter((t) => t.file === relative)
    .map((t) => ({ id: t.id, name: t.name, suite: t.suite, key: `${file}::${t.suite ? `${t.suite} > ` : ""}${t.name}` })) ?? [];
}

let shipped: { tests: Record<string, ShippedTest[]>; stale: Set<string> } | undefined;
/**
 * The manifest's list of every lesson's tests, and the lessons whose test files differ
 * from the manifest (a maintainer at work): those are graded on the tests their files
 * declare, and the manifest's list only fills in for a file that could not be loaded.
 */
function shippedTestList(): { tests: Record<string, ShippedTest[]>; stale: Set<string> } {
  if (!shipped) {
    let manifest: ReturnType<typeof readManifest>;
    try {
      manifest = readManifest();
    } catch {
      manifest = undefined;
    }
    const differing = new Set(manifest ? manifestDifferences(KIT, manifest).map(groupOf) : []);
    const tests = manifest?.tests ?? {};
    const stale = new Set(Object.keys(tests).filter((lesson) => differing.has(`tests/${lesson}`) || differing.has("tests/support")));
    shipped = { tests, stale };
  }
  return shipped;
}

/** Every test of the lessons as the run collected it: for the manifest's list. */
export function collectedTestList(results: readonly LessonResult[]): Record<string, ShippedTest[]> {
  return Object.fromEntries(results.map((r) => [r.lesson, r.tests.map(({ id, file, suite, name }) => ({ id, file, suite, name }))]));
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
      problems.push({ file: shown, message: `${shown} is missing; \`${commandLine("reset", lesson.id)}\` puts the skeleton back` });
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

function toLessonResult(lesson: Lesson, implDir: string, jobs: readonly FileJob[], findings: readonly Finding[]): LessonResult {
  const sources = readSources(lesson, implDir);
  const marker = path.join(implDir, lesson.id) + path.sep;
  const problems = [...sources.problems];
  const tests: TestResult[] = [];
  for (const job of jobs) {
    const file = displayPath(job.file);
    for (const error of dedupe(job.problems)) problems.push(moduleProblem(file, error, marker));
    const known = [...job.tests.values()];
    const listedToo = known.length === 0 || !shippedTestList().stale.has(lesson.id);
    const listed = listedToo ? manifestTests(lesson, job.file).filter((t) => !job.tests.has(t.key)) : [];
    for (const test of [...known, ...listed]) {
      const verdict = job.verdicts.get(test.key) ?? { state: "failed" as const, explanation: notRun(missingReason(job)) };
      tests.push(toTestResult(lesson.id, file, test, verdict, sources.todos, marker));
    }
  }
  const untouched = isUntouchedSkeleton(lesson.id, lesson.files, implDir);
  return withPoints({
    lesson: lesson.id, title: lesson.title, impl: displayPath(implDir), ...tally(tests, problems), tests, problems,
    ...(untouched === undefined ? {} : { untouched }),
    ...(findings.length > 0 ? { findings: [...findings] } : {}),
  }, lesson);
}

function missingReason(job: FileJob): string {
  const problem = job.problems[0];
  return problem ? `${displayPath(job.file)} could not run: ${firstLine(problem.message)}` : "the test file never reached it";
}

function dedupe(errors: readonly RawError[]): RawError[] {
  const seen = new Set<string>();
  return errors.filter((e) => !seen.has(e.message) && Boolean(seen.add(e.message)));
}

function toTestResult(lesson: string, file: string, test: CollectedTest, verdict: Verdict, todos: TodoLocation[], marker: string): TestResult {
  const base = { id: testId(lesson, test.suite, test.name), lesson, name: test.name, suite: test.suite, file, durationMs: verdict.durationMs };
  const withLogs = verdict.output ? { output: verdict.output } : {};
  if (verdict.state === "passed") return { ...base, state: "passed", ...withLogs };
  const explanation = verdict.explanation ?? explain(verdict.error ?? { message: "failed without an error message" }, todos, marker);
  return { ...base, state: "failed", explanation, ...withLogs };
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
  const e = explain(error, [], marker);
  return { file, message: `the tests in ${file} could not run: ${firstLine(error.message)}`, at: "at" in e ? e.at : undefined };
}

function firstLine(text: string): string {
  return text.split("\n")[0];
}
