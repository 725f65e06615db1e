/**
 * The grading model: what one run of a lesson's hidden tests found, and how it is told
 * to a learner. Pure functions over plain data, so the grader, the watch mode, the
 * instructor tools and the workbook all print and count results the same way.
 *
 * A failure is explained in the smallest useful form: an open TODO becomes its file and
 * line; an assertion becomes "expected ... got ..."; a crash test's message (which
 * already carries the disk-write timeline) is shown as it is; otherwise the line of the
 * learner's file where it broke.
 *
 * @example
 * ```ts
 * const line = summaryLine(results); // "3 passed, 21 failed"
 * ```
 */
import { TODO_TOKEN } from "../todo.ts";

export type TestState = "passed" | "failed" | "skipped" | "not-run";

/** One failure as the runner saw it (a vitest TestError, trimmed to what we use). */
export interface RawError {
  name?: string;
  message: string;
  stack?: string;
  /** vitest serialises these to strings, but not for every matcher (toBeLessThan gives numbers). */
  expected?: unknown;
  actual?: unknown;
}

export interface TodoLocation {
  id: string;
  file: string; // relative to the kit, e.g. exercises/lesson-1/cow-list.ts
  line: number;
  text: string; // the comment, trimmed
}

export interface TestResult {
  /** Stable across runs and releases while the test's name stays: `lesson-1:reading-before-any-write/get-returns-the-original-s-values`. */
  id: string;
  lesson: string;
  name: string; // the test's own title
  suite: string; // enclosing describe titles joined with " > ", or ""
  file: string; // the test file, relative to the kit
  state: TestState;
  durationMs?: number;
  explanation?: Explanation;
  /** What the code under test printed (console.log) during this test. */
  output?: string;
}

export type Explanation =
  | { kind: "todo"; todo: TodoLocation | { id: string } }
  | { kind: "mismatch"; message: string; expected: string; actual: string; at?: string }
  | { kind: "time-limit"; message: string }
  | { kind: "error"; message: string; at?: string };

/** A use of a power no lesson needs (process, eval, a write to a built-in, ...), found before the code ran. */
export interface Finding {
  file: string; // relative to the kit when inside it
  line: number;
  column: number;
  power: string; // what was used: "process", "Function", "Object.is write", ...
  message: string; // "exercises/lesson-1/cow-list.ts:12: uses process: no lesson needs it"
}

/** A type error the TypeScript checker found in a graded file. */
export interface TypeNote {
  file: string; // relative to the kit when inside it
  line: number;
  column: number;
  message: string; // "TS2322: Type 'string' is not assignable to type 'number'."
}

/** A problem with a whole file (it does not parse, an export is missing, ...). */
export interface Problem {
  file: string;
  message: string;
  at?: string;
}

export interface LessonResult {
  lesson: string;
  title: string;
  impl: string; // the folder graded, relative to the kit or absolute
  passed: number;
  failed: number;
  total: number;
  tests: TestResult[];
  problems: Problem[];
  /** Files of the kit whose hashes differ from the release manifest (issue 7). */
  unofficial?: string[];
  /** True when the graded files are the shipped skeleton, untouched (the learner has not started). */
  untouched?: boolean;
  /** The points the tests earned by the registry's weights (lib/grading/points.ts); `groups` when known. */
  points?: { earned: number; possible: number; groups?: GroupPoints[] };
  /** Powers no lesson needs, found in the graded files before they ran: the result is unofficial. */
  findings?: Finding[];
  /** Type errors in the graded files: notes, which fail no test (scripts/core/type-notes.ts). */
  typeNotes?: TypeNote[];
}

/** Points of one test group: `earned` of `possible`, from `passed` of its `total` tests. */
export interface GroupPoints {
  name: string;
  crash: boolean;
  earned: number;
  possible: number;
  passed: number;
  total: number;
}

export interface LessonPoints {
  earned: number;
  possible: number;
  groups: GroupPoints[];
}

export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "test";
}

export function testId(lesson: string, suite: string, name: string): string {
  return `${lesson}:${suite ? suite.split(" > ").map(slug).join("/") + "/" : ""}${slug(name)}`;
}

/** Counts a lesson's results; a file-level problem with no test results counts as one failure. */
export function tally(tests: readonly TestResult[], problems: readonly Problem[]) {
  const passed = tests.filter((t) => t.state === "passed").length;
  const failed = tests.filter((t) => t.state === "failed" || t.state === "not-run").length;
  const orphanProblems = tests.length === 0 ? problems.length : 0;
  return { passed, failed: failed + orphanProblems, total: passed + failed + orphanProblems };
}

