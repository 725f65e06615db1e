/**
 * The import guard and the power scan (scripts/core/guard.ts): each refused import form
 * and each power is caught at its line; every skeleton and reference solution of every
 * lesson passes untouched; and a submission importing vitest is refused when `check`
 * grades it, on both runtimes.
 */
import { afterAll, describe, expect, test } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lessons, validateRegistry } from "../../lib/registry.ts";
import { importGuardPlugin, importViolations, scanLesson, scanPowers } from "../../scripts/core/guard.ts";
import { formatLesson } from "../../scripts/core/report.ts";
import type { LessonResult } from "../../lib/grading/results.ts";
import { KIT, RUNTIMES, kit } from "./support/cli.ts";

const FILE = "exercises/lesson-1/cow-list.ts";
const LESSON_DIR = "exercises/lesson-1";
const LIB = "lib";

/** Two honest lines, then `code` on line 3: every fixture's offending line is 3. */
function atLine3(code: string): string {
  return `// a learner's file\nexport const kept = [1, 2, 3].map(Number);\n${code}\n`;
}

function violationsOf(code: string, packages: readonly string[] = []) {
  return importViolations(atLine3(code), FILE, packages, LESSON_DIR, LIB);
}

describe("importViolations refuses every import that leaves lib/, the lesson folder and its packages", () => {
  const refused: [string, string, string][] = [
    ["vitest", `import { expect } from "vitest";`, `import "vitest"`],
    ["a type-only import of vitest", `import type { Assertion } from "vitest";`, `import "vitest"`],
    ["a node: module", `import { readFileSync } from "node:fs";`, `import "node:fs"`],
    ["a bare node built-in", `import fs from "fs";`, `import "fs"`],
    ["a package another lesson uses", `import crc32 from "crc/calculators/crc32";`, `import "crc/calculators/crc32"`],
    ["an absolute path", `import { CowList } from "/proc/self/cwd/solutions/lesson-1/cow-list.ts";`, `import "/proc/self/cwd/solutions/lesson-1/cow-list.ts"`],
    ["a file: URL", `import x from "file:///work/solutions/lesson-1/cow-list.ts";`, `import "file:///work/solutions/lesson-1/cow-list.ts"`],
    ["an http: URL", `import x from "http://localhost/x.ts";`, `import "http://localhost/x.ts"`],
    ["a data: URL", `import "data:text/javascript,globalThis.x=1";`, `import "data:text/javascript,globalThis.x=1"`],
    ["the reference solution", `import { CowList } from "../../solutions/lesson-1/cow-list.ts";`, `import "../../solutions/lesson-1/cow-list.ts"`],
    ["the hidden tests", `import "../../tests/lesson-1/cow-list.test.ts";`, `import "../../tests/lesson-1/cow-list.test.ts"`],
    ["another lesson's folder", `import { SnapshotStore } from "../lesson-2/snapshot-store.ts";`, `import "../lesson-2/snapshot-store.ts"`],
    ["the grading core in lib/", `import "../../lib/grading/results.ts";`, `import "../../lib/grading/results.ts"`],
    ["a path that climbs out of lib/", `import "../../lib/../scripts/core/report.ts";`, `import "../../lib/../scripts/core/report.ts"`],
    ["a query suffix", `import source from "./cow-list.ts?raw";`, `import "./cow-list.ts?raw"`],
    ["a native addon in the lesson folder", `import addon from "./addon.node";`, `import "./addon.node"`],
    ["a re-export", `export { expect } from "vitest";`, `import "vitest"`],
    ["a star re-export", `export * from "node:process";`, `import "node:process"`],
    ["a literal import()", `const v = await import("vitest");`, `import "vitest"`],
    ["a computed import()", `const v = await import("vi" + "test");`, "import() of a computed specifier"],
    ["an import() with a variable", `const name = "vitest"; const v = await import(name);`, "import() of a computed specifier"],
    ["a computed require()", `const r = require(["node", "fs"].join(":"));`, "require() of a computed specifier"],
    ["a literal require()", `const fs = require("node:fs");`, `import "node:fs"`],
    ["import = require()", `import fs = require("fs");`, `import "fs"`],
    ["import.meta", `const here = import.meta.url;`, "import.meta"],
    ["an import() type", `let t: typeof import("../../solutions/lesson-1/cow-list.ts");`, `import "../../solutions/lesson-1/cow-list.ts"`],
  ];
  test.each(refused)("%s", (_name, code, named) => {
    const violations = violationsOf(code);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations[0]).toMatchObject({ file: FILE, line: 3 });
    expect(violations[0].message).toBe(
      `${FILE}:3: ${named} is not allowed: an exercise may import only lib/, files of lesson-1's folder and the packages its skeleton imports (none)`,
    );
  });

  test("the message names the lesson's packages", () => {
    const [v] = importViolations(atLine3(`import "vitest";`), "exercises/lesson-5/tx-fs.ts", ["crc"], "exercises/lesson-5", LIB);
    expect(v.message).toMatch(/lesson-5's folder and the packages its skeleton imports \(crc\)$/);
  });

  test("allows lib/, the lesson's own folder and the lesson's packages, type-only imports included", () => {
    const honest = [
      `import { todo } from "../../lib/todo.ts";`,
      `import type { SimDisk } from "../../lib/sim-disk.ts";`,
      `import { helper } from "./helper.ts";`,
      `import { deeper } from "./parts/deeper.ts";`,
      `export type { MachineOptions } from "../../lib/machine.ts";`,
      `const lazy = () => import("./helper.ts");`,
      `import data from "./fixtures.json" with { type: "json" };`,
      `import { plain } from "./plain.js";`,
    ].join("\n");
    expect(violationsOf(honest)).toEqual([]);
    expect(violationsOf(`import crc32 from "crc/calculators/crc32";\nimport { crc16 } from "crc";`, ["crc"])).toEqual([]);
  });

  test("a listed package allows that package only, not a name that starts like it or a path out of it", () => {
    const tricks = [`import "crc-evil";`, `import "crcx/index.js";`, `import "crc/../vitest/dist/index.js";`].join("\n");
    expect(violationsOf(tricks, ["crc"]).map((v) => v.specifier)).toEqual(["crc-evil", "crcx/index.js", "crc/../vitest/dist/index.js"]);
  });

  test("a submission graded from another folder may import the lib/ beside it, not the solutions beside it", () => {
    const dir = "/somewhere/submission";
    const ok = importViolations(`import { todo } from "../../lib/todo.ts";`, `${dir}/lesson-1/cow-list.ts`, [], `${dir}/lesson-1`, "/somewhere/lib");
    expect(ok).toEqual([]);
    const bad = importViolations(`import "../../solutions/lesson-1/cow-list.ts";`, `${dir}/lesson-1/cow-list.ts`, [], `${dir}/lesson-1`, "/somewhere/lib");
    expect(bad.map((v) => v.specifier)).toEqual(["../../solutions/lesson-1/cow-list.ts"]);
  });

  test("every violation of a file is listed, in source order", () => {
    const violations = violationsOf(`import "vitest";\nimport { todo } from "../../lib/todo.ts";\nimport "node:fs";`);
    expect(violations.map((v) => [v.line, v.specifier])).toEqual([[3, "vitest"], [5, "node:fs"]]);
  });
});

