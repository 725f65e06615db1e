/**
 * A setup file that runs inside every test worker and notes, as each test starts and
 * ends, which test it is, so that the grader's supervisor (scripts/core/run-tests.ts)
 * can name the test a hang or a crash happened in.
 *
 * The notes are appended synchronously to the file named by CRASH_COURSE_PROBE, one line
 * each: "S <cpu> <key>" when a test starts, "E <cpu> <key>" when it ends (key =
 * "<file>::<full name>", cpu = the test process's CPU time so far, in ms).
 * A hang or crash before the first "S" of a job happened while loading the test file and
 * the code under test. Synchronous, because a test that takes its
 * process down must not take the note of its start with it. The notes only ever decide
 * which test is blamed for a hang or a crash, never whether a test passed: verdicts come
 * from vitest's reporter in the test process.
 *
 * It also fixes fast-check's seed, so that a property test draws the same cases on every
 * run: a grade must not depend on luck.
 *
 * Tests listed in CRASH_COURSE_SKIP already have a verdict in this grading and are
 * skipped. Outside the grader both variables are absent and this file does nothing.
 * `process` is reached through globalThis and `getBuiltinModule` so that lib/ keeps no
 * static `node:` import; both runtimes provide them.
 */
import { beforeEach, onTestFinished } from "vitest";
import fc from "fast-check";

// Property tests without a seed of their own draw from this one: the same files get the
// same verdict on every run.
fc.configureGlobal({ seed: 20_261_202 });

interface ProbeProcess {
  env: Record<string, string | undefined>;
  cpuUsage(): { user: number; system: number };
  getBuiltinModule?(id: "node:fs"): { appendFileSync(file: string, text: string): void };
}
const host = (globalThis as { process?: ProbeProcess }).process;
const probeFile = host?.env.CRASH_COURSE_PROBE || "";
const skipped = new Set<string>(JSON.parse(host?.env.CRASH_COURSE_SKIP || "[]"));
const append = probeFile ? host?.getBuiltinModule?.("node:fs")?.appendFileSync : undefined;

/** The note's CPU time lets the supervisor charge a test only for what it used itself. */
function note(kind: "S" | "E", key: string): void {
  if (!append || !host) return;
  const { user, system } = host.cpuUsage();
  append(probeFile, `${kind} ${Math.round((user + system) / 1000)} ${key}\n`);
}

beforeEach((ctx) => {
  const key = `${ctx.task.file.filepath}::${fullName(ctx.task)}`;
  if (skipped.has(key)) return ctx.skip();
  note("S", key);
  onTestFinished(() => note("E", key));
});

/** "suite > test", as vitest's TestCase.fullName names tests. */
function fullName(task: { name: string; suite?: { name: string; suite?: unknown } }): string {
  const parts = [task.name];
  let suite = task.suite as { name: string; suite?: unknown } | undefined;
  while (suite && suite.name) {
    parts.unshift(suite.name);
    suite = suite.suite as typeof suite;
  }
  return parts.join(" > ");
}

