/**
 * `npm test` — the kit's own suite (tests/kit): the registry is complete, every solution
 * passes and every skeleton fails on Node and on Deno, the grader behaves, the lesson
 * texts render, and everything type-checks. Ends with the plain line `N passed, N failed`
 * that CI reads, and exits 1 on any failure.
 *
 *   npm test                 the whole suite
 *   npm test -- grader       only test files whose path contains "grader"
 */
import { availableParallelism } from "node:os";
import process from "node:process";
import path from "node:path";
import { createVitest } from "vitest/node";
import type { Reporter, TestModule } from "vitest/node";
import { KIT, runtimeName } from "./core/kit.ts";

const filters = process.argv.slice(2);
let modules: readonly TestModule[] = [];
let unhandled = 0;
const summary: Reporter = {
  onTestRunEnd(testModules, errors) {
    modules = testModules;
    unhandled = errors.length;
  },
};

const vitest = await createVitest(
  "test",
  {
    root: KIT,
    config: path.join(KIT, "vitest.config.ts"),
    watch: false,
    include: ["tests/kit/**/*.test.ts"],
    reporters: ["default", summary],
    testTimeout: 600_000,
    // Two files at a time even on 2 cores (vitest's default there is one): most of a kit
    // test's time is spent in the processes it starts, and no verdict depends on speed.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Deno lacks worker_threads' parentPort.removeAllListeners, which the threads pool
    // calls at teardown (an unhandled error per file); separate processes work on both.
    ...(runtimeName() === "deno" ? { pool: "forks" as const } : {}),
  },
);
await vitest.start(filters);
await vitest.close();

let passed = 0;
let failed = unhandled;
for (const module of modules) {
  if (module.errors().length > 0) failed += 1;
  for (const test of module.children.allTests()) {
    const state = test.result().state;
    if (state === "passed") passed += 1;
    else if (state === "failed") failed += 1;
  }
}
if (passed + failed === 0) failed = 1; // a suite that ran nothing proves nothing
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
