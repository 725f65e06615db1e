/**
 * Points the hidden tests' `@impl/` alias at the code under test.
 *
 * `@impl/lesson-3/journaled-fs.ts` resolves to `exercises/lesson-3/journaled-fs.ts`
 * by default. The grader sets CRASH_COURSE_IMPL=solutions to grade the reference
 * solutions, or CRASH_COURSE_IMPL_DIR to an absolute folder laid out like
 * `exercises/` (a learner's submission). The same config serves a bare
 * `npx vitest run tests/lesson-1`.
 *
 * The import guard (scripts/core/guard.ts) refuses to load code under test that imports
 * anything but lib/, its own lesson folder and its lesson's packages.
 */
import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";
import process from "node:process";
import path from "node:path";
import { importGuardPlugin } from "./scripts/core/guard.ts";

const root = fileURLToPath(new URL(".", import.meta.url));

function implRoot(): string {
  const dir = process.env.CRASH_COURSE_IMPL_DIR;
  if (dir) return dir.replace(/\/?$/, "/");
  return root + (process.env.CRASH_COURSE_IMPL === "solutions" ? "solutions/" : "exercises/");
}

/**
 * A submission graded from another folder imports `../../lib/...` relative to itself;
 * that always means this kit's lib/, never a copy beside the submission (a learner's
 * lib/ may be changed, and two copies of lib/sim-disk.ts would break `instanceof`).
 */
const kitLib = {
  name: "crash-course:kit-lib",
  enforce: "pre" as const,
  resolveId(source: string, importer?: string) {
    const impl = implRoot();
    if (!importer || !source.startsWith(".") || !importer.startsWith(impl)) return null;
    const besideImpl = path.join(path.dirname(impl), "lib") + path.sep;
    const target = path.resolve(path.dirname(importer), source);
    return target.startsWith(besideImpl) ? path.join(root, "lib", target.slice(besideImpl.length)) : null;
  },
};

export default defineConfig({
  // kitLib first: it maps a submission's ../../lib/ to the kit's before the guard resolves it.
  plugins: [kitLib, ...importGuardPlugin()],
  resolve: { alias: [{ find: /^@impl\//, replacement: implRoot() }] },
  test: {
    include: ["tests/**/*.test.ts"],
    // Fixture submissions carry learners' (tampered) copies of test files: never ours to run.
    exclude: ["**/node_modules/**", "tests/kit/fixtures/**"],
    pool: "threads",
    testTimeout: 5000,
    setupFiles: [root + "lib/grading/test-probe.ts"],
  },
});
