/**
 * The lesson registry: the one list of lessons that every tool reads.
 *
 * `lessons/lessons.json` holds, for each lesson, its id (`lesson-N`), title, track
 * (`core` or `extension`), the exercise files the learner edits (relative to
 * `exercises/<id>/`), the hints in the order they are given, the lessons it builds on,
 * and the npm packages its files may import (`packages`, default none: the import guard
 * refuses any other), and the points of its test groups (`weights`, see `LessonWeights`).
 * A lesson's four parts follow from its id: `lessons/<id>/README.md`,
 * `exercises/<id>/`, `solutions/<id>/` (same files) and `tests/<id>/`.
 *
 * @example
 * ```ts
 * import { lessons, findLesson } from "./registry.ts";
 * for (const lesson of lessons) console.log(lesson.id, lesson.title);
 * const found = findLesson("3"); // by id, number, or a unique title prefix
 * ```
 */
import { distance } from "fastest-levenshtein";
import raw from "../lessons/lessons.json" with { type: "json" };

export interface Lesson {
  readonly id: string;
  readonly number: number;
  readonly title: string;
  readonly track: "core" | "extension";
  readonly files: readonly string[];
  readonly hints: readonly string[];
  readonly buildsOn: readonly string[];
  /** npm packages the lesson's files may import (lesson 5's `crc`); anything else is refused. */
  readonly packages: readonly string[];
  /** How the lesson's 100 points are spread over its tests; absent: one group of every test. */
  readonly weights?: LessonWeights;
}

/**
 * A lesson's points by test group. A test belongs to a group when one of the group's
 * matchers fits it: every field a matcher gives must equal the test's (`file`: the test
 * file's name inside tests/<lesson>/; `describe`: its outermost describe title; `test`:
 * its own title). Every test belongs to exactly one group (the kit's tests check this
 * against the real test lists); points are spread evenly over a group's tests. Groups
 * marked `crash` hold the tests whose verdict comes from crash exploration or a power
 * cut; together they carry at least half of the points, so code that fails every crash
 * test earns at most half.
 */
export interface LessonWeights {
  readonly groups: readonly WeightGroup[];
}

export interface WeightGroup {
  readonly name: string;
  readonly points: number;
  readonly crash: boolean;
  readonly match: readonly TestMatcher[];
}

export interface TestMatcher {
  readonly file?: string;
  readonly describe?: string;
  readonly test?: string;
}

/** The points of every lesson: its groups' points add up to this. */
export const LESSON_POINTS = 100;

const ID = /^lesson-([1-9][0-9]*)$/;
const FILE = /^[a-z0-9][a-z0-9-]*\.ts$/;
const PACKAGE = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

/** Checks the registry's shape and cross-references; throws a TypeError naming the fault. */
export function validateRegistry(data: unknown): Lesson[] {
  const list = (data as { lessons?: unknown })?.lessons;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError("lessons.json: expected { \"lessons\": [ ... ] } with at least one lesson");
  }
  const seen = new Set<string>();
  const lessons = list.map((entry, i) => {
    const lesson = validateEntry(entry, `lessons.json: lesson #${i + 1}`);
    if (seen.has(lesson.id)) throw new TypeError(`lessons.json: ${lesson.id} is listed twice`);
    seen.add(lesson.id);
    return lesson;
  });
  for (const lesson of lessons) {
    for (const dep of lesson.buildsOn) {
      if (!seen.has(dep)) throw new TypeError(`lessons.json: ${lesson.id} builds on unknown ${dep}`);
    }
  }
  return lessons;
}

function validateEntry(entry: unknown, where: string): Lesson {
  const e = (entry ?? {}) as Record<string, unknown>;
  const id = e.id;
  if (typeof id !== "string" || !ID.test(id)) throw new TypeError(`${where}: id must look like "lesson-3"`);
  const at = `lessons.json: ${id}`;
  if (typeof e.title !== "string" || e.title.trim() === "") throw new TypeError(`${at}: title is missing`);
  if (e.track !== "core" && e.track !== "extension") throw new TypeError(`${at}: track must be "core" or "extension"`);
  const files = stringList(e.files, `${at}: files`);
  if (files.length === 0 || files.some((f) => !FILE.test(f))) {
    throw new TypeError(`${at}: files must list the exercise files, like ["cow-list.ts"]`);
  }
  const hints = stringList(e.hints, `${at}: hints`);
  if (hints.length === 0) throw new TypeError(`${at}: needs at least one hint`);
  const packages = stringList(e.packages ?? [], `${at}: packages`);
  if (packages.some((p) => !PACKAGE.test(p))) {
    throw new TypeError(`${at}: packages must list npm package names, like ["crc"]`);
  }
  return {
    id,
    number: Number(ID.exec(id)![1]),
    title: e.title,
    track: e.track,
    files,
    hints,
    buildsOn: stringList(e.buildsOn ?? [], `${at}: buildsOn`),
    packages,
    ...(e.weights === undefined ? {} : { weights: validateWeights(e.weights, `${at}: weights`) }),
  };
}

const MATCHER_KEYS = ["file", "describe", "test"] as const;
const TEST_FILE = /^[A-Za-z0-9._-]+\.test\.ts$/;

