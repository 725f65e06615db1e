// How a test process (scripts/core/test-child.mjs) is started on Node, in one place for the
// two that start it: the runner (scripts/core/run-tests.ts), and scripts/run.mjs, which
// starts one at once for `check` so that its start-up overlaps the grader's own.
//
// @example
// ```js
// import { nodeTestProcessArgs, DEFAULT_HEAP_MB } from "./test-process.mjs";
// spawn(process.execPath, nodeTestProcessArgs(DEFAULT_HEAP_MB), { cwd: kit });
// ```
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Heap of one test process, in MB: far above what any reference solution needs. */
export const DEFAULT_HEAP_MB = 1024;

export const TEST_CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "test-child.mjs");

/** Node's arguments for a test process with this heap. */
export function nodeTestProcessArgs(heapMb) {
  return [`--max-old-space-size=${heapMb}`, TEST_CHILD];
}
