/**
 * The instructor tools besides `grade`, spawned as an instructor runs them on Node and on
 * Deno: `compare` (both grades, the failing tests, a coloured diff against the solution),
 * the release manifest (the committed one is up to date; `check` marks a result
 * "unofficial" when a learner's copy of the hidden tests differs), and the pure
 * formatting of a class's grades.
 */
import { afterAll, describe, expect, test } from "vitest";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { KIT, RUNTIMES, SLOW_MACHINE_LIMIT, fixture, kit } from "./support/cli.ts";
import { tempKit } from "./support/temp-kit.ts";
import { groupOf, hashFile, manifestDifferences, markUnofficial, readManifest, writeManifest } from "../../scripts/core/integrity.ts";
import { lessonGrade, toCsv, toMarkdown, type LessonGrade, type SubmissionGrade } from "../../scripts/core/class-grades.ts";
import type { LessonResult } from "../../lib/grading/results.ts";
import { lessons } from "../../lib/registry.ts";
import { staleSkeletonHashes } from "../../scripts/core/shipped.ts";

const partial = fixture(path.join("submissions", "partial"));

describe.each(RUNTIMES)("compare on %s", (runtime) => {
  test.concurrent("shows both grades, the failing tests with why, and the diff against the solution", async () => {
    const run = await kit(runtime, "compare", ["lesson-1", partial]);
    expect(run.code, run.stderr).toBe(0);
    const grades = /^learner (\d+)\/(\d+), reference (\d+)\/(\d+)$/m.exec(run.stdout);
    expect(grades).not.toBeNull();
    const [learner, total, reference, referenceTotal] = grades!.slice(1).map(Number);
    expect({ total, reference, referenceTotal }).toEqual({ total, reference: total, referenceTotal: total });
    expect(learner).toBeGreaterThan(0);
    expect(learner).toBeLessThan(total);
    expect(run.stdout).toContain(`failing (${total - learner}):`);
    expect(run.stdout).toMatch(/✗ writing › isCopied turns true with the first write\n\s+TODO\(lesson-1:counters\) is still open: tests\/kit\/fixtures\/submissions\/partial\/lesson-1\/cow-list\.ts:\d+/);
    expect(run.stdout).not.toContain("✗ reading before any write › get() returns the original's values");
    expect(run.stdout).toContain("--- solutions/lesson-1/cow-list.ts (reference)\n+++ tests/kit/fixtures/submissions/partial/lesson-1/cow-list.ts (learner)");
    expect(run.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    expect(run.stdout).toContain("\n-    return this.#overlay.size > 0;\n");
    expect(run.stdout).toContain('\n+    throw todo("lesson-1:counters");\n');
  }, SLOW_MACHINE_LIMIT);

  test.concurrent("takes a learner's kit copy, or defaults to this kit's exercises/", async () => {
    const [kitCopy, own] = await Promise.all([
      kit(runtime, "compare", ["1", fixture(path.join("submissions", "correct"))]),
      kit(runtime, "compare", ["lesson-1"]),
    ]);
    expect(kitCopy.stdout).toMatch(/^learner (\d+)\/\1, reference \1\/\1$/m);
    expect(kitCopy.stdout).toContain("no failing tests");
    expect(kitCopy.stdout).toContain("tests/kit/fixtures/submissions/correct/exercises/lesson-1/cow-list.ts (learner): identical to the reference");
    expect(own.code).toBe(0);
    expect(own.stdout).toMatch(/^learner \d+\/\d+, reference \d+\/\d+$/m);
    expect(own.stdout).toContain("+++ exercises/lesson-1/cow-list.ts (learner)");
  }, SLOW_MACHINE_LIMIT);

  test.concurrent("bad paths and flags are usage errors (exit 2); --help exits 0", async () => {
    const [missing, noLesson, unknown, noArgs, help] = await Promise.all([
      kit(runtime, "compare", ["lesson-1", path.join(KIT, "no-such-folder")]),
      kit(runtime, "compare", ["lesson-1", fixture(path.join("submissions", "no-exercises"))]),
      kit(runtime, "compare", ["lesson-1", "--diff"]),
      kit(runtime, "compare", []),
      kit(runtime, "compare", ["--help"]),
    ]);
    expect([missing, noLesson, unknown, noArgs].map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(missing.stderr).toContain("no such folder:");
    expect(noLesson.stderr).toMatch(/has no lesson-1\/ folder; give a learner's kit or its exercises\/ folder/);
    expect(unknown.stderr).toContain("unknown flag --diff");
    expect(noArgs.stderr).toContain("which lesson?");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: npm run compare <lesson> [path]");
  }, SLOW_MACHINE_LIMIT);
});

test("compare colours its diff in a terminal", async () => {
  const run = await kit("node", "compare", ["lesson-1", partial], { colour: true });
  expect(run.stdout).toContain("\x1b[31m-    return this.#overlay.size > 0;\x1b[39m");
  expect(run.stdout).toContain('\x1b[32m+    throw todo("lesson-1:counters");\x1b[39m');
  expect(run.stdout).toMatch(/\x1b\[36m@@ -\d+,\d+ \+\d+,\d+ @@\x1b\[39m/);
}, SLOW_MACHINE_LIMIT);

describe("the release manifest", () => {
  test("manifest.json matches the kit's hidden tests, lib/ and config (else: npm run manifest)", () => {
    expect(readManifest(), "manifest.json is missing: run npm run manifest").toBeDefined();
    expect(manifestDifferences(), "manifest.json is stale: run npm run manifest").toEqual([]);
    // Against the shipped skeletons, not the working files: a learner's solved lessons are not a stale manifest.
    const exerciseFiles = lessons.flatMap((l) => l.files.map((f) => `exercises/${l.id}/${f}`));
    expect(staleSkeletonHashes(exerciseFiles), "manifest.json's skeleton hashes are stale: run npm run manifest").toEqual([]);
  });

  test("names a lesson's test folder as a whole, other files one by one", () => {
    expect(groupOf("tests/lesson-3/crashes.test.ts")).toBe("tests/lesson-3");
    expect(groupOf("tests/support/iterate.ts")).toBe("tests/support");
    expect(groupOf("lib/sim-disk.ts")).toBe("lib/sim-disk.ts");
    expect(groupOf("vitest.config.ts")).toBe("vitest.config.ts");
  });

  const scratch = mkdtempSync(path.join(tmpdir(), "crash-course-manifest-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("hashes ignore CRLF line endings and see any other change", () => {
    writeFileSync(path.join(scratch, "lf.ts"), "a\nb\n");
    writeFileSync(path.join(scratch, "crlf.ts"), "a\r\nb\r\n");
    writeFileSync(path.join(scratch, "other.ts"), "a\nc\n");
    expect(hashFile(path.join(scratch, "crlf.ts"))).toBe(hashFile(path.join(scratch, "lf.ts")));
    expect(hashFile(path.join(scratch, "other.ts"))).not.toBe(hashFile(path.join(scratch, "lf.ts")));
  });

  test("marks only the results a difference can affect: its own lesson's tests, lib/ and config", () => {
    const root = path.join(scratch, "kit");
    for (const [file, text] of [["tests/lesson-1/a.test.ts", "1"], ["tests/lesson-2/b.test.ts", "2"], ["lib/x.ts", "x"], ["vitest.config.ts", "c"]]) {
      const full = path.join(root, file);
      writeNested(full, text);
    }
    writeManifest(root);
    const result = (lesson: string) => ({ lesson, title: "", impl: "", passed: 0, failed: 0, total: 0, tests: [], problems: [] }) as LessonResult;
    let results = [result("lesson-1"), result("lesson-2")];
    markUnofficial(results, root);
    expect(results.map((r) => r.unofficial)).toEqual([undefined, undefined]);
    appendFileSync(path.join(root, "tests/lesson-2/b.test.ts"), "changed");
    writeNested(path.join(root, "tests/lesson-2/extra.test.ts"), "added");
    results = [result("lesson-1"), result("lesson-2")];
    markUnofficial(results, root);
    expect(results.map((r) => r.unofficial)).toEqual([undefined, ["tests/lesson-2"]]);
    rmSync(path.join(root, "lib/x.ts"));
    results = [result("lesson-1"), result("lesson-2")];
    markUnofficial(results, root);
    expect(results.map((r) => r.unofficial)).toEqual([["lib/x.ts"], ["lib/x.ts", "tests/lesson-2"]]);
  });
});

function writeNested(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

describe.each(RUNTIMES)("check against the manifest on %s", (runtime) => {
  test.concurrent("a learner's kit whose hidden tests changed gets an unofficial result", async () => {
    const copy = tempKit();
    try {
      const manifest = await kit(runtime, "manifest", [], { cwd: copy.root });
      expect(manifest.stdout).toMatch(/^wrote manifest\.json: \d+ files hashed, \d+ tests listed$/m);
      const clean = await kit(runtime, "check", ["lesson-1", "--solutions", "--json"], { cwd: copy.root });
      expect(JSON.parse(clean.stdout).unofficial).toBeUndefined();
      expect((await kit(runtime, "manifest", ["--check"], { cwd: copy.root })).code).toBe(0);

      appendFileSync(path.join(copy.root, "tests", "lesson-1", "cow-list.test.ts"), "\n// a learner was here\n");
      const [json, text, stale] = await Promise.all([
        kit(runtime, "check", ["lesson-1", "--solutions", "--json"], { cwd: copy.root }),
        kit(runtime, "check", ["lesson-1", "--solutions"], { cwd: copy.root }),
        kit(runtime, "manifest", ["--check"], { cwd: copy.root }),
      ]);
      expect(JSON.parse(json.stdout).unofficial).toEqual(["tests/lesson-1"]);
      expect(text.stdout).toContain("unofficial: tests/lesson-1 changed");
      expect(stale.code).toBe(1);
      expect(stale.stdout).toContain("manifest.json is stale; these differ: tests/lesson-1");

      const [unknown, extra, help] = await Promise.all([
        kit(runtime, "manifest", ["--write"], { cwd: copy.root }),
        kit(runtime, "manifest", ["lesson-1"], { cwd: copy.root }),
        kit(runtime, "manifest", ["--help"], { cwd: copy.root }),
      ]);
      expect([unknown.code, extra.code, help.code]).toEqual([2, 2, 0]);
      expect(unknown.stderr).toContain("unknown flag --write");
      expect(extra.stderr).toContain('unexpected argument "lesson-1"');
      expect(help.stdout).toContain("usage: npm run manifest");
    } finally {
      copy.remove();
    }
  }, SLOW_MACHINE_LIMIT);
});

describe("class grade formats", () => {
  const lesson = (id: string, passed: number, points: number, extra: Partial<LessonGrade> = {}): LessonGrade => ({
    lesson: id, status: "graded", passed, total: 12, points, maxPoints: 100, ...extra,
  });
  const grade = (learner: string, status: string, lessons: LessonGrade[]): SubmissionGrade => ({
    learner, path: `/class/${learner}`, status, lessons,
    points: lessons.reduce((n, l) => n + l.points, 0), maxPoints: lessons.reduce((n, l) => n + l.maxPoints, 0),
  });

  test("the Markdown table: tests per lesson, weighted points, status, untouched and identical lessons; a | in a name escaped", () => {
    const rows = [
      grade("ana", "graded", [lesson("lesson-3", 7, 37.5, { identical: false }), lesson("lesson-4", 12, 100, { identical: true })]),
      grade("b|c", "flagged (lesson-3)", [
        lesson("lesson-3", 0, 0, { status: "flagged", findings: ["exercises/lesson-3/journaled-fs.ts:3: uses process: no lesson needs it"] }),
        lesson("lesson-4", 0, 0, { status: "not submitted" }),
      ]),
      grade("dan", "graded", [lesson("lesson-3", 2, 10, { untouched: true }), lesson("lesson-4", 2, 10, { untouched: true })]),
    ];
    expect(toMarkdown(rows, ["lesson-3", "lesson-4"])).toBe([
      "| learner | lesson-3 | lesson-4 |    points | status             | untouched         | identical |",
      "|---------|---------:|---------:|----------:|--------------------|-------------------|-----------|",
      "| ana     |     7/12 |    12/12 | 137.5/200 | graded             | —                 | lesson-4  |",
      "| b\\|c    |     0/12 |        — |     0/200 | flagged (lesson-3) | —                 | —         |",
      "| dan     |     2/12 |     2/12 |    20/200 | graded             | lesson-3 lesson-4 | —         |",
    ].join("\n"));
  });

  test("the CSV: each lesson's points, empty when not submitted; notes carry findings and missing files; fields quoted", () => {
    const rows = [
      grade('o"neil, j', "flagged (lesson-3)", [
        lesson("lesson-3", 0, 0, { status: "flagged", findings: ["exercises/lesson-3/journaled-fs.ts:3: uses process: no lesson needs it"] }),
        lesson("lesson-4", 0, 0, { status: "not submitted" }),
      ]),
      grade("eve", "missing files (lesson-4)", [
        lesson("lesson-3", 12, 100, { identical: true }),
        lesson("lesson-4", 0, 0, { status: "missing files", detail: "expected lesson-4/tx-fs.ts; found txfs.ts" }),
      ]),
    ];
    expect(toCsv(rows, ["lesson-3", "lesson-4"])).toBe([
      "learner,lesson-3,lesson-4,points,max_points,status,untouched,identical_to_reference,notes",
      '"o""neil, j",0,,0,200,flagged (lesson-3),,,lesson-3: exercises/lesson-3/journaled-fs.ts:3: uses process: no lesson needs it',
      "eve,100,0,100,200,missing files (lesson-4),,lesson-3,lesson-4: expected lesson-4/tx-fs.ts; found txfs.ts",
      "",
    ].join("\n"));
  });
});

describe("a lesson's grade from its outcome", () => {
  // A lesson the registry does not know: one point per test, whatever the weights of real lessons.
  const reference = { lesson: "lesson-99", title: "t", impl: "solutions", passed: 3, failed: 0, total: 3, tests: [], problems: [] };
  const verdict = (name: string, state: "passed" | "failed", message?: string, kind: "error" | "time-limit" = "error") =>
    ({ id: name, lesson: "lesson-99", name, suite: "", file: "f", state, ...(message ? { explanation: { kind, message } } : {}) }) as const;
  const result = (tests: ReturnType<typeof verdict>[], problems: { file: string; message: string }[] = []) => ({
    ...reference, impl: "exercises", tests: [...tests], problems,
    passed: tests.filter((t) => t.state === "passed").length, failed: tests.filter((t) => t.state !== "passed").length,
  });

  test("flagged and not submitted score 0 of the reference's maximum; flagged keeps its findings", () => {
    expect(lessonGrade({ lesson: "lesson-99", run: "flagged", findings: ["a:1: uses eval"] }, reference))
      .toMatchObject({ status: "flagged", passed: 0, points: 0, maxPoints: 3, total: 3, findings: ["a:1: uses eval"], detail: "a:1: uses eval" });
    expect(lessonGrade(undefined, reference)).toMatchObject({ status: "not submitted", points: 0, maxPoints: 3 });
  });

  test("a complete run is graded test by test; the worst trouble names the status and counts it", () => {
    const stopped = result([verdict("a", "passed"), verdict("b", "failed", "stopped after 5 s without finishing", "time-limit"), verdict("c", "passed")]);
    expect(lessonGrade({ lesson: "lesson-99", run: "graded", result: stopped }, reference))
      .toMatchObject({ status: "test time limit", passed: 2, points: 2, detail: "1 test stopped by the time limit" });
    const died = result([verdict("a", "failed", "took the test process down (killed by SIGKILL)"), verdict("b", "failed", "ran out of memory: it took the test process down"), verdict("c", "passed")]);
    expect(lessonGrade({ lesson: "lesson-99", run: "graded", result: died }, reference))
      .toMatchObject({ status: "out of memory", passed: 1, detail: "1 test ran out of memory" });
    const broken = result([verdict("a", "failed", "did not run")], [{ file: "f", message: "syntax error in exercises/lesson-99/x.ts:3:1: Expected ;" }]);
    expect(lessonGrade({ lesson: "lesson-99", run: "graded", result: broken }, reference))
      .toMatchObject({ status: "compile error", passed: 0, detail: "syntax error in exercises/lesson-99/x.ts:3:1: Expected ;" });
  });

  test("weighted points come from the result when it has them", () => {
    const weighted = { ...result([verdict("a", "passed"), verdict("b", "failed", "x"), verdict("c", "passed")]), points: { earned: 62.5, possible: 100 } };
    const ref = { ...reference, points: { earned: 100, possible: 100 } };
    expect(lessonGrade({ lesson: "lesson-99", run: "graded", result: weighted }, ref)).toMatchObject({ passed: 2, points: 62.5, maxPoints: 100 });
  });
});