function validateWeights(value: unknown, at: string): LessonWeights {
  const groups = (value as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(groups) || groups.length === 0) throw new TypeError(`${at}: expected { "groups": [ ... ] } with at least one group`);
  const names = new Set<string>();
  const checked = groups.map((group, i) => {
    const g = validateGroup(group, `${at}: group #${i + 1}`);
    if (names.has(g.name)) throw new TypeError(`${at}: group "${g.name}" is listed twice`);
    names.add(g.name);
    return g;
  });
  const total = sum(checked.map((g) => g.points));
  if (Math.abs(total - LESSON_POINTS) > 1e-9) {
    throw new TypeError(`${at}: the groups' points add up to ${total}; they must add up to ${LESSON_POINTS}`);
  }
  const crash = sum(checked.filter((g) => g.crash).map((g) => g.points));
  if (crash > 0 && crash < LESSON_POINTS / 2) {
    throw new TypeError(`${at}: the crash groups carry ${crash} points; they must carry at least ${LESSON_POINTS / 2}, so that failing every crash test costs at least half`);
  }
  return { groups: checked };
}

function validateGroup(group: unknown, where: string): WeightGroup {
  const g = (group ?? {}) as Record<string, unknown>;
  if (typeof g.name !== "string" || g.name.trim() === "") throw new TypeError(`${where}: name is missing`);
  const at = where.replace(/group #\d+$/, `group "${g.name}"`);
  if (typeof g.points !== "number" || !Number.isFinite(g.points) || g.points <= 0) {
    throw new TypeError(`${at}: points must be a number above 0`);
  }
  if (g.crash !== undefined && typeof g.crash !== "boolean") throw new TypeError(`${at}: crash must be true or false`);
  const list = Array.isArray(g.match) ? g.match : g.match === undefined ? [] : [g.match];
  if (list.length === 0) throw new TypeError(`${at}: match must name the tests, like { "file": "crashes.test.ts" }`);
  return { name: g.name, points: g.points, crash: g.crash === true, match: list.map((m, i) => validateMatcher(m, `${at}: match #${i + 1}`)) };
}

function validateMatcher(matcher: unknown, at: string): TestMatcher {
  if (matcher === null || typeof matcher !== "object" || Array.isArray(matcher)) {
    throw new TypeError(`${at}: expected an object with file, describe and/or test`);
  }
  const m = matcher as Record<string, unknown>;
  const unknown = Object.keys(m).filter((k) => !(MATCHER_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new TypeError(`${at}: unknown field ${unknown.join(", ")} (a matcher has file, describe and/or test)`);
  const given = MATCHER_KEYS.filter((k) => m[k] !== undefined);
  if (given.length === 0) throw new TypeError(`${at}: give at least one of file, describe, test`);
  for (const key of given) {
    if (typeof m[key] !== "string" || (m[key] as string).trim() === "") throw new TypeError(`${at}: ${key} must be a non-empty string`);
  }
  if (m.file !== undefined && !TEST_FILE.test(m.file as string)) {
    throw new TypeError(`${at}: file must name a test file of the lesson, like "crashes.test.ts"`);
  }
  return Object.fromEntries(given.map((k) => [k, m[k]])) as TestMatcher;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function stringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new TypeError(`${what} must be a list of strings`);
  }
  return value as string[];
}

/** Every lesson, in registry order (the order learners take them). */
export const lessons: readonly Lesson[] = validateRegistry(raw);

/** What the learner typed resolved to a lesson, or the reason it did not. */
export type LessonLookup =
  | { lesson: Lesson }
  | { error: string; suggestion?: string };

/**
 * Resolves `lesson-3`, `3`, or a unique prefix of a title (case-insensitive). On failure
 * the error lists the known ids and, when one is close, suggests it.
 */
export function findLesson(query: string, list: readonly Lesson[] = lessons): LessonLookup {
  const q = query.trim().toLowerCase();
  const exact = list.find((l) => l.id === q || String(l.number) === q);
  if (exact) return { lesson: exact };
  const byTitle = q.length >= 3 ? list.filter((l) => l.title.toLowerCase().startsWith(q)) : [];
  if (byTitle.length === 1) return { lesson: byTitle[0] };
  const known = list.map((l) => l.id).join(", ");
  if (byTitle.length > 1) {
    return { error: `"${query}" matches several lessons (${byTitle.map((l) => l.id).join(", ")}); known lessons: ${known}` };
  }
  const suggestion = closestId(q, list);
  return {
    error: `unknown lesson "${query}"; known lessons: ${known}` + (suggestion ? `. Did you mean ${suggestion}?` : ""),
    suggestion,
  };
}

function closestId(q: string, list: readonly Lesson[]): string | undefined {
  let best: { id: string; d: number } | undefined;
  for (const l of list) {
    const d = distance(q, l.id);
    if (!best || d < best.d) best = { id: l.id, d };
  }
  return best && best.d <= Math.max(2, Math.floor(q.length / 3)) ? best.id : undefined;
}

/** The lesson after `id` in registry order, if any. */
export function nextLesson(id: string, list: readonly Lesson[] = lessons): Lesson | undefined {
  const i = list.findIndex((l) => l.id === id);
  return i >= 0 ? list[i + 1] : undefined;
}
