/**
 * `npm run mutate`, without running StrykerJS (minutes per lesson): its arguments, the
 * equivalents files, the TODO regions it derives from skeleton and solution, and the
 * scores it computes from mutant results.
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import {
  formatReport, functionSpans, parseEquivalents, score, summarize, todoRegions, type Mutant,
} from "../../scripts/core/mutate-report.ts";
import { lessons } from "../../lib/registry.ts";
import { KIT, SLOW_MACHINE_LIMIT, kit } from "./support/cli.ts";

const read = (...parts: string[]) => readFileSync(path.join(KIT, ...parts), "utf8");

describe("arguments", () => {
  test("a missing or unknown lesson and a bad --concurrency are usage errors (exit 2), before any install", async () => {
    const cases = [[], ["lesson-99"], ["lesson-9", "--concurrency", "0"], ["lesson-9", "--concurrency", "many"], ["lesson-9", "--bogus"]];
    const runs = await Promise.all(cases.map((args) => kit("node", "mutate", args)));
    runs.forEach((run, i) => {
      expect(run.code, `mutate ${cases[i].join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(/error:/);
      expect(run.stdout, "nothing was installed or run").not.toMatch(/installing|Mutation testing/);
    });
  }, SLOW_MACHINE_LIMIT);
});

describe("equivalents files", () => {
  const valid = { file: "solutions/lesson-9/concurrent-fs.ts", source: "  if (a > b) x();", mutator: "EqualityOperator", replacement: "a >= b", reason: "ages are unique" };

  test("an entry names file, source line, mutator, replacement and a one-line reason", () => {
    const [entry] = parseEquivalents(JSON.stringify({ equivalents: [valid] }), "x.json");
    expect(entry).toEqual({ ...valid, source: "if (a > b) x();" });
  });

  test("a malformed file or entry is refused with the entry and field named", () => {
    expect(() => parseEquivalents("{ nope", "x.json")).toThrow(/x\.json: not valid JSON/);
    expect(() => parseEquivalents("[]", "x.json")).toThrow(/expected \{ "equivalents"/);
    const { reason: _, ...noReason } = valid;
    expect(() => parseEquivalents(JSON.stringify({ equivalents: [valid, noReason] }), "x.json")).toThrow(/entry #2 needs a non-empty string "reason"/);
    expect(() => parseEquivalents(JSON.stringify({ equivalents: [{ ...valid, reason: "one\ntwo" }] }), "x.json")).toThrow(/one line/);
    expect(() => parseEquivalents(JSON.stringify({ equivalents: [valid, { ...valid, reason: "again" }] }), "x.json")).toThrow(/entry #2 repeats entry #1/);
  });

  test("every lesson's equivalents file parses, and names its own lesson's solution files", () => {
    for (const lesson of lessons) {
      const file = path.join("tests", lesson.id, "equivalent-mutants.json");
      if (!existsSync(path.join(KIT, file))) continue;
      for (const e of parseEquivalents(read(file), file)) {
        expect(lesson.files.map((f) => `solutions/${lesson.id}/${f}`), `${file}: ${e.source}`).toContain(e.file);
      }
    }
  });
});

describe("TODO regions", () => {
  const skeleton = [
    "export class Store {",
    "  get(key: string): number {",
    "    // TODO(lesson-4:get): the value",
    "    throw new Error(\"TODO\");",
    "  }",
    "",
    "  /** TODO(lesson-4:put): stores it */",
    "  put(key: string, value: number): void {",
    "    throw new Error(\"TODO\");",
    "  }",
    "}",
    "",
    "function helper(): void {",
    "  // TODO(lesson-4:get): second half",
    "}",
  ].join("\n");
  const solution = [
    "export class Store {",
    "  #map = new Map<string, number>();",
    "",
    "  put(key: string, value: number): void {",
    "    this.#map.set(key, value);",
    "    notify(key);",
    "  }",
    "",
    "  get(key: string): number {",
    "    return this.#map.get(key) ?? 0;",
    "  }",
    "}",
    "",
    "function helper(): void {",
    "  return;",
    "}",
  ].join("\n");

  test("methods and functions are found with their class; calls are not methods", () => {
    expect(functionSpans(solution)).toEqual([
      { name: "put", className: "Store", start: 4, end: 7 },
      { name: "get", className: "Store", start: 9, end: 11 },
      { name: "helper", className: undefined, start: 14, end: 16 },
    ]);
  });

  test("a TODO inside a method, or in the comment above one, marks the solution's method of that name", () => {
    const { regions, missing } = todoRegions("lesson-4", skeleton, solution);
    expect(regions.map((r) => [r.todo, r.name, r.start, r.end])).toEqual([["get", "get", 9, 11], ["put", "put", 4, 7], ["get", "helper", 14, 16]]);
    expect(missing).toEqual([]);
    expect(todoRegions("lesson-4", skeleton, solution.replace("function helper", "function renamed")).missing).toEqual(["TODO(lesson-4:get) in helper"]);
  });

  test("every TODO of every lesson's skeleton has its method in the solution", () => {
    for (const lesson of lessons) {
      for (const file of lesson.files) {
        const { regions, missing } = todoRegions(lesson.id, read("exercises", lesson.id, file), read("solutions", lesson.id, file));
        expect(missing, `${lesson.id}/${file}`).toEqual([]);
        expect(regions.length, `${lesson.id}/${file}: TODO regions`).toBeGreaterThan(0);
      }
    }
  });

  test("lesson 9's regions are the lock manager's and the batcher's TODO methods", () => {
    const { regions } = todoRegions("lesson-9", read("exercises/lesson-9/concurrent-fs.ts"), read("solutions/lesson-9/concurrent-fs.ts"));
    expect(regions.map((r) => `${r.todo}:${r.className}.${r.name}`).sort()).toEqual([
      "group-commit:GroupCommitter.#flushLoop", "group-commit:GroupCommitter.commit", "locks:LockManager.acquire", "locks:LockManager.releaseAll",
    ]);
  });
});

