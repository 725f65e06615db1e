/**
 * On Node and on Deno, through the grader as a learner runs it: every reference solution
 * passes all its hidden tests, every untouched skeleton fails them, and the skeleton run
 * raises every TODO the skeleton declares (so no task is left without a test).
 */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { lessons } from "../../lib/registry.ts";
import { findTodos, todoIdsIn, type LessonResult } from "../../lib/grading/results.ts";
import { KIT, RUNTIMES, kit } from "./support/cli.ts";

function parse(stdout: string): LessonResult[] {
  return (JSON.parse(stdout) as { lessons: LessonResult[] }).lessons;
}

describe.each(RUNTIMES)("on %s", (runtime) => {
  test("every lesson's reference solution passes all of its hidden tests", async () => {
    const run = await kit(runtime, "check", ["--solutions", "--json"]);
    const results = parse(run.stdout);
    expect(results.map((r) => r.lesson)).toEqual(lessons.map((l) => l.id));
    for (const r of results) {
      const failing = r.tests.filter((t) => t.state !== "passed").map((t) => `${t.name}: ${JSON.stringify(t.explanation)}`);
      expect({ lesson: r.lesson, problems: r.problems, failing }).toEqual({ lesson: r.lesson, problems: [], failing: [] });
      expect(r.total, `${r.lesson} has tests`).toBeGreaterThan(0);
    }
    expect(run.code).toBe(0);
  });

  test("every untouched skeleton fails its hidden tests, and each of its TODOs is reached", async () => {
    const run = await kit(runtime, "check", ["--json"]);
    expect(run.code).toBe(1);
    for (const r of parse(run.stdout)) {
      expect(r.failed, `${r.lesson} skeleton fails`).toBeGreaterThan(0);
      const lesson = lessons.find((l) => l.id === r.lesson)!;
      const declared = new Set(
        lesson.files.flatMap((f) => findTodos(f, readFileSync(path.join(KIT, "exercises", lesson.id, f), "utf8")).map((t) => t.id)),
      );
      const raised = new Set(r.tests.flatMap((t) => (t.explanation ? todoIdsIn(JSON.stringify(t.explanation)) : [])));
      expect([...declared].filter((id) => !raised.has(id)), `${r.lesson}: TODOs no hidden test reaches`).toEqual([]);
    }
  });
});
