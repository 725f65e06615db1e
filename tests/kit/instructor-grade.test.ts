/**
 * `npm run grade` as an instructor runs it, on Node and on Deno, over the fixture class in
 * tests/kit/fixtures/submissions: every row of the result (status and points), the CSV
 * and JSON files, Gradescope's results.json for one submission, the usage errors, and
 * that grading leaves the instructor's tree exactly as it was, even though one
 * submission writes outside its folder.
 *
 * One grade run per runtime, both started at once and shared by the assertions: a run
 * takes about the per-submission time limit, which the hanging fixture always uses up.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RUNTIMES, kit, type Run, type Runtime } from "./support/cli.ts";
import { tempKit } from "./support/temp-kit.ts";

/**
 * The class is graded by a copy of the kit, so that the check "nothing in the
 * instructor's tree changed" covers every file without racing anyone editing this one.
 */
const instructor = tempKit();
const ROOT = instructor.root;
const CLASS = path.join(ROOT, "tests", "kit", "fixtures", "submissions");
/** Long enough for a correct submission on a busy 2-core machine; the hanging one uses it all. */
const TIMEOUT_S = "25";

interface GradeFile {
  pointsPerTest: number;
  lessons: { id: string; maxPoints: number }[];
  submissions: {
    learner: string;
    status: string;
    points: number;
    maxPoints: number;
    lessons: { lesson: string; status: string; passed: number; total: number; detail?: string; result?: { tests: { id: string; state: string }[] } }[];
  }[];
}

interface ClassRun {
  run: Run;
  json: GradeFile;
  csv: string;
  changed: string[];
}

/** Every file of a kit copy (node_modules aside), with its SHA-256. */
function treeHashes(root: string): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const file = path.join(e.parentPath, e.name);
    const rel = path.relative(root, file);
    if (!e.isFile() || rel.startsWith("node_modules")) continue;
    hashes.set(rel, createHash("sha256").update(readFileSync(file)).digest("hex"));
  }
  return hashes;
}

/** Files added, removed or changed between two snapshots of the tree. */
function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((f) => before.get(f) !== after.get(f)).sort();
}

const out = mkdtempSync(path.join(tmpdir(), "crash-course-grade-test-"));
const runs = new Map<Runtime, ClassRun>();

beforeAll(async () => {
  const before = treeHashes(ROOT);
  await Promise.all(RUNTIMES.map(async (runtime) => {
    const json = path.join(out, `${runtime}.json`);
    const csv = path.join(out, `${runtime}.csv`);
    const run = await kit(runtime, "grade", [CLASS, "--timeout", TIMEOUT_S, "--memory", "512", "--json", json, "--csv", csv], { cwd: ROOT });
    runs.set(runtime, {
      run,
      json: existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) : undefined,
      csv: existsSync(csv) ? readFileSync(csv, "utf8") : "",
      changed: [],
    });
  }));
  const changed = changedFiles(before, treeHashes(ROOT));
  for (const r of runs.values()) r.changed = changed;
}, 300_000);

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  instructor.remove();
});

