/**
 * The registry is complete: every lesson has its four parts, exercises/ and solutions/
 * mirror each other file for file and export for export, every skeleton has TODOs, and
 * no lesson folder exists that the registry does not list.
 *
 * Skeletons are read as shipped (the manifest's hash, found in the working file or in git
 * history), never as the learner's working copy: `npm test` on a copy where lessons are
 * solved still passes.
 */
import { describe, expect, test } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import MarkdownIt from "markdown-it";
import { lessons, validateRegistry, findLesson } from "../../lib/registry.ts";
import { exportedNames, findTodos } from "../../lib/grading/results.ts";
import { KIT } from "./support/cli.ts";
import { shippedSkeleton } from "../../scripts/core/shipped.ts";

const read = (...parts: string[]) => readFileSync(path.join(KIT, ...parts), "utf8");

/** The skeleton as the kit shipped it, whatever the learner has done to exercises/. */
function skeletonOf(id: string, file: string): string {
  const text = shippedSkeleton(`exercises/${id}/${file}`);
  if (text === undefined) throw new Error(`the shipped skeleton of exercises/${id}/${file} is not found (manifest hash matches no version): run npm run manifest`);
  return text;
}

describe.each(lessons.map((l) => [l.id, l] as const))("%s", (id, lesson) => {
  test("has its theory, exercise, solution and hidden tests", () => {
    expect(existsSync(path.join(KIT, "lessons", id, "README.md")), "lessons/<id>/README.md").toBe(true);
    for (const file of lesson.files) {
      expect(existsSync(path.join(KIT, "exercises", id, file)), `exercises/${id}/${file}`).toBe(true);
      expect(existsSync(path.join(KIT, "solutions", id, file)), `solutions/${id}/${file}`).toBe(true);
    }
    const tests = readdirSync(path.join(KIT, "tests", id)).filter((f) => f.endsWith(".test.ts"));
    expect(tests.length).toBeGreaterThan(0);
  });

  test("exercises and solutions mirror each other file for file", () => {
    const ts = (dir: string) => readdirSync(path.join(KIT, dir, id)).filter((f) => f.endsWith(".ts")).sort();
    expect(ts("exercises")).toEqual([...lesson.files].sort());
    expect(ts("solutions")).toEqual([...lesson.files].sort());
  });

  test("each exercise file exports what its solution exports", () => {
    for (const file of lesson.files) {
      expect([...exportedNames(skeletonOf(id, file))].sort()).toEqual([...exportedNames(read("solutions", id, file))].sort());
    }
  });

  test("the skeleton declares TODOs and throws each one; the solution has none", () => {
    for (const file of lesson.files) {
      const skeleton = skeletonOf(id, file);
      const declared = new Set(findTodos(file, skeleton).map((t) => t.id));
      expect(declared.size, `${file} declares TODO(${id}:...) comments`).toBeGreaterThan(0);
      for (const todoId of declared) {
        expect(todoId.startsWith(`${id}:`), `TODO(${todoId}) belongs to ${id}`).toBe(true);
        expect(skeleton.includes(`todo("${todoId}")`), `${file} throws todo("${todoId}")`).toBe(true);
      }
      expect(findTodos(file, read("solutions", id, file))).toEqual([]);
    }
  });

  test("its Tasks section gives each command for npm and for Deno", () => {
    const tasks = /^## Tasks\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(read("lessons", id, "README.md"))?.[1] ?? "";
    const npm = [...tasks.matchAll(/`npm run ([\w:]+)((?: [^`\s-][^`\s]*)*)(?: -- ([^`]+))?`/g)];
    expect(npm.length, "the Tasks section names how to grade").toBeGreaterThan(0);
    for (const [command, script, args, flags] of npm) {
      expect(tasks, `${command} has its Deno twin`).toContain(`\`deno task ${script}${args}${flags ? ` ${flags}` : ""}\``);
    }
  });

  test("has at least one hint", () => {
    expect(lesson.hints.length).toBeGreaterThan(0);
  });

  test("its lesson text renders, states the contract, and points at every TODO", () => {
    const text = read("lessons", id, "README.md");
    const html = new MarkdownIt().render(text);
    expect(html).toMatch(/^<h1>/);
    expect(html).toMatch(/<h2>What you implement<\/h2>/);
    expect(html).toMatch(/<h2>Tasks<\/h2>/);
    const skeletonTodos = lesson.files.flatMap((f) => findTodos(f, skeletonOf(id, f)).map((t) => t.id));
    for (const todoId of new Set(skeletonTodos)) expect(text, `README names TODO(${todoId})`).toContain(todoId);
  });
});

