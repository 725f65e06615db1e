/**
 * A setup file that runs inside every test worker and tells the grader, as each test
 * starts and ends, which test it is. Vitest reports results in batches; a test stuck in
 * an endless loop blocks its worker before its batch is sent, so the grader's watchdog
 * learns from these messages which test to name and stop.
 *
 * `process.env` is read through globalThis because it is the only way a grader can hand
 * a worker its skip list on both runtimes; outside the grader it is simply absent. BroadcastChannel is a web
 * standard and crosses worker threads on Node and Deno alike.
 */
import { beforeEach, onTestFinished } from "vitest";
import { PROBE_CHANNEL, type ProbeMessage } from "./test-probe-channel.ts";

// Tests that hung in an earlier run of this grading, as "<file>::<full name>"; the
// grader re-runs the rest with these skipped.
const skipped = new Set<string>(JSON.parse(globalThis.process?.env?.CRASH_COURSE_SKIP || "[]"));

const channel = new BroadcastChannel(PROBE_CHANNEL);

beforeEach((ctx) => {
  const file = ctx.task.file.filepath;
  const name = fullName(ctx.task);
  if (skipped.has(`${file}::${name}`)) return ctx.skip();
  channel.postMessage({ type: "start", file, name, at: Date.now() } satisfies ProbeMessage);
  onTestFinished((done) => {
    const state = done.task.result?.state ?? "unknown";
    channel.postMessage({ type: "end", file, name, state, at: Date.now() } satisfies ProbeMessage);
  });
});

/** "suite > test", as the grader names tests. */
function fullName(task: { name: string; suite?: { name: string; suite?: unknown } }): string {
  const parts = [task.name];
  let suite = task.suite as { name: string; suite?: unknown } | undefined;
  while (suite && suite.name) {
    parts.unshift(suite.name);
    suite = suite.suite as typeof suite;
  }
  return parts.join(" > ");
}
