// The test process of a grading: runs hidden test files through vitest's Node API when
// its supervisor (scripts/core/run-tests.ts) asks, and tells the supervisor what it saw.
//
// The protocol, in steps:
//  1. The supervisor starts this process and writes one line to its stdin:
//     {"nonce": "<random>"}. The nonce never enters the environment, so no test worker,
//     and no code under test, can learn it.
//  2. Each further stdin line is a job: {"file": "<absolute test file>", "skip": [keys],
//     "probe": "<probe file>", "implDir": "<the graded folder>"}. Keys are "<file>::<full name>"; skipped tests already have
//     a verdict. The job runs in a fresh vitest instance, one test at a time, in one
//     worker thread, so this process's CPU time is the running test's CPU time.
//  3. What vitest reports is written to stdout as lines "<nonce> <json>": the tests
//     collected, each test's result, load errors of the file, "done" at the end, and every
//     100 ms this process's CPU time. Lines without the nonce (anything the code under
//     test prints) are not read by the supervisor.
//  4. The probe (lib/grading/test-probe.ts), inside the worker, appends "S <key>" and
//     "E <key>" to the job's probe file synchronously as each test starts and ends, so
//     that, if this process hangs or dies, the supervisor knows which test it was in.
//
// Plain JavaScript, not TypeScript, because this process starts once per grading and
// loading tsx's loader first would add to every `check` (see scripts/run.mjs).
//
// @example
// ```sh
// node scripts/core/test-child.mjs   # then the stdin lines
// ```
import { createInterface } from "node:readline";
import { writeSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
/* global Deno */

const KIT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const HEARTBEAT_MS = 100;
/** The supervisor decides when a test is stuck; vitest's own timers must never fire first. */
const NEVER_MS = 24 * 60 * 60 * 1000;

const { createVitest } = await import("vitest/node");
let nonce = "";

function send(message) {
  if (!nonce) return;
  // The leading newline ends any half line the code under test left on stdout.
  writeSync(1, `\n${nonce} ${JSON.stringify(message)}\n`);
}

function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const heartbeat = setInterval(() => send({ type: "cpu", ms: cpuMs() }), HEARTBEAT_MS);

/** "suite > sub-suite" of a test, as the grader names suites. */
function suiteOf(test) {
  const names = [];
  for (let parent = test.parent; parent.type === "suite"; parent = parent.parent) names.unshift(parent.name);
  return names.join(" > ");
}

function keyOf(test) {
  return `${test.module.moduleId}::${test.fullName}`;
}

/**
 * Deno's worker_threads lack `parentPort.removeAllListeners`, which vitest's thread pool
 * calls while tearing a worker down, after its tests have reported. That gap of the
 * runtime is not the learner's problem, and says nothing about any test.
 */
function isRuntimeTeardownGap(error) {
  return typeof Deno !== "undefined" && /parentPort\.removeAllListeners/.test(String(error?.message ?? error));
}

function errorFields(error) {
  if (!error || typeof error !== "object") return { message: String(error) };
  const { name, message, stack, expected, actual } = error;
  return { name, message: String(message ?? ""), stack, expected, actual };
}

async function runJob(job) {
  // The graded folder comes with each job (the config reads it when vitest starts), so a
  // test process can be started before anyone knows what it will grade.
  if (job.implDir) process.env.CRASH_COURSE_IMPL_DIR = job.implDir;
  process.env.CRASH_COURSE_SKIP = JSON.stringify(job.skip ?? []);
  process.env.CRASH_COURSE_PROBE = job.probe ?? "";
  const logs = new Map();
  const reporter = {
    onUserConsoleLog(log) {
      if (!log.taskId) return;
      const lines = logs.get(log.taskId) ?? [];
      lines.push(String(log.content).replace(/\n$/, ""));
      logs.set(log.taskId, lines);
    },
    onTestModuleCollected(module) {
      const tests = [...module.children.allTests()].map((test) => ({
        key: keyOf(test), name: test.name, suite: suiteOf(test),
      }));
      send({ type: "collected", file: module.moduleId, tests });
    },
    onTestCaseResult(test) {
      const result = test.result();
      const output = logs.get(test.id);
      send({
        type: "result",
        key: keyOf(test),
        state: result.state,
        // A test declared `.fails`, `.skip`, `.todo` or `.only` by anyone but the kit's
        // tests is tampering; the supervisor fails it whatever its state.
        mode: test.options.mode,
        fails: Boolean(test.options.fails),
        errors: (result.errors ?? []).slice(0, 1).map(errorFields),
        durationMs: test.diagnostic()?.duration,
        ...(output ? { output: output.join("\n") } : {}),
      });
    },
    onTestModuleEnd(module) {
      const errors = module.errors().filter((e) => !isRuntimeTeardownGap(e)).map(errorFields);
      if (errors.length > 0) send({ type: "module-errors", file: module.moduleId, errors });
    },
  };
  const vitest = await createVitest("test", {
    root: KIT,
    config: path.join(KIT, "vitest.config.ts"),
    watch: false,
    include: [path.relative(KIT, job.file).split(path.sep).join("/")],
    reporters: [reporter],
    testTimeout: NEVER_MS,
    hookTimeout: NEVER_MS,
    teardownTimeout: 1000,
    passWithNoTests: true,
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { shuffle: false, concurrent: false },
    ...(process.env.CRASH_COURSE_SCRATCH ? { cacheDir: path.join(process.env.CRASH_COURSE_SCRATCH, ".vite") } : {}),
  });
  try {
    const run = await vitest.start();
    const unhandled = (run?.unhandledErrors ?? vitest.state.getUnhandledErrors?.() ?? []).filter((e) => !isRuntimeTeardownGap(e)).map(errorFields);
    send({ type: "done", file: job.file, unhandled });
  } catch (error) {
    send({ type: "done", file: job.file, unhandled: [errorFields(error)] });
  } finally {
    await vitest.close().catch(() => {});
  }
}

const lines = createInterface({ input: process.stdin });
const queue = [];
let busy = false;


async function drain() {
  if (busy) return;
  busy = true;
  while (queue.length > 0) await runJob(queue.shift());
  busy = false;
}

lines.on("line", (line) => {
  if (!line.trim()) return;
  const message = JSON.parse(line);
  if (!nonce) {
    nonce = String(message.nonce);
    send({ type: "ready", ms: cpuMs() });
    return;
  }
  queue.push(message);
  void drain();
});

// The supervisor closes stdin when it is done with this process, or when it dies itself
// (Ctrl-C): either way nothing here may outlive it, not even a test stuck in a loop.
lines.on("close", () => {
  clearInterval(heartbeat);
  process.exit(0);
});
