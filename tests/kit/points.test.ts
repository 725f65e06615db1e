/**
 * Points in proportion (lib/grading/points.ts, the `weights` of lessons/lessons.json):
 * the registry refuses weights that do not add up or that let crash tests count for less
 * than half; points are spread evenly over a group's tests and only passed tests earn
 * them; and, over the real test lists (collected by `vitest list`, the tests as they are
 * now), every test of every lesson falls in exactly one group, and the crash groups of
 * lessons 3–7 and 9 hold tests and carry at least half of the points.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lessons, validateRegistry, type Lesson } from "../../lib/registry.ts";
import { groupsMatching, pointsLine, scoreLesson, withPoints, formatPoints } from "../../lib/grading/points.ts";
import type { LessonResult, TestResult, TestState } from "../../lib/grading/results.ts";
import { stripVTControlCharacters } from "node:util";
import * as report from "../../scripts/core/report.ts";
import { DENO, KIT, NODE, run } from "./support/cli.ts";

// Colours are on wherever picocolors finds a terminal or a CI variable: assert on the words.
const formatLesson = (...args: Parameters<typeof report.formatLesson>) => stripVTControlCharacters(report.formatLesson(...args));
const formatProgress = (...args: Parameters<typeof report.formatProgress>) => stripVTControlCharacters(report.formatProgress(...args));

const CRASH_LESSONS = ["lesson-3", "lesson-4", "lesson-5", "lesson-6", "lesson-7", "lesson-9"];

const base = { id: "lesson-1", title: "t", track: "core", files: ["a.ts"], hints: ["h"], buildsOn: [] };
const registryWith = (weights: unknown) => validateRegistry({ lessons: [{ ...base, weights }] });
const group = (name: string, points: number, match: unknown, crash?: boolean) => ({ name, points, match, ...(crash === undefined ? {} : { crash }) });

describe("the registry checks each lesson's weights", () => {
  test("accepts groups that add up to 100, a matcher given as one object or a list", () => {
    const [lesson] = registryWith({ groups: [group("crash", 60, { file: "crashes.test.ts" }, true), group("rest", 40, [{ describe: "a" }, { file: "x.test.ts", test: "t" }])] });
    expect(lesson.weights?.groups.map((g) => [g.name, g.points, g.crash, g.match.length])).toEqual([["crash", 60, true, 1], ["rest", 40, false, 2]]);
  });

  test.each([
    ["no groups", { groups: [] }, /lesson-1: weights: expected \{ "groups"/],
    ["not an object", 7, /lesson-1: weights: expected/],
    ["points that add up to 90", { groups: [group("a", 50, { file: "a.test.ts" }), group("b", 40, { file: "b.test.ts" })] }, /add up to 90; they must add up to 100/],
    ["crash groups with less than half", { groups: [group("crash", 40, { file: "a.test.ts" }, true), group("b", 60, { file: "b.test.ts" })] }, /crash groups carry 40 points; they must carry at least 50/],
    ["a group without a name", { groups: [group("", 100, { file: "a.test.ts" })] }, /group #1: name is missing/],
    ["a group listed twice", { groups: [group("a", 50, { file: "a.test.ts" }), group("a", 50, { file: "b.test.ts" })] }, /group "a" is listed twice/],
    ["points of 0", { groups: [group("a", 0, { file: "a.test.ts" }), group("b", 100, { file: "b.test.ts" })] }, /group "a": points must be a number above 0/],
    ["points as text", { groups: [group("a", "100" as unknown as number, { file: "a.test.ts" })] }, /group "a": points must be a number/],
    ["crash that is not a boolean", { groups: [group("a", 100, { file: "a.test.ts" }, "yes" as unknown as boolean)] }, /group "a": crash must be true or false/],
    ["no matcher", { groups: [group("a", 100, [])] }, /group "a": match must name the tests/],
    ["an empty matcher", { groups: [group("a", 100, {})] }, /group "a": match #1: give at least one of file, describe, test/],
    ["an unknown matcher field", { groups: [group("a", 100, { files: "a.test.ts" })] }, /match #1: unknown field files/],
    ["a file that is not a test file", { groups: [group("a", 100, { file: "tests/lesson-1/a.test.ts" })] }, /match #1: file must name a test file of the lesson/],
    ["an empty describe", { groups: [group("a", 100, { describe: "" })] }, /match #1: describe must be a non-empty string/],
  ])("refuses %s, naming the lesson and the fault", (_, weights, message) => {
    expect(() => registryWith(weights)).toThrow(TypeError);
    expect(() => registryWith(weights)).toThrow(message);
  });

  test("a lesson without weights is valid (one group of all its tests)", () => {
    expect(validateRegistry({ lessons: [base] })[0].weights).toBeUndefined();
  });
});

/** A lesson with weights and a result whose tests have the given states, by group. */
function fixture(weights: unknown, tests: readonly [file: string, suite: string, name: string, state: TestState][]): { lesson: Lesson; result: LessonResult } {
  const [lesson] = weights === undefined ? validateRegistry({ lessons: [base] }) : registryWith(weights);
  const results: TestResult[] = tests.map(([file, suite, name, state], i) => ({ id: `lesson-1:t${i}`, lesson: "lesson-1", name, suite, file: `tests/lesson-1/${file}`, state }));
  const passed = results.filter((t) => t.state === "passed").length;
  return { lesson, result: { lesson: "lesson-1", title: "t", impl: "exercises", passed, failed: results.length - passed, total: results.length, tests: results, problems: [] } };
}