describe("scanPowers flags powers no lesson needs, at their line", () => {
  const flagged: [string, string, RegExp][] = [
    ["process", `process.exit(0);`, /uses process/],
    ["typeof process", `const onNode = typeof process !== "undefined";`, /uses process/],
    ["Deno", `Deno.exit(0);`, /uses Deno/],
    ["globalThis", `const g = globalThis;`, /uses globalThis/],
    ["global", `global.x = 1;`, /uses global/],
    ["self", `self.postMessage("24 passed");`, /uses self/],
    ["window", `window.name = "x";`, /uses window/],
    ["eval", `eval("1 + 1");`, /uses eval/],
    ["indirect eval", `const e = (0, eval);`, /uses eval/],
    ["new Function", `const f = new Function("return 1");`, /uses the Function constructor/],
    ["Function called", `const f = Function("return 1");`, /uses the Function constructor/],
    ["require", `const fs = require("fs");`, /uses require/],
    ["import.meta", `const url = import.meta.url;`, /uses import\.meta/],
    ["__vitest_worker__", `const w = (globalThis as any).__vitest_worker__;`, /__vitest_worker__/],
    ["a computed vitest key", `const o: any = {}; o["__vi" + "test_worker__"];`, /__vitest_worker__/],
    ["an identifier naming vitest", `const x = myVitestHandle;`, /myVitestHandle/],
    [".constructor", `const F = (() => {}).constructor;`, /\.constructor/],
    ["this.constructor called", `class A { m() { return (this.constructor as any)("return 1")(); } }`, /\.constructor/],
    ["constructor of a constructor", `class A { m() { return this.constructor.constructor; } }`, /\.constructor/],
    ["computed constructor", `const F = (() => {})["constructor"];`, /\.constructor/],
    ["constructor folded from a const", `const k = "constr" + "uctor"; const F = (() => {})[k];`, /\.constructor/],
    ["constructor in a template", "const F = (() => {})[`constructor`];", /\.constructor/],
    ["__proto__", `const p = ({} as any).__proto__;`, /__proto__/],
    ["a matcher hook on a returned value", `const fake: any = []; fake.asymmetricMatch = () => true;`, /uses asymmetricMatch \(a hook of the test matchers\)/],
    ["a matcher hook in an object literal", `const fake = { asymmetricMatch: () => true };`, /uses asymmetricMatch/],
    ["a matcher hook as a method", `class Fake { asymmetricMatch() { return true; } }`, /uses asymmetricMatch/],
    ["Object.is =", `Object.is = () => true;`, /changes Object\.is, a built-in/],
    ["a prototype method", `Array.prototype.includes = () => true;`, /changes Array\.prototype\.includes/],
    ["a computed prototype write", `(Map.prototype as any)["get"] = () => 1;`, /changes Map\.prototype/],
    ["compound assignment", `(Math as any).PI += 1;`, /changes Math\.PI/],
    ["a destructuring write", `[Object.is] = [() => true];`, /changes Object\.is/],
    ["delete", `delete (Object.prototype as any).x;`, /deletes a property of the built-in Object/],
    ["delete through an optional chain", `delete (Object.prototype as any)?.x;`, /deletes a property of the built-in Object/],
    ["a built-in replaced", `Promise = class {} as any;`, /replaces the built-in Promise/],
    ["Object.defineProperty on a prototype", `Object.defineProperty(Array.prototype, "x", { value: 1 });`, /changes the built-in Array\.prototype with Object\.defineProperty/],
    ["Object.setPrototypeOf on a built-in", `Object.setPrototypeOf(JSON, null);`, /changes the built-in JSON with Object\.setPrototypeOf/],
    ["Reflect.set on a built-in", `Reflect.set(Number, "isInteger", () => true);`, /changes the built-in Number with Reflect\.set/],
    ["Reflect.set through an optional chain", `Reflect.set(Array?.prototype, "at", () => 1);`, /changes the built-in Array\.prototype with Reflect\.set/],
    ["Object.assign onto a built-in", `Object.assign(String.prototype, { x: 1 });`, /changes the built-in String\.prototype with Object\.assign/],
    ["a Proxy around a built-in", `const p = new Proxy(Error, {});`, /wraps the built-in Error in a Proxy/],
    ["a built-in prototype handed out", `const ap = Array.prototype;`, /hands out Array\.prototype/],
    ["a built-in kept as a value", `for (const E of [RangeError, TypeError]) void E;`, /keeps the built-in RangeError as a value/],
    ["a built-in passed to a function that writes to it", `function patch(o: any) { o.is = () => true; } patch(Object);`, /keeps the built-in Object as a value/],
    ["a built-in returned", `const get = (): any => Object; get().is = () => true;`, /keeps the built-in Object as a value/],
    ["a built-in as a default parameter", `function patch(o: any = Object) { o.is = () => true; }`, /keeps the built-in Object as a value/],
    ["a built-in in a branch of ?:", `const O: any = Date.now() > 0 ? Object : null;`, /keeps the built-in Object as a value/],
    ["a built-in in a Map", `new Map<string, unknown>().set("o", Object);`, /keeps the built-in Object as a value/],
    ["a prototype destructured", `const { prototype } = Array;`, /keeps the built-in Array as a value/],
    ["a conversion passed to a call that is no callback method", `function patch(n: any) { n.isInteger = () => true; } patch(Number);`, /keeps the built-in Number as a value/],
    ["Object.getPrototypeOf used", `const p = Object.getPrototypeOf([]);`, /Object\.getPrototypeOf/],
    ["Symbol.hasInstance", `class Any { static [Symbol.hasInstance]() { return true; } }`, /Symbol\.hasInstance/],
    ["Symbol.for", `const s = Symbol.for("matchers");`, /Symbol\.for/],
    ["BroadcastChannel", `new BroadcastChannel("results");`, /uses BroadcastChannel/],
    ["MessageChannel", `const { port1 } = new MessageChannel();`, /uses MessageChannel/],
    ["Worker", `new Worker("x.js");`, /uses Worker/],
    ["SharedArrayBuffer", `const sab = new SharedArrayBuffer(8);`, /uses SharedArrayBuffer/],
    ["Atomics", `Atomics.wait(new Int32Array(4), 0, 0);`, /uses Atomics/],
    ["fetch", `fetch("http://localhost/");`, /uses fetch/],
    ["WebSocket", `new WebSocket("ws://localhost/");`, /uses WebSocket/],
    ["postMessage", `postMessage("24 passed");`, /uses postMessage/],
    ["setTimeout with a string", `setTimeout("globalThis.x = 1", 0);`, /calls setTimeout with a string of code/],
    ["setInterval with a template", "setInterval(`x()`, 10);", /calls setInterval with a string of code/],
    ["an ambient declaration is still the global", `declare const process: any;\nprocess.exit(0);`, /uses process/],
    ["a global used where a parameter of another function shadows it", `function f(process: unknown) { return process; }\nexport const e = process.env;`, /uses process/],
  ];
  test.each(flagged)("%s", (_name, code, what) => {
    const findings = scanPowers(atLine3(code), FILE);
    expect(findings.length).toBeGreaterThan(0);
    const hit = findings.find((f) => what.test(f.message));
    expect(hit, findings.map((f) => f.message).join("\n")).toBeDefined();
    // The offending statement is the fixture's last line.
    const line = 3 + code.split("\n").length - 1;
    expect(hit!.line).toBe(line);
    expect(hit!.message).toMatch(new RegExp(`^${FILE}:${line}: .+: no lesson needs it$`));
    expect(hit!.file).toBe(FILE);
  });

  test("a finding names its line and column", () => {
    const [finding] = scanPowers(atLine3(`export const x = 1; process.exit(0);`), FILE);
    expect(finding).toEqual({ file: FILE, line: 3, column: 21, power: "process", message: `${FILE}:3: uses process: no lesson needs it` });
  });

  test("honest code that looks close is not flagged", () => {
    const honest = `
      const self = { name: "local" };
      function run(process: (x: number) => number, global: number) { return process(global) + self.name.length; }
      class Node2 { constructor(readonly value: number) {} describe() { return this.constructor.name; } same(o: object) { return o.constructor === this.constructor; } }
      class List implements Iterable<number> { *[Symbol.iterator]() { yield 1; } async *[Symbol.asyncIterator]() { yield 2; } }
      const frozen = Object.freeze({ a: 1 });
      class Frozen { constructor() { Object.freeze(this); } }
      const wait = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
      const timer = setTimeout;
      const plain = (v: unknown) => typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
      const isFn = (v: unknown) => v instanceof Function || typeof v === "function";
      const copy = Array.prototype.slice.call([1, 2]);
      const numbers = ["1", "2"].map(Number).filter(Boolean);
      const keys = (Object as any).keys({ a: 1 }).map(String); const { floor, max } = Math;
      class Refused extends RangeError {} const isError = (e: unknown) => e instanceof Refused || typeof Error === "function";
      const map = new Map<string, number>(); map.set("constructor-like", 1);
      const record: Record<string, number> = {}; record[String(1)] = 2;
      const o = { process: 1, eval: 2, window: 3 }; o.process += o.eval;
      const { subtle } = crypto; const bytes = new TextEncoder().encode("x");
      label: for (const k of [1]) { if (k) break label; }
      try { JSON.parse("x"); } catch (error) { if (error instanceof SyntaxError) throw new RangeError("bad"); }
      enum Kind { A = 1, B = A + 1 }
      export { self, run, Node2, List, frozen, Frozen, wait, timer, plain, isFn, copy, numbers, keys, floor, max, isError, map, record, o, subtle, bytes, Kind };
    `;
    expect(scanPowers(honest, FILE)).toEqual([]);
  });

  test("a file the parser cannot read yields no finding (its syntax error is reported by the grader)", () => {
    expect(scanPowers("export const x = ;", FILE)).toEqual([]);
    expect(importViolations("import { from 'vitest'", FILE, [], LESSON_DIR, LIB)).toEqual([]);
  });
});