describe("the registry as a whole", () => {
  test("lists every lesson folder, in number order", () => {
    for (const dir of ["lessons", "exercises", "solutions", "tests"]) {
      const folders = readdirSync(path.join(KIT, dir)).filter((f) => /^lesson-\d+$/.test(f));
      for (const folder of folders) expect(lessons.map((l) => l.id), `${dir}/${folder}`).toContain(folder);
    }
    const numbers = lessons.map((l) => l.number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });

  test("the README's lesson table is the registry's list, in order", () => {
    const rows = read("README.md").split("\n").filter((line) => /^\| lesson-\d+ \|/.test(line));
    const listed = rows.map((row) => row.split("|").map((cell) => cell.trim()).slice(1, 3));
    expect(listed).toEqual(lessons.map((l) => [l.id, l.title]));
  });

  test("rejects a broken registry with a message that names the fault", () => {
    expect(() => validateRegistry({})).toThrow(/lessons/);
    expect(() => validateRegistry({ lessons: [{ id: "three" }] })).toThrow(/id must look like/);
    const base = { id: "lesson-1", title: "t", track: "core", files: ["a.ts"], hints: ["h"], buildsOn: [] };
    expect(() => validateRegistry({ lessons: [base, base] })).toThrow(/listed twice/);
    expect(() => validateRegistry({ lessons: [{ ...base, hints: [] }] })).toThrow(/hint/);
    expect(() => validateRegistry({ lessons: [{ ...base, buildsOn: ["lesson-9"] }] })).toThrow(/unknown lesson-9/);
    const weights = (crash: number) => ({ groups: [{ name: "crash", crash: true, points: crash, match: { file: "a.test.ts" } }, { name: "rest", points: 100 - crash, match: { file: "b.test.ts" } }] });
    expect(validateRegistry({ lessons: [{ ...base, weights: weights(50) }] })[0].weights?.groups).toHaveLength(2);
    expect(() => validateRegistry({ lessons: [{ ...base, weights: weights(45) }] })).toThrow(/lesson-1: weights: the crash groups carry 45 points/);
  });

  test("every lesson weighs its test groups to 100 points; the crash lessons' crash groups carry at least half", () => {
    const crashLessons = ["lesson-3", "lesson-4", "lesson-5", "lesson-6", "lesson-7", "lesson-9"];
    for (const lesson of lessons) {
      const groups = lesson.weights?.groups ?? [];
      expect(groups.reduce((n, g) => n + g.points, 0), `${lesson.id}: points`).toBe(100);
      const crash = groups.filter((g) => g.crash).reduce((n, g) => n + g.points, 0);
      if (crashLessons.includes(lesson.id)) expect(crash, `${lesson.id}: crash points`).toBeGreaterThanOrEqual(50);
    }
  });

  test("finds lessons by id, number and title prefix, and suggests the closest id", () => {
    expect(findLesson("lesson-1")).toEqual({ lesson: lessons[0] });
    expect(findLesson("1")).toEqual({ lesson: lessons[0] });
    expect(findLesson(lessons[0].title.slice(0, 8))).toEqual({ lesson: lessons[0] });
    const miss = findLesson("leson-1");
    expect(miss).toMatchObject({ suggestion: "lesson-1" });
    expect("error" in miss && miss.error).toMatch(/known lessons: lesson-1/);
  });
});