const SPLIT = { groups: [group("crash consistency", 60, { file: "crashes.test.ts" }, true), group("functional", 40, [{ file: "fs.test.ts" }])] };

describe("scoreLesson", () => {
  test("spreads a group's points evenly over its tests; only passed tests earn", () => {
    const { lesson, result } = fixture(SPLIT, [
      ["crashes.test.ts", "crashes", "a", "passed"],
      ["crashes.test.ts", "crashes", "b", "failed"],
      ["crashes.test.ts", "crashes", "c", "skipped"],
      ["fs.test.ts", "files", "d", "passed"],
      ["fs.test.ts", "files", "e", "passed"],
      ["fs.test.ts", "files", "f", "passed"],
      ["fs.test.ts", "files", "g", "not-run"],
    ]);
    const points = scoreLesson(result, lesson);
    expect(points.groups).toEqual([
      { name: "crash consistency", crash: true, earned: 20, possible: 60, passed: 1, total: 3 },
      { name: "functional", crash: false, earned: 30, possible: 40, passed: 3, total: 4 },
    ]);
    expect(points.earned).toBe(50);
    expect(points.possible).toBe(100);
    expect(pointsLine(points)).toBe("points: 50 of 100 · crash consistency 20/60 · functional 30/40");
  });

  test("a whole group earns exactly its points, and thirds are rounded only for display", () => {
    const { lesson, result } = fixture(SPLIT, [
      ["crashes.test.ts", "s", "a", "passed"], ["crashes.test.ts", "s", "b", "passed"], ["crashes.test.ts", "s", "c", "passed"],
      ["fs.test.ts", "s", "d", "passed"], ["fs.test.ts", "s", "e", "failed"], ["fs.test.ts", "s", "f", "failed"],
    ]);
    const points = scoreLesson(result, lesson);
    expect(points.groups[0].earned).toBe(60);
    expect(points.groups[1].earned).toBeCloseTo(40 / 3, 10);
    expect(pointsLine(points)).toBe("points: 73.3 of 100 · crash consistency 60/60 · functional 13.3/40");
    expect(formatPoints(52.5)).toBe("52.5");
    expect(formatPoints(20)).toBe("20");
  });

  test("failing every crash test leaves at most the other groups' points", () => {
    const { lesson, result } = fixture(SPLIT, [
      ["crashes.test.ts", "s", "a", "failed"],
      ["fs.test.ts", "s", "b", "passed"], ["fs.test.ts", "s", "c", "passed"],
    ]);
    expect(scoreLesson(result, lesson).earned).toBe(40);
  });

  test("a group with no test in the result (its file did not load) earns nothing, and still counts as possible", () => {
    const { lesson, result } = fixture(SPLIT, [["fs.test.ts", "s", "b", "passed"]]);
    const points = scoreLesson(result, lesson);
    expect(points).toMatchObject({ earned: 40, possible: 100 });
    expect(points.groups[0]).toMatchObject({ earned: 0, possible: 60, total: 0 });
  });

  test("matchers combine file, outermost describe and test title", () => {
    const weights = { groups: [
      group("power cuts", 50, [{ file: "fs.test.ts", describe: "durability", test: "survives a power cut" }], true),
      group("rest", 50, [{ file: "fs.test.ts" }]),
    ] };
    const { lesson, result } = fixture(weights, [
      ["fs.test.ts", "durability > nested", "survives a power cut", "passed"],
      ["fs.test.ts", "durability", "flushes once", "failed"],
      ["fs.test.ts", "other > durability", "survives a power cut", "failed"],
    ]);
    expect(result.tests.map((t) => groupsMatching(t, lesson).map((g) => g.name))).toEqual([["power cuts", "rest"], ["rest"], ["rest"]]);
    const points = scoreLesson(result, lesson);
    expect(points.groups.map((g) => [g.passed, g.total])).toEqual([[1, 1], [0, 2]]);
    expect(points.earned).toBe(50);
  });

  test("a lesson without weights is one group of 100 points over all its tests", () => {
    const { lesson, result } = fixture(undefined, [["a.test.ts", "", "a", "passed"], ["b.test.ts", "x", "b", "failed"]]);
    expect(scoreLesson(result, lesson)).toEqual({ earned: 50, possible: 100, groups: [{ name: "tests", crash: false, earned: 50, possible: 100, passed: 1, total: 2 }] });
  });

  test("withPoints sets the result's points from the registry entry of its lesson", () => {
    const lesson = lessons.find((l) => l.id === "lesson-3")!;
    const crashGroup = lesson.weights!.groups.find((g) => g.crash)!;
    const result: LessonResult = {
      lesson: "lesson-3", title: lesson.title, impl: "exercises", passed: 1, failed: 1, total: 2, problems: [],
      tests: [
        { id: "a", lesson: "lesson-3", name: "x", suite: "s", file: `tests/lesson-3/${crashGroup.match[0].file}`, state: "failed" },
        { id: "b", lesson: "lesson-3", name: "y", suite: "s", file: "tests/lesson-3/journaled-fs.test.ts", state: "passed" },
      ],
    };
    expect(withPoints(result).points).toMatchObject({ earned: 100 - crashGroup.points, possible: 100 });
    expect(withPoints({ ...result, lesson: "lesson-99", points: undefined }).points).toBeUndefined();
  });
});

