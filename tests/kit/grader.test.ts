/**
 * The grader as a learner meets it, spawned on each runtime: exit codes, the closing
 * line, what it prints for each bad input, and that it never writes into exercises/.
 */
import { describe, expect, test } from "vitest";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { KIT, RUNTIMES, closingLine, fixture, kit } from "./support/cli.ts";
import { shippedKit, tempKit } from "./support/temp-kit.ts";

function hashTree(dir: string): string {
  const hash = createHash("sha256");
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }).sort((a, b) => (a.parentPath + a.name).localeCompare(b.parentPath + b.name))) {
    if (entry.isFile()) hash.update(entry.name).update(readFileSync(path.join(entry.parentPath, entry.name)));
  }
  return hash.digest("hex");
}

/** How many hidden tests lesson 1 has: the release manifest lists every one. */
function lessonOneTests(): number {
  const manifest = JSON.parse(readFileSync(path.join(KIT, "manifest.json"), "utf8")) as { tests: Record<string, unknown[]> };
  return manifest.tests["lesson-1"].length;
}

interface JsonResult {
  passed: number;
  failed: number;
  total: number;
  tests: { id: string; name: string; state: string; explanation?: { message?: string } }[];
}

describe.each(RUNTIMES)("check on %s", (runtime) => {
  test.concurrent("grades the untouched lesson-1 skeleton: marks, TODO locations, closing line, exit 1", async () => {
    // A copy with the shipped skeletons: the kit's own exercises may hold a learner's work.
    const before = hashTree(path.join(shippedKit(), "exercises"));
    const run = await kit(runtime, "check", ["lesson-1"], { cwd: shippedKit() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ get\(\) returns the original's values\n\s+TODO\(lesson-1:get\) is still open: exercises\/lesson-1\/cow-list\.ts:\d+/);
    expect(run.stdout).toContain("✓ length is the original's length");
    const closing = closingLine(run.stdout);
    expect(closing?.failed).toBeGreaterThan(0);
    expect(hashTree(path.join(shippedKit(), "exercises"))).toBe(before);
  });

  test.concurrent("grades the reference solution with --solutions: all pass, exit 0", async () => {
    const run = await kit(runtime, "check", ["lesson-1", "--solutions"]);
    expect(closingLine(run.stdout)).toMatchObject({ failed: 0 });
    expect(run.code).toBe(0);
  });

  test.concurrent("takes the lesson as a number too, and prints JSON with stable test ids", async () => {
    const run = await kit(runtime, "check", ["1", "--solutions", "--json"]);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ lesson: "lesson-1", failed: 0 });
    expect(result.tests[0].id).toBe("lesson-1:reading-before-any-write/get-returns-the-original-s-values");
  });

  test.concurrent("an unknown lesson lists the known ids and the closest one, exit 2", async () => {
    const run = await kit(runtime, "check", ["lesson-l"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown lesson "lesson-l"; known lessons: lesson-1.*Did you mean lesson-1\?/);
  });

  test.concurrent("an unknown flag is a usage error, exit 2; --help prints the usage, exit 0", async () => {
    const bad = await kit(runtime, "check", ["lesson-1", "--solution"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown flag --solution");
    const help = await kit(runtime, "check", ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: npm run check");
  });

  test.concurrent("a syntax error names the file and line; every test of the lesson is listed as not run", async () => {
    const run = await kit(runtime, "check", ["lesson-1", "--dir", fixture("syntax-error")]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/syntax error in .*syntax-error\/lesson-1\/cow-list\.ts:28:\d+/);
    expect(run.stdout).toMatch(/✗ get\(\) returns the original's values\n\s+did not run: syntax error in .*cow-list\.ts:28:\d+/);
    expect(closingLine(run.stdout)).toEqual({ passed: 0, failed: lessonOneTests() });
  });

  test.concurrent("a missing export is named", async () => {
    const run = await kit(runtime, "check", ["lesson-1", "--dir", fixture("missing-export")]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/missing-export\/lesson-1\/cow-list\.ts does not export CowList/);
  });

  test.concurrent("a wrong value is shown as expected and got, with the line where it broke", async () => {
    const run = await kit(runtime, "check", ["lesson-1", "--dir", fixture("wrong-value")]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ copiedCount counts distinct indices written\n\s+expected 2, got 1\n/);
    expect(run.stdout).toContain("✓ get() returns the original's values");
  });

  test.concurrent("an endless loop is stopped by the time limit and named; the other tests still run", async () => {
    const run = await kit(runtime, "check", ["lesson-1", "--dir", fixture("endless-loop")]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ writing the value already there still counts as a write\n\s+stopped after 5 s without finishing: an endless loop/);
    expect(run.stdout).toContain("✓ values are stored by reference, not cloned");
    expect(closingLine(run.stdout)).toMatchObject({ failed: 1 });
  });

  test.concurrent("with no lesson, prints the progress table of every lesson", async () => {
    const run = await kit(runtime, "check", [], { cwd: shippedKit() });
    expect(run.stdout).toMatch(/lesson-1\s+Naive copy-on-write.*\d+\/\d+\s.*(not started|in progress)\s+← next/);
    expect(run.stdout).toMatch(/overall/);
    expect(closingLine(run.stdout)).toBeDefined();
  });
});

describe.each(RUNTIMES)("a complete verdict on %s, whatever the code does", (runtime) => {
  // The fixture loops forever in three tests, allocates without end in three and kills its
  // own process in three more. A one-second limit keeps the suite quick; three gradings at
  // once load the machine, and must agree test by test all the same.
  test("every test gets a verdict, the same one in three runs at once", async () => {
    const env = { CRASH_COURSE_TIME_LIMIT_MS: "1000" };
    const runs = await Promise.all([1, 2, 3].map(() => kit(runtime, "check", ["lesson-1", "--dir", fixture("misbehaves"), "--json"], { env })));
    const results = runs.map((run) => JSON.parse(run.stdout) as JsonResult);
    const verdicts = results.map((r) => r.tests.map((t) => `${t.id} ${t.state} ${t.explanation?.message ?? ""}`));
    expect(verdicts[1]).toEqual(verdicts[0]);
    expect(verdicts[2]).toEqual(verdicts[0]);
    const [result] = results;
    expect(result.total).toBe(lessonOneTests());
    expect(result.passed + result.failed).toBe(result.total);
    const reasons = result.tests.filter((t) => t.state === "failed").map((t) => t.explanation?.message ?? "");
    expect(reasons.filter((m) => m.startsWith("stopped after 1 s")).length).toBeGreaterThanOrEqual(3);
    expect(reasons.filter((m) => m.startsWith("took the test process down")).length).toBeGreaterThanOrEqual(1);
    expect(result.passed).toBeGreaterThan(10);
    expect(runs.every((run) => run.code === 1)).toBe(true);
  });

  test("a file that hangs while loading: every test is listed, failed, with the reason", async () => {
    const run = await kit(runtime, "check", ["lesson-1", "--dir", fixture("submissions/hangs-on-load"), "--json"], { env: { CRASH_COURSE_TIME_LIMIT_MS: "1000" } });
    const result = JSON.parse(run.stdout) as JsonResult;
    expect(result).toMatchObject({ passed: 0, failed: lessonOneTests(), total: lessonOneTests() });
    expect(result.tests[0].explanation?.message).toMatch(/^could not run: loading tests\/lesson-1\/cow-list\.test\.ts .*was stopped/);
  });

  test("output the code under test forges on stdout changes nothing", async () => {
    const run = await kit(runtime, "check", ["lesson-1", "--dir", fixture("forges-output")]);
    expect(closingLine(run.stdout)).toEqual({ passed: lessonOneTests() - 1, failed: 1 });
    expect(run.stdout).toMatch(/✗ get\(\) sees a value written with set\(\)\n\s+took the test process down/);
  });
});


describe.each(RUNTIMES)("type errors on %s", (runtime) => {
  test("a type error in the learner's file is a note after the tests, and fails no test", async () => {
    const copy = tempKit();
    try {
      const file = path.join(copy.root, "exercises", "lesson-1", "cow-list.ts");
      const solved = readFileSync(path.join(KIT, "solutions", "lesson-1", "cow-list.ts"), "utf8");
      writeFileSync(file, solved.replace("  get(index: number): T {", "  get(index: number): T {\n    const count: number = \"three\";\n    void count;"));
      const run = await kit(runtime, "check", ["lesson-1"], { cwd: copy.root });
      expect(run.stdout).toMatch(/note: the type checker finds errors in your file[^\n]*\n\s+exercises\/lesson-1\/cow-list\.ts:\d+:\d+ TS2322: Type 'string' is not assignable to type 'number'/);
      expect(closingLine(run.stdout)?.failed).toBe(0);
      expect(run.code).toBe(0);
    } finally {
      copy.remove();
    }
  });
});

describe.each(RUNTIMES)("failures that explain themselves on %s", (runtime) => {
  test.concurrent("two values that print the same: the report says what printing hides", async () => {
    const run = await kit(runtime, "check", ["lesson-1", "--dir", fixture("clones-values")]);
    expect(run.stdout).toMatch(/✗ values are stored by reference, not cloned\n(.*\n){1,5}\s+they print the same but are not the same object/);
  });

  test.concurrent("a model-based failure: the shortest failing sequence, numbered, the step where it first differs, expected and got", async () => {
    const run = await kit(runtime, "check", ["lesson-8", "--dir", fixture("writes-shared-frame")]);
    const story = /✗ any run of spawn, fork, write, read and exit matches eager copying[^\n]*\n\s+the smallest sequence fast-check found that fails:\n((?:\s+\d+\. .*\n)+)\s+at step (\d+): (.*)\n\s+setting: /.exec(run.stdout);
    expect(story, run.stdout).not.toBeNull();
    const [, steps, at, what] = story!;
    expect(steps).toMatch(new RegExp(`\\s${at}\\. .*← the code first differs from the model here`));
    expect(what).toMatch(/the model expected .*, the code gave /);
    expect(run.stdout).not.toMatch(/Counterexample|Hint: Enable verbose mode/);
  });
});