describe.each(RUNTIMES)("grade on %s", (runtime) => {
  const get = () => runs.get(runtime)!;
  const row = (learner: string) => get().json.submissions.find((s) => s.learner === learner)!;

  test("grades every fixture submission and exits 0", () => {
    const { run, json } = get();
    expect(run.code, run.stderr).toBe(0);
    expect(json.pointsPerTest).toBe(1);
    expect(json.lessons.map((l) => l.id)).toEqual(["lesson-1"]);
    expect(json.submissions.map((s) => s.learner)).toEqual([
      "correct", "crashes-process", "endless-loop", "hangs-on-load", "memory-hog", "no-exercises",
      "partial", "syntax-error", "tampered-tests", "untouched", "writes-outside",
    ]);
  });

  test("every row has the right status and points", () => {
    const max = get().json.lessons[0].maxPoints;
    expect(max).toBeGreaterThan(10);
    const untouched = row("untouched").points;
    const partial = row("partial").points;
    expect(untouched).toBeGreaterThanOrEqual(0);
    expect(partial).toBeGreaterThan(untouched);
    expect(partial).toBeLessThan(max);
    const expected: Record<string, [status: string, points: number]> = {
      "correct": ["graded", max],
      "crashes-process": ["crashed", 0],
      "endless-loop": ["test time limit", max - 1],
      "hangs-on-load": ["timed out", 0],
      "memory-hog": ["out of memory", 0],
      "no-exercises": ["no exercises", 0],
      "partial": ["graded", partial],
      "syntax-error": ["compile error", 0],
      "tampered-tests": ["graded", untouched], // the learner's always-passing test file is never run
      "untouched": ["graded", untouched],
      "writes-outside": ["graded", max],
    };
    for (const s of get().json.submissions) {
      expect({ learner: s.learner, status: s.status, points: s.points, maxPoints: s.maxPoints })
        .toEqual({ learner: s.learner, status: expected[s.learner][0], points: expected[s.learner][1], maxPoints: max });
      expect(s.lessons[0].passed).toBe(s.points);
    }
  });

  test("a failed run says why: the signal, the time limit, the file and line of a syntax error", () => {
    expect(row("crashes-process").lessons[0].detail).toMatch(/SIGKILL/);
    expect(row("hangs-on-load").lessons[0].detail).toBe(`stopped after ${TIMEOUT_S} s`);
    expect(row("syntax-error").lessons[0].detail).toMatch(/^syntax error in exercises\/lesson-1\/cow-list\.ts:28:\d+/);
    expect(row("endless-loop").lessons[0].detail).toBe("1 test stopped by the time limit");
    expect(row("no-exercises").lessons[0].status).toBe("not submitted");
  });

  test("each graded test keeps its stable id", () => {
    const tests = row("correct").lessons[0].result!.tests;
    expect(tests.length).toBe(row("correct").maxPoints);
    expect(tests[0].id).toBe("lesson-1:reading-before-any-write/get-returns-the-original-s-values");
    expect(tests.every((t) => t.state === "passed")).toBe(true);
  });

  test("prints the Markdown table: a row per learner, passed/total per lesson, points, status", () => {
    const { run, json } = get();
    const max = json.lessons[0].maxPoints;
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^\| learner\s+\| lesson-1 \| points\s+\| status\s+\|$/);
    expect(lines[1]).toMatch(/^\|-+\|-+:\|-+:\|-+\|$/);
    for (const s of json.submissions) {
      const cell = s.status === "no exercises" ? "—" : `${s.points}/${max}`;
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\| ${s.learner}\\s+\\|\\s+${cell} \\|\\s+${s.points}/${max} \\| ${s.status}\\s+\\|$`)));
    }
    expect(run.stdout).toMatch(/11 submissions graded in [\d.]+ s on \w+/);
  });

  test("writes the CSV: a header and one line per learner", () => {
    const { csv, json } = get();
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("learner,lesson-1,points,max_points,status");
    expect(lines.slice(1)).toEqual(json.submissions.map((s) => `${s.learner},${s.points},${s.points},${s.maxPoints},${s.status}`));
  });

  test("leaves the instructor's tree unchanged, though a submission wrote outside its folder", () => {
    expect(get().changed).toEqual([]);
    expect(existsSync(path.join(ROOT, "tests", "lesson-1", "planted.test.ts"))).toBe(false);
    expect(existsSync(path.join(ROOT, "lib", "planted.txt"))).toBe(false);
    expect(existsSync(path.join(CLASS, "written-beside-the-kit.txt"))).toBe(false);
  });
});

describe.each(RUNTIMES)("grade --gradescope on %s", (runtime) => {
  test.concurrent("writes results.json for one submission: score, max_score, and every test with its output", async () => {
    const file = path.join(out, `gradescope-${runtime}.json`);
    const visibility = runtime === "node" ? [] : ["--visibility", "after_published"];
    const run = await kit(runtime, "grade", [path.join(CLASS, "partial"), "--gradescope", file, ...visibility], { cwd: ROOT });
    expect(run.code, run.stderr).toBe(0);
    const results = JSON.parse(readFileSync(file, "utf8"));
    expect(results.max_score).toBe(results.tests.length);
    expect(results.score).toBe(results.tests.filter((t: { status: string }) => t.status === "passed").length);
    expect(results.score).toBeGreaterThan(0);
    expect(results.score).toBeLessThan(results.max_score);
    for (const t of results.tests) {
      expect(Object.keys(t).sort()).toEqual(["max_score", "name", "number", "output", "score", "status", "visibility"]);
      expect(t).toMatchObject({ max_score: 1, visibility: runtime === "node" ? "visible" : "after_published", score: t.status === "passed" ? 1 : 0 });
      expect(t.name).toMatch(/^lesson-1 › /);
    }
    const counters = results.tests.find((t: { name: string }) => t.name.endsWith("isCopied turns true with the first write"));
    expect(counters).toMatchObject({ status: "failed", output: expect.stringMatching(/^TODO\(lesson-1:counters\) is still open: exercises\/lesson-1\/cow-list\.ts:\d+$/) });
  }, 120_000);
});

describe.each(RUNTIMES)("grade usage errors on %s", (runtime) => {
  test.concurrent("bad folders, bad flags and --help", async () => {
    const [missing, notFolder, empty, unknown, badJobs, badLesson, manyForGradescope, badVisibility, help] = await Promise.all([
      kit(runtime, "grade", [path.join(out, "nowhere")]),
      kit(runtime, "grade", [path.join(CLASS, "no-exercises", "NOTES.md")]),
      kit(runtime, "grade", [path.join(CLASS, "no-exercises")]),
      kit(runtime, "grade", [CLASS, "--csvv", "x.csv"]),
      kit(runtime, "grade", [CLASS, "--jobs", "0"]),
      kit(runtime, "grade", [CLASS, "--lessons", "lesson-1,lesson-99"]),
      kit(runtime, "grade", [CLASS, "--gradescope", path.join(out, "gs.json")]),
      kit(runtime, "grade", [path.join(CLASS, "partial"), "--gradescope", path.join(out, "gs.json"), "--visibility", "secret"]),
      kit(runtime, "grade", ["--help"]),
    ]);
    expect([missing, notFolder, empty, unknown, badJobs, badLesson, manyForGradescope, badVisibility].map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
    expect(missing.stderr).toContain("no such folder:");
    expect(notFolder.stderr).toContain("is not a folder");
    expect(empty.stderr).toContain("holds no submissions");
    expect(unknown.stderr).toContain("unknown flag --csvv");
    expect(badJobs.stderr).toContain('--jobs needs a positive whole number, not "0"');
    expect(badLesson.stderr).toContain('unknown lesson "lesson-99"');
    expect(manyForGradescope.stderr).toContain("--gradescope writes one submission's results");
    expect(badVisibility.stderr).toContain("--visibility must be one of visible, hidden, after_due_date, after_published");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: npm run grade <folder>");
  }, 120_000);
});