describe("check's report", () => {
  const lesson3 = lessons.find((l) => l.id === "lesson-3")!;
  const crashFile = `tests/lesson-3/${lesson3.weights!.groups.find((g) => g.crash)!.match[0].file}`;
  const result = (states: TestState[], explanation?: TestResult["explanation"]): LessonResult => {
    const tests: TestResult[] = states.map((state, i) => ({
      id: `t${i}`, lesson: "lesson-3", name: `test ${i}`, suite: i < 2 ? "crashes" : "files",
      file: i < 2 ? crashFile : "tests/lesson-3/journaled-fs.test.ts", state, ...(state === "failed" && explanation ? { explanation } : {}),
    }));
    const passed = states.filter((s) => s === "passed").length;
    return { lesson: "lesson-3", title: lesson3.title, impl: "exercises", passed, failed: states.length - passed, total: states.length, tests, problems: [] };
  };

  test("prints the points by group just before the closing line, which stays last", () => {
    const lines = formatLesson(result(["failed", "passed", "passed", "failed"])).split("\n");
    expect(lines.at(-1)).toBe("2 passed, 2 failed");
    expect(lines.at(-2)).toMatch(/^points: 50 of 100 · crash consistency 30\/60 · files without crashes 20\/40$/);
  });

  test("uses the points the runner set, when it set them", () => {
    const graded = { ...result(["passed", "passed"]), points: { earned: 12.34, possible: 100, groups: [] } };
    expect(formatLesson(graded).split("\n").at(-2)).toBe("points: 12.3 of 100");
  });

  test("after the first failing crash test, and only there, points at the crash lab", () => {
    const text = formatLesson(result(["failed", "failed", "failed"], { kind: "error", message: "boom" }));
    const lines = text.split("\n");
    const pointer = lines.findIndex((l) => l.includes("crash lesson-3"));
    expect(pointer).toBeGreaterThan(lines.findIndex((l) => l.includes("test 0")));
    expect(pointer).toBeLessThan(lines.findIndex((l) => l.includes("test 1")));
    expect(text.match(/crash lesson-3/g)).toHaveLength(1);
  });

  test("names the crash lab in the words of the runtime running the kit", () => {
    const pointerOf = () => formatLesson(result(["failed"], { kind: "error", message: "boom" })).split("\n").find((l) => l.includes("crash lesson-3"));
    const global = globalThis as { Deno?: unknown };
    if (global.Deno !== undefined) {
      expect(pointerOf()).toMatch(/deno task crash lesson-3/);
      return;
    }
    expect(pointerOf()).toMatch(/npm run crash lesson-3/);
    global.Deno = {}; // what commandLine() looks for: the same report, printed under Deno
    try {
      expect(pointerOf()).toMatch(/deno task crash lesson-3/);
    } finally {
      delete global.Deno;
    }
  });

  test("says nothing of the crash lab when no crash test fails", () => {
    expect(formatLesson(result(["passed", "passed", "failed"], { kind: "error", message: "boom" }))).not.toMatch(/crash lesson-3/);
  });

  test("the progress table shows each lesson's points, and the sum", () => {
    const table = formatProgress([result(["failed", "passed", "passed", "failed"]), { ...result(["passed", "passed"]), lesson: "lesson-4", title: "four", tests: [], points: { earned: 100, possible: 100 } }]);
    expect(table).toMatch(/lesson-3 .* 50\/100 pts\s+in progress ← next/);
    expect(table).toMatch(/lesson-4 .* 100\/100 pts\s+done/);
    expect(table).toMatch(/overall .* 150\/200 pts/);
  });

  test("a lesson whose files changed since its grade keeps its status word but is not counted done: the next mark stops there", () => {
    const done = (lesson: string) => ({ ...result(["passed", "passed"]), lesson, tests: [], points: { earned: 100, possible: 100 } });
    const table = formatProgress([done("lesson-3"), done("lesson-4")], { changed: new Set(["lesson-3"]) });
    expect(table).toMatch(/lesson-3 .*done \(files changed since\) ← next/);
    expect(formatProgress([done("lesson-3"), done("lesson-4")])).toMatch(/Every lesson is done/);
  });

  test("a failure that tells a power cut's timeline counts as a crash test, whatever its group", () => {
    const timeline = { kind: "error" as const, message: "  3. block 7  journal header\n  ✗ 4. block 9   ← power cut here, never written" };
    const text = formatLesson(result(["passed", "passed", "failed"], timeline));
    expect(text).toMatch(/crash lesson-3/);
  });
});

