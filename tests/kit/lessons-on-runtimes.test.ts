/**
 * On Node and on Deno, through the grader as a learner runs it: every reference solution
 * passes all its hidden tests, every shipped skeleton fails them, and the skeleton run
 * raises every TODO the skeleton declares (so no task is left without a test). The
 * skeletons graded are the shipped ones (manifest hash, from the working file or git
 * history), so the suite passes on a copy where the learner has solved lessons.
 *
 * Every next step a command prints names the runtime in use: `deno task …` under Deno,
 * `npm run … -- --flag` under Node.
 *
 * On a machine with only Deno the "on node" tests are skipped, and their names say why.
 */
import { afterAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lessons } from "../../lib/registry.ts";
import { findTodos, todoIdsIn, type LessonResult } from "../../lib/grading/results.ts";
import { shippedSkeleton } from "../../scripts/core/shipped.ts";
import { ALL_RUNTIMES, NO_NODE_NOTE, RUNTIMES, kit, type Runtime } from "./support/cli.ts";
import { tempKit } from "./support/temp-kit.ts";

function parse(stdout: string): LessonResult[] {
  return (JSON.parse(stdout) as { lessons: LessonResult[] }).lessons;
}

/** The shipped skeletons, laid out like exercises/ in a folder of their own (graded with --dir). */
const shipped = mkdtempSync(path.join(tmpdir(), "crash-course-skeletons-"));
afterAll(() => rmSync(shipped, { recursive: true, force: true }));
const skeletons = new Map<string, string>();
for (const lesson of lessons) {
  for (const file of lesson.files) {
    const relative = `exercises/${lesson.id}/${file}`;
    const text = shippedSkeleton(relative);
    if (text === undefined) throw new Error(`the shipped skeleton of ${relative} is not found: run npm run manifest`);
    skeletons.set(relative, text);
    mkdirSync(path.join(shipped, lesson.id), { recursive: true });
    writeFileSync(path.join(shipped, lesson.id, file), text);
  }
}

const named = (runtime: Runtime) => (RUNTIMES.includes(runtime) ? `on ${runtime}` : `on ${runtime} (skipped: ${NO_NODE_NOTE})`);

describe.each(ALL_RUNTIMES.map((r) => [named(r), r] as const))("%s", (_, runtime) => {
  const it = test.skipIf(!RUNTIMES.includes(runtime));

  it("every lesson's reference solution passes all of its hidden tests", async () => {
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

  it("every shipped skeleton fails its hidden tests, and each of its TODOs is reached", async () => {
    const run = await kit(runtime, "check", ["--json", "--dir", shipped]);
    expect(run.code, run.stderr).toBe(1);
    for (const r of parse(run.stdout)) {
      expect(r.failed, `${r.lesson} skeleton fails`).toBeGreaterThan(0);
      const lesson = lessons.find((l) => l.id === r.lesson)!;
      const declared = new Set(lesson.files.flatMap((f) => findTodos(f, skeletons.get(`exercises/${lesson.id}/${f}`)!).map((t) => t.id)));
      const raised = new Set(r.tests.flatMap((t) => (t.explanation ? todoIdsIn(JSON.stringify(t.explanation)) : [])));
      expect([...declared].filter((id) => !raised.has(id)), `${r.lesson}: TODOs no hidden test reaches`).toEqual([]);
    }
  });

  it("every next step it prints is a command of this runtime", async () => {
    const copy = tempKit();
    try {
      const cwd = copy.root;
      // reset reads the shipped skeleton from git: a checkout, as a learner's clone is.
      const git = (...args: string[]) => spawnSync("git", ["-c", "user.name=kit", "-c", "user.email=kit@example.com", ...args], { cwd, encoding: "utf8" });
      git("init", "-q");
      git("add", "-A");
      expect(git("commit", "-q", "-m", "the kit as shipped").status).toBe(0);
      const spell = runtime === "deno"
        ? { check: "deno task check lesson-1", hint: "deno task hint lesson-1", reset: "deno task reset lesson-1 --yes", all: "deno task check" }
        : { check: "npm run check lesson-1", hint: "npm run hint lesson-1", reset: "npm run reset lesson-1 -- --yes", all: "npm run check" };
      const other = runtime === "deno" ? /npm run \w/ : /deno task \w/;
      const progress = await kit(runtime, "check", [], { cwd });
      expect(progress.stdout).toContain(`Next: ${spell.check}`);
      const hint = await kit(runtime, "hint", ["lesson-1"], { cwd });
      expect(hint.stdout).toContain(spell.hint);
      appendFileSync(path.join(cwd, "exercises", "lesson-1", lessons[0].files[0]), "\n// my work\n"); // something to reset
      const reset = await kit(runtime, "reset", ["lesson-1"], { cwd });
      expect(reset.stderr).toContain(spell.reset);
      const footer = await kit(runtime, "progress", [], { cwd });
      expect(footer.stdout).toContain(`${spell.all} grades every lesson again`);
      const next = await kit(runtime, "next", [], { cwd });
      expect(next.stdout).toContain(spell.check);
      for (const [name, run] of Object.entries({ progress, hint, reset, footer, next })) {
        expect(run.stdout + run.stderr, `${name} names the other runtime's command`).not.toMatch(other);
      }
    } finally {
      copy.remove();
    }
  });
});