describe("scores and report", () => {
  const source = "function f(a: number) {\n  if (a > 1) return 1;\n  return 2;\n}\n";
  const at = (line: number, status: string, replacement = "true"): Mutant => ({
    file: "solutions/lesson-1/f.ts", line, column: 7, endLine: line, endColumn: 12, mutator: "ConditionalExpression", replacement, status,
  });
  const regions = new Map([["solutions/lesson-1/f.ts", [{ todo: "lesson-1:f", name: "f", start: 1, end: 3 }]]]);
  const sources = new Map([["solutions/lesson-1/f.ts", source]]);

  test("killed and timed-out mutants are detected; ignored and invalid ones leave the count; equivalents raise the explained score", () => {
    const mutants = [at(2, "Killed"), at(2, "Timeout", "false"), at(2, "Survived"), at(3, "NoCoverage"), at(2, "Ignored"), at(2, "CompileError"), at(4, "Survived", "x")];
    const equivalents = [{ file: "solutions/lesson-1/f.ts", source: "if (a > 1) return 1;", mutator: "ConditionalExpression", replacement: "true", reason: "r" },
      { file: "solutions/lesson-1/f.ts", source: "gone();", mutator: "ConditionalExpression", replacement: "true", reason: "stale" }];
    const summary = summarize(mutants, { regions, sources, equivalents });
    expect(summary.whole).toEqual({ detected: 2, timedOut: 1, survived: 2, noCoverage: 1, explained: 1 });
    expect(summary.todo).toEqual({ detected: 2, timedOut: 1, survived: 1, noCoverage: 1, explained: 1 });
    expect(score(summary.whole)).toBeCloseTo(40);
    expect(score(summary.whole, true)).toBeCloseTo(50);
    expect(score(summary.todo, true)).toBeCloseTo(2 / 3 * 100);
    expect(summary.survivors.find((s) => s.explainedBy)?.original).toBe("a > 1");
    expect(summary.stale.map((e) => e.reason)).toEqual(["stale"]);
    const text = formatReport(summary, { title: "t", equivalentsFile: "eq.json" });
    expect(text).toMatch(/solutions\/lesson-1\/f\.ts:3 {2}\[TODO\(lesson-1:f\) f\] \(no test reaches it\)/);
    expect(text).toMatch(/solutions\/lesson-1\/f\.ts:4 {2}\[given code\]/);
    expect(text).toMatch(/explained equivalents \(1\)/);
    expect(text).toMatch(/2 killed \(1 by StrykerJS's time limit\)/);
  });

  test("no mutant at all has no score rather than a division by zero", () => {
    expect(score({ detected: 0, timedOut: 0, survived: 0, noCoverage: 0, explained: 0 })).toBe(undefined);
  });
});

test("the label ignorer is plain JavaScript that StrykerJS can load by path", async () => {
  const plugin = await import(path.join(KIT, "scripts", "core", "mutate-ignore-labels.mjs"));
  expect(plugin.strykerPlugins).toEqual([expect.objectContaining({ kind: "Ignore", name: "crash-course-labels" })]);
  expect(readdirSync(path.join(KIT, "scripts")).includes("mutate.ts")).toBe(true);
});

test("the label ignorer skips a plan's `label:` value and a describe… function's body, and nothing like them", async () => {
  const plugin = await import(path.join(KIT, "scripts", "core", "mutate-ignore-labels.mjs"));
  const shouldIgnore = plugin.strykerPlugins[0].value.shouldIgnore as (p: unknown) => string | undefined;
  // Just enough of Babel's NodePath: the node, its parent path and its key there.
  const at = (node: object, parent: { node: object } | undefined, key: string) => ({ node, parentPath: parent, key });
  const property = (name: string) => ({ node: { type: "ObjectProperty", computed: false, key: { type: "Identifier", name } } });
  const literal = { type: "TemplateLiteral" };
  expect(shouldIgnore(at(literal, property("label"), "value"))).toMatch(/label/);
  expect(shouldIgnore(at(literal, property("state"), "value"))).toBe(undefined);
  const fn = (name: string) => ({ node: { type: "FunctionDeclaration", id: { name } } });
  const body = { type: "BlockStatement" };
  expect(shouldIgnore(at(body, fn("describeHomeBlock"), "body"))).toMatch(/describe/);
  expect(shouldIgnore(at(body, fn("dataBlock"), "body"))).toBe(undefined);
});