describe("every shipped skeleton and reference solution passes the guard", () => {
  for (const lesson of lessons) {
    for (const dir of ["exercises", "solutions"]) {
      test(`${dir}/${lesson.id}: no finding, no violation`, () => {
        expect(scanLesson(lesson, path.join(KIT, dir))).toEqual({ findings: [], violations: [] });
      });
    }
  }

  test("the registry's packages field: optional (none), a list of npm package names", () => {
    const base = { id: "lesson-1", title: "t", track: "core", files: ["a.ts"], hints: ["h"] };
    expect(validateRegistry({ lessons: [base] })[0].packages).toEqual([]);
    expect(validateRegistry({ lessons: [{ ...base, packages: ["crc", "@scope/pkg"] }] })[0].packages).toEqual(["crc", "@scope/pkg"]);
    expect(() => validateRegistry({ lessons: [{ ...base, packages: "crc" }] })).toThrow(/lesson-1: packages must be a list of strings/);
    for (const bad of ["../solutions", "node:fs", "/abs", "Crc", ""]) {
      expect(() => validateRegistry({ lessons: [{ ...base, packages: [bad] }] }), bad).toThrow(/packages must list npm package names/);
    }
  });

  test("each lesson lists exactly the packages its skeleton imports, and each is installed with the kit", () => {
    const manifest = JSON.parse(readFileSync(path.join(KIT, "package.json"), "utf8"));
    const installed = { ...manifest.dependencies, ...manifest.devDependencies };
    for (const lesson of lessons) {
      const bare = new Set<string>();
      for (const file of lesson.files) {
        const source = readFileSync(path.join(KIT, "exercises", lesson.id, file), "utf8");
        for (const m of source.matchAll(/from\s+"([^".][^"]*)"/g)) bare.add(m[1].startsWith("@") ? m[1].split("/").slice(0, 2).join("/") : m[1].split("/")[0]);
      }
      expect([...bare].sort(), lesson.id).toEqual([...lesson.packages].sort());
      for (const name of lesson.packages) expect(installed[name], `${lesson.id}: ${name}`).toBeDefined();
    }
  });
});

