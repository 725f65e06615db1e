/**
 * Points the hidden tests' `@impl/` alias at the code under test.
 *
 * `@impl/lesson-3/journaled-fs.ts` resolves to `exercises/lesson-3/journaled-fs.ts`
 * by default. The grader sets CRASH_COURSE_IMPL=solutions to grade the reference
 * solutions, or CRASH_COURSE_IMPL_DIR to an absolute folder laid out like
 * `exercises/` (a learner's submission). The same config serves a bare
 * `npx vitest run tests/lesson-1`.
 */
import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";
import process from "node:process";

const root = fileURLToPath(new URL(".", import.meta.url));

function implRoot(): string {
  const dir = process.env.CRASH_COURSE_IMPL_DIR;
  if (dir) return dir.replace(/\/?$/, "/");
  return root + (process.env.CRASH_COURSE_IMPL === "solutions" ? "solutions/" : "exercises/");
}

export default defineConfig({
  resolve: { alias: [{ find: /^@impl\//, replacement: implRoot() }] },
  test: {
    include: ["tests/**/*.test.ts"],
    pool: "threads",
    testTimeout: 5000,
    setupFiles: [root + "lib/grading/test-probe.ts"],
  },
});
