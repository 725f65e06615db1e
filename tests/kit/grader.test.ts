/**
 * The grader as a learner meets it, spawned on each runtime: exit codes, the closing
 * line, what it prints for each bad input, and that it never writes into exercises/.
 */
import { describe, expect, test } from "vitest";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { KIT, RUNTIMES, closingLine, fixture, kit } from "./support/cli.ts";

function hashTree(dir: string): string {
  const hash = createHash("sha256");
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }).sort((a, b) => (a.parentPath + a.name).localeCompare(b.parentPath + b.name))) {
    if (entry.isFile()) hash.update(entry.name).update(readFileSync(path.join(entry.parentPath, entry.name)));
  }
  return hash.digest("hex");
}

describe.each(RUNTIMES)("check on %s", (runtime) => {
  test.concurrent("grades the untouched lesson-1 skeleton: marks, TODO locations, closing line, exit 1", async () => {
    const before = hashTree(path.join(KIT, "exercises"));
    const run = await kit(runtime, "check", ["lesson-1"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ get\(\) returns the original's values\n\s+TODO\(lesson-1:get\) is still open: exercises\/lesson-1\/cow-list\.ts:\d+/);
    expect(run.stdout).toContain("✓ length is the original's length");
    const closing = closingLine(run.stdout);
    expect(closing?.failed).toBeGreaterThan(0);
    expect(hashTree(path.join(KIT, "exercises"))).toBe(before);
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

  test.concurrent("a syntax error names the file and line", async () => {
    const run = await kit(runtime, "check", ["lesson-1", "--dir", fixture("syntax-error")]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/syntax error in .*syntax-error\/lesson-1\/cow-list\.ts:28:\d+/);
    expect(closingLine(run.stdout)).toEqual({ passed: 0, failed: 1 });
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
    const run = await kit(runtime, "check", []);
    expect(run.stdout).toMatch(/lesson-1\s+Naive copy-on-write.*\d+\/\d+\s+(not started|in progress)\s+← next/);
    expect(run.stdout).toMatch(/overall/);
    expect(closingLine(run.stdout)).toBeDefined();
  });
});