describe("scanLesson follows the lesson folder's own imports", () => {
  const root = mkdtempSync(path.join(tmpdir(), "crash-course-guard-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("a helper file imported by the exercise file is scanned too; files it does not import are not", () => {
    const lesson = lessons.find((l) => l.id === "lesson-1")!;
    mkdirSync(path.join(root, "lesson-1"), { recursive: true });
    writeFileSync(path.join(root, "lesson-1", "cow-list.ts"), `import { helper } from "./helper.ts";\nexport class CowList {}\nexport { helper };\n`);
    writeFileSync(path.join(root, "lesson-1", "helper.ts"), `import "node:fs";\nexport const helper = () => process.exit(0);\n`);
    writeFileSync(path.join(root, "lesson-1", "unused.ts"), `eval("1");\n`);
    const { findings, violations } = scanLesson(lesson, root);
    expect(findings.map((f) => [path.basename(f.file), f.line, f.power])).toEqual([["helper.ts", 2, "process"]]);
    expect(violations.map((v) => [path.basename(v.file), v.line, v.specifier])).toEqual([["helper.ts", 1, "node:fs"]]);
  });
});

describe("check's report of findings", () => {
  const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");
  const result = (findings?: LessonResult["findings"]): LessonResult => ({
    lesson: "lesson-1", title: "Naive copy-on-write", impl: "exercises", passed: 1, failed: 0, total: 1, problems: [],
    tests: [{ id: "lesson-1:a", lesson: "lesson-1", name: "a test", suite: "", file: "tests/lesson-1/a.test.ts", state: "passed" }],
    ...(findings ? { findings } : {}),
  });

  test("lists each finding with its line under an unofficial heading, and says so before the closing line", () => {
    const findings = scanPowers(atLine3("process.exit(0);\neval('1');"), FILE);
    const text = plain(formatLesson(result(findings)));
    expect(text).toContain("powers no lesson needs (this result is unofficial):");
    expect(text).toContain(`${FILE}:3: uses process: no lesson needs it`);
    expect(text).toContain(`${FILE}:4: uses eval: no lesson needs it`);
    const lines = text.trim().split("\n");
    expect(lines.at(-1)).toBe("1 passed, 0 failed");
    const note = lines.indexOf("unofficial: 2 uses of powers no lesson needs, listed above");
    expect(note).toBeGreaterThan(lines.indexOf("  ✓ a test"));
  });

  test("says nothing about powers when there is no finding", () => {
    expect(plain(formatLesson(result()))).not.toMatch(/powers|unofficial/);
    expect(plain(formatLesson(result([])))).not.toMatch(/powers|unofficial/);
  });
});