export function summaryLine(results: readonly { passed: number; failed: number }[]): string {
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  return `${passed} passed, ${failed} failed`;
}

/** Every `TODO(id)` comment in a source text, with its line. */
export function findTodos(file: string, source: string): TodoLocation[] {
  const found: TodoLocation[] = [];
  source.split("\n").forEach((line, i) => {
    if (!/^\s*(\/\/|\*|\/\*)/.test(line)) return;
    for (const match of line.matchAll(TODO_TOKEN)) {
      found.push({ id: match[1], file, line: i + 1, text: line.trim().replace(/^(\/\/|\*|\/\*)\s*/, "") });
    }
  });
  return found;
}

/** The TODO ids a text (an error message) names. */
export function todoIdsIn(text: string): string[] {
  return [...text.matchAll(TODO_TOKEN)].map((m) => m[1]);
}

/**
 * Explains one failed test. `todos` are the TODO comments of the graded files;
 * `implMarker` is the path fragment that marks the learner's files in stack traces.
 */
export function explain(error: RawError, todos: readonly TodoLocation[], implMarker: string): Explanation {
  const ids = error.name === "NotImplementedError" || /not implemented yet/.test(error.message) ? todoIdsIn(error.message) : [];
  if (ids.length > 0) {
    const id = ids[0];
    return { kind: "todo", todo: todos.find((t) => t.id === id) ?? { id } };
  }
  const at = firstFrameIn(error.stack ?? "", implMarker);
  if (/timed out in \d+ms/i.test(error.message)) {
    return { kind: "time-limit", message: `did not finish within the time limit (${error.message.match(/\d+ms/)?.[0]}); is something waiting forever?` };
  }
  // "expected 160 to be less than 96" says more than "expected 96, got 160".
  const comparison = /to be (?:less|greater) than|to be (?:above|below)|to be close to/.test(error.message);
  if (error.expected !== undefined && error.actual !== undefined && error.name === "AssertionError" && !comparison) {
    return { kind: "mismatch", message: firstLine(error.message), expected: asText(error.expected), actual: asText(error.actual), at };
  }
  return { kind: "error", message: (error.name && error.name !== "Error" && error.name !== "AssertionError" ? `${error.name}: ` : "") + error.message, at };
}

/** "exercises/lesson-1/cow-list.ts:44" from the first stack frame inside the learner's files. */
export function firstFrameIn(stack: string, marker: string): string | undefined {
  for (const line of stack.split("\n")) {
    const i = line.indexOf(marker);
    if (i < 0) continue;
    const m = /^(.*?\.ts):(\d+)(?::\d+)?/.exec(line.slice(i));
    if (m) return `${m[1]}:${m[2]}`;
  }
  return undefined;
}

function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
}

function firstLine(text: string): string {
  return text.split("\n")[0];
}

/**
 * The values a test source imports from a module whose specifier ends with `target`
 * (`@impl/lesson-3/journaled-fs.ts`): the names a graded file must export. Type-only
 * imports are left out: they vanish at run time, so a file need not export them.
 */
export function importedValueNames(source: string, target: string): Set<string> {
  const names = new Set<string>();
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  for (const m of code.matchAll(/import\s+(type\s+)?([\w$]+\s*,\s*)?(?:\{([^}]*)\})?\s*from\s*["']([^"']+)["']/g)) {
    const [, typeOnly, defaultName, braces, specifier] = m;
    if (typeOnly || !specifier.endsWith(target)) continue;
    if (defaultName) names.add("default");
    for (const part of (braces ?? "").split(",")) {
      const entry = part.trim();
      if (!entry || entry.startsWith("type ")) continue;
      names.add(entry.split(/\s+as\s+/)[0].trim());
    }
  }
  return names;
}

/** The names a module source exports (classes, functions, consts, `export { a, b }`). */
export function exportedNames(source: string): Set<string> {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const names = new Set<string>();
  for (const m of code.matchAll(/export\s+(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:class|function\*?|const|let|var|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g)) {
    names.add(m[1]);
  }
  for (const m of code.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of m[1].split(",")) {
      const name = part.trim().split(/\s+as\s+/).pop()?.replace(/^type\s+/, "").trim();
      if (name) names.add(name);
    }
  }
  return names;
}