/** Every test of every lesson as it is now: vitest lists them without running them. */
async function collectTests(): Promise<Map<string, { file: string; suite: string; name: string }[]>> {
  const out = mkdtempSync(path.join(tmpdir(), "crash-course-points-"));
  try {
    const list = path.join(out, "list.json");
    const vitest = path.join(KIT, "node_modules", "vitest", "vitest.mjs");
    const [command, prefix] = NODE && typeof (globalThis as { Deno?: unknown }).Deno === "undefined" ? [NODE, []] : [DENO, ["run", "-A"]];
    const dirs = lessons.map((l) => `tests/${l.id}`);
    // forks: Deno lacks the parentPort.removeAllListeners the threads pool calls at teardown (scripts/test.ts).
    const listed = await run(command, [...prefix, vitest, "list", ...dirs, "--pool=forks", `--json=${list}`], { cwd: KIT });
    if (listed.code !== 0 || !existsSync(list)) throw new Error(`vitest list failed (${listed.code}):\n${listed.stderr}`);
    const byLesson = new Map<string, { file: string; suite: string; name: string }[]>(lessons.map((l) => [l.id, []]));
    for (const entry of JSON.parse(readFileSync(list, "utf8")) as { name: string; file: string }[]) {
      const file = path.relative(KIT, entry.file).split(path.sep).join("/");
      const parts = entry.name.split(" > ");
      byLesson.get(file.split("/")[1])?.push({ file, suite: parts.slice(0, -1).join(" > "), name: parts.at(-1)! });
    }
    return byLesson;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe("the real weights over the real tests", () => {
  let tests: Map<string, { file: string; suite: string; name: string }[]>;
  beforeAll(async () => {
    tests = await collectTests();
  }, 180_000);

  test.each(lessons.map((l) => [l.id, l] as const))("%s: has weights, and every test falls in exactly one group; no group is empty", (_, lesson) => {
    expect(lesson.weights, "lessons.json: weights").toBeDefined();
    const listed = tests.get(lesson.id)!;
    expect(listed.length).toBeGreaterThan(0);
    const misplaced = listed.filter((t) => groupsMatching(t, lesson).length !== 1)
      .map((t) => `${t.file} › ${t.suite} › ${t.name}: in ${groupsMatching(t, lesson).map((g) => g.name).join(", ") || "no group"}`);
    expect(misplaced).toEqual([]);
    for (const g of lesson.weights!.groups) {
      expect(listed.filter((t) => groupsMatching(t, lesson)[0] === g).length, `tests in group "${g.name}"`).toBeGreaterThan(0);
    }
  });

  test.each(CRASH_LESSONS)("%s: crash tests carry at least half, so failing them all earns at most half", (id) => {
    const lesson = lessons.find((l) => l.id === id)!;
    const listed = tests.get(id)!;
    const crashGroups = lesson.weights!.groups.filter((g) => g.crash);
    expect(crashGroups.length).toBeGreaterThan(0);
    const failedCrashTests = listed.map((t, i): TestResult => ({
      id: `t${i}`, lesson: id, ...t, state: groupsMatching(t, lesson)[0]?.crash ? "failed" : "passed",
    }));
    const points = scoreLesson({ tests: failedCrashTests }, lesson);
    expect(points.possible).toBe(100);
    expect(points.earned).toBeLessThanOrEqual(50);
  });
});