describe("the vitest plugin", () => {
  test("refuses to transform a graded file with a violation, listing every violation, one per line", () => {
    const [pre] = importGuardPlugin() as { transform: (code: string, id: string) => unknown }[];
    const id = path.join(KIT, "exercises", "lesson-1", "cow-list.ts");
    expect(() => pre.transform(atLine3(`import "vitest";\nimport "node:fs";`), id)).toThrow(
      new Error([
        `${FILE}:3: import "vitest" is not allowed: an exercise may import only lib/, files of lesson-1's folder and the packages its skeleton imports (none)`,
        `${FILE}:4: import "node:fs" is not allowed: an exercise may import only lib/, files of lesson-1's folder and the packages its skeleton imports (none)`,
      ].join("\n")),
    );
    expect(pre.transform(readFileSync(id, "utf8"), id)).toBeNull();
    // The tests themselves and lib/ are the kit's, not code under test.
    expect(pre.transform(`import "vitest";`, path.join(KIT, "tests", "lesson-1", "cow-list.test.ts"))).toBeNull();
    expect(pre.transform(`import "vitest";`, path.join(KIT, "lib", "todo.ts"))).toBeNull();
  });

  test("refuses a graded file its parser cannot read once the transformer has accepted it", () => {
    const [pre, post] = importGuardPlugin() as { transform: (code: string, id: string) => unknown }[];
    const id = path.join(KIT, "solutions", "lesson-2", "snapshot-store.ts");
    expect(pre.transform("export const x = ;", id)).toBeNull();
    expect(() => post.transform("export const x = 1;", id)).toThrow(/the import guard cannot read this file/);
    // Watch mode: once the file reads again, it loads again.
    expect(pre.transform("export const x = 1;", id)).toBeNull();
    expect(post.transform("export const x = 1;", id)).toBeNull();
  });
});

