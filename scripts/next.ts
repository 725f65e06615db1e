/**
 * `npm run next` — the next lesson to work on: the first one in registry order that is
 * not green. Prints where its text and exercise files are, its next TODO (the one the
 * first failing test runs into, as `check` names it), and the commands to grade it.
 *
 * Stored grades decide, as long as the lesson's exercise files did not change since;
 * a lesson without such a grade is graded now (and recorded), so deleting the progress
 * file never sends a learner back to lesson 1.
 *
 * Exit 0, 2 for a usage error.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import pc from "picocolors";
import { commandLine, parseCommand } from "./core/cli.ts";
import { KIT } from "./core/kit.ts";
import { freshGrade, gradeOf, nextUnfinished, recordGrades, type Grade } from "./core/progress.ts";
import { findTodos, type TodoLocation } from "../lib/grading/results.ts";
import { wrap } from "./core/terminal-markdown.ts";
import type { Lesson } from "../lib/registry.ts";

const USAGE = `
usage: npm run next

  Names the next lesson that is not green yet: its text, its files, its first open
  TODO, and the command to grade it.
`;

parseCommand({ usage: USAGE, flags: {}, lessons: "none" });

async function grade(lesson: Lesson): Promise<Grade> {
  const { runTests } = await import("./core/run-tests.ts");
  const outcome = await runTests({ lessons: [lesson], impl: "exercises" });
  recordGrades(outcome.results);
  return gradeOf(outcome.results[0]);
}

/** The lesson's grade with its next TODO; a grade stored before grades kept it is taken again. */
async function gradeWithTodo(lesson: Lesson): Promise<Grade> {
  const stored = freshGrade(lesson);
  return stored && stored.nextTodo !== undefined ? stored : await grade(lesson);
}

const lesson = await nextUnfinished(grade);
if (!lesson) {
  console.log(`${pc.green("Every lesson is done.")} ${pc.dim(`${commandLine("check")} shows the table.`)}`);
} else {
  const files = lesson.files.map((f) => `exercises/${lesson.id}/${f}`);
  const todos = files.flatMap((f) => (existsSync(path.join(KIT, f)) ? findTodos(f, readFileSync(path.join(KIT, f), "utf8")) : []));
  const label = (s: string) => pc.dim(s.padEnd(7));
  const lines = [
    pc.bold(`Next: ${lesson.id} · ${lesson.title}`),
    "",
    `  ${label("read")}lessons/${lesson.id}/README.md   ${pc.dim(`(or ${commandLine("lesson", lesson.id)})`)}`,
    `  ${label("edit")}${files.join(", ")}`,
  ];
  const next = (await gradeWithTodo(lesson)).nextTodo;
  const open = todos.length > 1 ? pc.dim(`  (${todos.length} TODOs open)`) : "";
  if (next && existsSync(path.join(KIT, next.file))) {
    lines.push(`  ${label("next")}${pc.yellow(`TODO(${next.id})`)} at ${pc.cyan(`${next.file}:${next.line}`)}${open}`);
    for (const line of wrap(todoText(next), 80)) lines.push(`  ${label("")}${pc.dim(line)}`);
  } else if (todos.length > 0) {
    lines.push(`  ${label("next")}no failing test runs into a TODO; the failing tests say what is still wrong${open}`);
  } else {
    lines.push(`  ${label("next")}no TODO left; the failing tests say what is still wrong`);
  }
  lines.push(`  ${label("grade")}${pc.cyan(commandLine("check", lesson.id))}   ${pc.dim(`or, grading on every save: ${commandLine("watch", lesson.id)}`)}`);
  console.log(lines.join("\n"));
}
/** The TODO comment's words, continuation lines included, without the `TODO(id):` tag. */
function todoText(todo: TodoLocation): string {
  const lines = readFileSync(path.join(KIT, todo.file), "utf8").split("\n").slice(todo.line - 1);
  const words = [todo.text.replace(/^TODO\([^)]*\):\s*/, "")];
  for (const line of lines.slice(1)) {
    const m = /^\s*\/\/\s?(.*)$/.exec(line);
    if (!m || /TODO\(/.test(m[1])) break;
    words.push(m[1].trim());
  }
  return words.join(" ");
}

// The test runner sets a failing exit code when the graded lesson fails; naming it is not.
process.exitCode = 0;