describe.each(RUNTIMES)("check refuses a submission that imports vitest, on %s", (runtime) => {
  const root = mkdtempSync(path.join(tmpdir(), `crash-course-guard-${runtime}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test.concurrent("the --json result names the import and its line, and nothing passes", async () => {
    const dir = path.join(root, "vitest-import");
    mkdirSync(path.join(dir, "lesson-1"), { recursive: true });
    const skeleton = readFileSync(path.join(KIT, "solutions", "lesson-1", "cow-list.ts"), "utf8").split("\n");
    const line = skeleton.findIndex((l) => l.startsWith("export class")) + 1;
    skeleton.splice(line - 1, 0, `import { expect } from "vitest";`);
    writeFileSync(path.join(dir, "lesson-1", "cow-list.ts"), skeleton.join("\n"));
    const run = await kit(runtime, "check", ["lesson-1", "--dir", dir, "--json"]);
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.passed).toBe(0);
    expect(JSON.stringify(result.problems)).toContain(`lesson-1/cow-list.ts:${line}: import \\"vitest\\" is not allowed`);
  }, 120_000);

  test.concurrent("a symlink in the lesson folder that leads to the reference solution is refused", async () => {
    const dir = path.join(root, "symlink");
    mkdirSync(path.join(dir, "lesson-1"), { recursive: true });
    symlinkSync(path.join(KIT, "solutions", "lesson-1", "cow-list.ts"), path.join(dir, "lesson-1", "reference.ts"));
    writeFileSync(path.join(dir, "lesson-1", "cow-list.ts"), `// mine\nexport { CowList } from "./reference.ts";\n`);
    const run = await kit(runtime, "check", ["lesson-1", "--dir", dir, "--json"]);
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.passed).toBe(0);
    expect(JSON.stringify(result.problems)).toContain(`lesson-1/cow-list.ts:2: import \\"./reference.ts\\" is not allowed: it leads to solutions/lesson-1/cow-list.ts`);
  }, 120_000);

  test.concurrent("a lesson folder that is a link to the reference solutions is refused", async () => {
    const dir = path.join(root, "linked-folder");
    mkdirSync(dir, { recursive: true });
    symlinkSync(path.join(KIT, "solutions", "lesson-1"), path.join(dir, "lesson-1"), "dir");
    const run = await kit(runtime, "check", ["lesson-1", "--dir", dir, "--json"]);
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.passed).toBe(0);
    expect(JSON.stringify(result.problems)).toContain("lesson-1/cow-list.ts is not allowed: it is a link to solutions/lesson-1/cow-list.ts");
  }, 120_000);
});
