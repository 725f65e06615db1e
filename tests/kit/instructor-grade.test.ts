/**
 * `npm run grade` as an instructor runs it, on Node and on Deno, over the fixture class in
 * tests/kit/fixtures/submissions: honest work, hangs and explosions, layouts (GitHub's
 * "Download ZIP", a misnamed file), and attacks on the grader, each an honest lesson-1
 * file plus a few lines (their headers say what they try and what stops them).
 *
 * What must hold, whatever the submissions do:
 *  - every honest fixture keeps its exact grade; every attack gets no more than its honest
 *    base would, or is flagged (0 points, not run);
 *  - every hang, explosion and self-kill is graded completely (every test of lesson 1 has a
 *    verdict) and identically each time it is graded (three copies in one class);
 *  - nothing outside the scratch copies changes (the kit copy, the class folder and the
 *    real node_modules/ hashed before and after), and no process a submission started
 *    survives grade (where the sandbox is available; without it the run says so);
 *  - CSV, JSON, Gradescope's results.json and the autograder bundle carry the points.
 *
 * The class is graded by a copy of the kit whose manifest lists lesson 1's tests and
 * skeleton as they are now (a released kit), so that the check "nothing in the
 * instructor's tree changed" covers every file without racing anyone editing this one.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { unzipSync } from "fflate";
import { KIT, RUNTIMES, kit, type Run, type Runtime } from "./support/cli.ts";
import { tempKit } from "./support/temp-kit.ts";
import { spawnSync } from "node:child_process";
import { readManifest, writeManifest } from "../../scripts/core/integrity.ts";
import { sandboxStatus, sandboxWrap } from "../../scripts/core/sandbox.ts";
import { DENO, NODE } from "./support/cli.ts";

const instructor = tempKit();
const ROOT = instructor.root;
const CLASS = path.join(ROOT, "tests", "kit", "fixtures", "submissions");
/** The default 5 s per test: a shorter one makes the idle-wait check fire on a starved machine. */
const LIMITS = ["--memory", "256"];
const SANDBOX = sandboxStatus().available;
/** A marker only the detached attack's command line carries. */
const DETACHED_MARKER = "forged-by-a-detached-process";

/** Hangs, explosions and self-kills: graded three times each, in one class. */
const TROUBLED = [
  "endless-loop", "hangs-in-many-tests", "runaway-array", "memory-hog",
  "attack-self-kill", "attack-exit-many", "crashes-process", "hangs-on-load",
];
/**
 * Attacks whose only defence is the flag: run anyway, one is honest code under the grader,
 * one changes a built-in that the test's own assertions share with the code under test, and
 * one hands the assertions a value that answers their equality question itself.
 */
const FLAG_IS_THE_DEFENCE = ["attack-env-detect", "attack-object-is", "attack-asymmetric-match"];
/** Each attack's honest base: the fixture it is, without the attack's lines. */
const HONEST_BASE: Record<string, string> = {
  "attack-expect-extend": "wrong-values", "attack-after-each": "wrong-values", "attack-object-is": "wrong-values",
  "attack-asymmetric-match": "wrong-values",
  "attack-has-instance": "wrong-values", "attack-vitest-internals": "wrong-values",
  "attack-self-kill": "correct", "attack-exit-many": "correct",
};
const baseOf = (attack: string) => HONEST_BASE[attack] ?? "partial";
/** Attacks that write outside their folder or leave processes behind: run only inside the sandbox. */
const SANDBOX_ONLY = ["attack-writes-others", "attack-detached-rewriter", "writes-outside"];

interface TestRow {
  id: string;
  name: string;
  state: string;
  explanation?: { kind: string; message?: string };
}
interface LessonRow {
  lesson: string;
  status: string;
  passed: number;
  total: number;
  points: number;
  maxPoints: number;
  detail?: string;
  findings?: string[];
  untouched?: boolean;
  identical?: boolean;
  result?: { tests: TestRow[] };
}
interface GradeFile {
  sandbox: string;
  lessons: { id: string; tests: number; maxPoints: number }[];
  submissions: { learner: string; status: string; points: number; maxPoints: number; lessons: LessonRow[] }[];
}
interface ClassRun {
  run: Run;
  json: GradeFile;
  csv: string;
  /** The CSV a moment after grade exited: a process left behind could rewrite it. */
  csvLater: string;
  survivors: string[];
}

/** Every file under root (node_modules aside), with its SHA-256. */
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

function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((f) => before.get(f) !== after.get(f)).sort();
}

/** Command lines of running processes that carry the detached attack's marker. */
function survivors(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline.includes(DETACHED_MARKER) && Number(pid) !== process.pid) found.push(`${pid}: ${cmdline.slice(0, 80)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const out = mkdtempSync(path.join(tmpdir(), "crash-course-grade-test-"));
/** Lesson 1's tests, and the honest fixtures' grades by `check` (set before anything is graded). */
let TOTAL = 0;
const HONEST: Record<string, { passed: number; points: number }> = {};
const main = new Map<Runtime, ClassRun>();
const troubled = new Map<Runtime, ClassRun>();
let changed: string[] = [];
let troubledChanged: string[] = [];

async function gradeClass(runtime: Runtime, folder: string, name: string, extra: string[]): Promise<ClassRun> {
  const json = path.join(out, `${name}.json`);
  const csv = path.join(out, `${name}.csv`);
  const run = await kit(runtime, "grade", [folder, ...LIMITS, "--json", json, "--csv", csv, ...extra], { cwd: ROOT });
  const csvNow = existsSync(csv) ? readFileSync(csv, "utf8") : "";
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return {
    run, csv: csvNow, csvLater: existsSync(csv) ? readFileSync(csv, "utf8") : "", survivors: survivors(),
    json: existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) : undefined,
  };
}

/** A class of copies: each troubled fixture three times, and the attacks, to grade with --allow-flagged. */
function troubledClass(runtime: Runtime): string {
  const dir = path.join(out, `troubled-${runtime}`);
  mkdirSync(dir);
  for (const name of TROUBLED) for (const n of [1, 2, 3]) cpSync(path.join(CLASS, name), path.join(dir, `${name}~${n}`), { recursive: true });
  const attacks = readdirSync(CLASS).filter((n) => n.startsWith("attack-") && !TROUBLED.includes(n));
  for (const name of [...attacks, "partial", "wrong-values"]) {
    if (SANDBOX || !SANDBOX_ONLY.includes(name)) cpSync(path.join(CLASS, name), path.join(dir, name), { recursive: true });
  }
  return dir;
}

beforeAll(async () => {
  // The copy stands for a released kit: its manifest lists lesson 1's tests and hashes its files.
  const listed = await kit("node", "check", ["lesson-1", "--solutions", "--json"], { cwd: ROOT });
  const tests = (JSON.parse(listed.stdout) as { tests: { id: string; file: string; suite: string; name: string }[] }).tests;
  writeManifest(ROOT, { ...readManifest(ROOT)?.tests, "lesson-1": tests.map(({ id, file, suite, name }) => ({ id, file, suite, name })) });
  TOTAL = tests.length;
  // The honest fixtures' exact grades, as `check` gives them for the same files.
  await Promise.all(["partial", "wrong-values"].map(async (name) => {
    const checked = await kit("node", "check", ["lesson-1", "--dir", path.join(CLASS, name), "--json"], { cwd: ROOT });
    const result = JSON.parse(checked.stdout) as { passed: number; points: { earned: number } };
    HONEST[name] = { passed: result.passed, points: result.points.earned };
  }));
  // The untouched fixture is the shipped skeleton, whatever the skeleton says today.
  cpSync(path.join(ROOT, "exercises", "lesson-1"), path.join(CLASS, "untouched", "exercises", "lesson-1"), { recursive: true });
}, 120_000);

/** The class graded on both runtimes, as it is and (hangs tripled, attacks) with --allow-flagged. */
async function gradeTheClasses(): Promise<void> {
  const before = treeHashes(ROOT);
  const classes = Object.fromEntries(RUNTIMES.map((r) => [r, troubledClass(r)]));
  const beforeTroubled = new Map(RUNTIMES.map((r) => [r, treeHashes(classes[r])]));
  await Promise.all(RUNTIMES.map(async (runtime) => main.set(runtime, await gradeClass(runtime, CLASS, `main-${runtime}`, []))));
  await Promise.all(RUNTIMES.map(async (runtime) => {
    troubled.set(runtime, await gradeClass(runtime, classes[runtime], `troubled-${runtime}`, ["--allow-flagged"]));
  }));
  changed = changedFiles(before, treeHashes(ROOT));
  troubledChanged = RUNTIMES.flatMap((r) => changedFiles(beforeTroubled.get(r)!, treeHashes(classes[r])).map((f) => `${r}: ${f}`));
}

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  instructor.remove();
});

function lessonOf(file: GradeFile, learner: string): LessonRow {
  const row = file.submissions.find((s) => s.learner === learner);
  if (!row) throw new Error(`no row for ${learner}`);
  return row.lessons[0];
}

describe("grading the fixture class", () => {
  beforeAll(gradeTheClasses, 900_000);

  describe.each(RUNTIMES)("grade on %s", (runtime) => {
    const get = () => main.get(runtime)!;
    const lesson = (learner: string) => lessonOf(get().json, learner);

    test("grades every fixture submission, says whether it sandboxed them, and exits 0", () => {
      const { run, json } = get();
      expect(run.code, run.stderr).toBe(0);
      expect(json.lessons).toEqual([{ id: "lesson-1", title: expect.any(String), tests: TOTAL, maxPoints: 100 }]);
      expect(json.submissions.map((s) => s.learner)).toEqual(readdirSync(CLASS).sort((a, b) => a.localeCompare(b)));
      if (SANDBOX) {
        expect(json.sandbox).toMatch(/^bubblewrap/);
        expect(run.stdout).toMatch(/graded in [\d.]+ s on \w+ [\d.]+, \d+ at a time, in a sandbox \(bubblewrap/);
      } else {
        expect(run.stderr).toMatch(/warning: no sandbox: .*To sandbox them: /);
      }
    });

    test("honest work keeps its exact grade; layouts are found; the untouched and identical columns say so", () => {
      const partial = lesson("partial");
      const untouched = lesson("untouched");
      expect(lesson("correct")).toMatchObject({ status: "graded", passed: TOTAL, points: 100, identical: true });
      expect(lesson("reference-copy")).toMatchObject({ status: "graded", passed: TOTAL, points: 100, identical: true });
      expect(partial).toMatchObject({ status: "graded", passed: HONEST.partial.passed, identical: false });
      expect(partial.points).toBeCloseTo(HONEST.partial.points, 6);
      expect(partial.points).toBeGreaterThan(0);
      expect(partial.points).toBeLessThan(100);
      expect(lesson("wrong-values")).toMatchObject({ status: "graded", passed: HONEST["wrong-values"].passed });
      expect(lesson("wrong-values").points).toBeCloseTo(HONEST["wrong-values"].points, 6);
      expect(untouched).toMatchObject({ status: "graded", untouched: true });
      expect(lesson("download-zip")).toMatchObject({ status: "graded", passed: partial.passed, points: partial.points });
      expect(lesson("tampered-tests")).toMatchObject({ status: "graded", passed: untouched.passed, points: untouched.points });
      expect(lesson("attack-forged-console")).toMatchObject({ status: "graded", passed: partial.passed, points: partial.points });
      expect(lesson("misnamed-file")).toMatchObject({ status: "missing files", points: 0, detail: "expected lesson-1/cow-list.ts; found cowlist.ts" });
      expect(lesson("syntax-error")).toMatchObject({ status: "compile error", points: 0 });
      expect(lesson("syntax-error").detail).toMatch(/^syntax error in exercises\/lesson-1\/cow-list\.ts:28:\d+/);
      expect(get().json.submissions.find((s) => s.learner === "no-exercises")).toMatchObject({ status: "no exercises", points: 0, maxPoints: 100 });
    });

    test("code with powers no lesson needs, or imports it may not make, is flagged: 0 points, findings listed, not run", () => {
      const flagged = get().json.submissions.filter((s) => s.lessons[0].status === "flagged").map((s) => s.learner);
      const attacks = readdirSync(CLASS).filter((n) => n.startsWith("attack-"));
      // These two use no power the scan looks for: they are graded, and gain nothing (below).
      const unflagged = ["attack-forged-console", "attack-has-instance"];
      expect(flagged).toEqual(expect.arrayContaining(attacks.filter((a) => !unflagged.includes(a))));
      expect(flagged).toEqual(expect.arrayContaining(["crashes-process", "hangs-on-load", "writes-outside"]));
      for (const learner of flagged) {
        const l = lesson(learner);
        expect({ learner, points: l.points, passed: l.passed, result: l.result }).toEqual({ learner, points: 0, passed: 0, result: undefined });
        expect(l.findings!.length, learner).toBeGreaterThan(0);
        expect(l.findings![0]).toMatch(/^exercises\/lesson-1\/cow-list\.ts:\d+/);
      }
      expect(lesson("attack-has-instance").points).toBeLessThanOrEqual(lesson("wrong-values").points);
      expect(get().run.stdout).toMatch(/^attack-object-is · lesson-1: flagged, 0 points, not run$/m);
    });

    test("hangs and explosions with no power are graded completely: every test listed, the bad ones failed with why", () => {
      const complete = (learner: string) => {
        const tests = lesson(learner).result!.tests;
        expect(tests.length, learner).toBe(TOTAL);
        return tests.filter((t) => t.state !== "passed");
      };
      expect(lesson("endless-loop")).toMatchObject({ status: "test time limit", passed: TOTAL - 1, detail: "1 test stopped by the time limit" });
      expect(complete("endless-loop")[0].explanation).toMatchObject({ kind: "time-limit" });
      expect(lesson("hangs-in-many-tests")).toMatchObject({ status: "test time limit", passed: TOTAL - 3 });
      expect(complete("hangs-in-many-tests").map((t) => t.name).sort()).toEqual([
        "get() returns the original's values", "get() sees a value written with set()", "iterating yields every value in order, writes included",
      ]);
      expect(lesson("memory-hog")).toMatchObject({ status: "out of memory", passed: TOTAL - 3 });
      expect(complete("runaway-array").map((t) => t.name)).toEqual(["each list keeps its own writes"]);
      for (const learner of ["endless-loop", "hangs-in-many-tests", "memory-hog", "runaway-array"]) {
        expect(lesson(learner).points, learner).toBeGreaterThan(lesson("partial").points);
      }
    });

    test("prints the Markdown table: a row per learner, tests per lesson, points, status and the two columns", () => {
      const { run, json } = get();
      const lines = run.stdout.split("\n");
      expect(lines[0]).toMatch(/^\| learner\s+\| lesson-1 \|\s+points \| status\s+\| untouched \| identical\s*\|$/);
      expect(lines[1]).toMatch(/^\|-+\|-+:\|-+:\|-+\|-+\|-+\|$/);
      for (const s of json.submissions) {
        const cell = s.status === "no exercises" ? "—" : `${s.lessons[0].passed}/${TOTAL}`;
        const points = `${Math.round(s.points * 10) / 10}/100`;
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\| ${s.learner}\\s+\\|\\s+${cell} \\|\\s+${points} \\| ${s.status}\\s+\\|`)));
      }
    });

    test("writes the CSV: each lesson's points, empty when not submitted, the columns and notes", () => {
      const { csv, json } = get();
      const lines = csv.trim().split("\n");
      expect(lines[0]).toBe("learner,lesson-1,points,max_points,status,untouched,identical_to_reference,notes");
      expect(lines).toContain("no-exercises,,0,100,no exercises,,,");
      expect(lines).toContain("misnamed-file,0,0,100,missing files,,,lesson-1: expected lesson-1/cow-list.ts; found cowlist.ts");
      expect(lines).toContain("correct,100,100,100,graded,,lesson-1,");
      expect(lines.find((l) => l.startsWith("untouched,"))).toMatch(/^untouched,[\d.]+,[\d.]+,100,graded,lesson-1,,$/);
      expect(lines.find((l) => l.startsWith("attack-eval,"))).toMatch(/^attack-eval,0,0,100,flagged,,,"?lesson-1: exercises\/lesson-1\/cow-list\.ts:\d+: .*eval/);
      expect(lines.length).toBe(json.submissions.length + 1);
    });

    test("leaves the instructor's tree unchanged, though submissions write outside their folder", () => {
      expect(changed).toEqual([]);
      expect(existsSync(path.join(ROOT, "tests", "lesson-1", "planted.test.ts"))).toBe(false);
      expect(existsSync(path.join(KIT, "node_modules", ".planted-by-a-submission"))).toBe(false);
    });
  });

  describe.each(RUNTIMES)("grade --allow-flagged, hangs and attacks graded anyway, on %s", (runtime) => {
    const get = () => troubled.get(runtime)!;
    const lesson = (learner: string) => lessonOf(get().json, learner);
    const verdicts = (learner: string) => lesson(learner).result?.tests.map((t) => ({ id: t.id, state: t.state, why: t.explanation?.message ?? "" }));

    test("exits 0 with a row per copy", () => {
      expect(get().run.code, get().run.stderr).toBe(0);
      expect(get().json.submissions.length).toBe(readdirSync(path.join(out, `troubled-${runtime}`)).length);
    });

    test.each(TROUBLED)("%s is graded completely and identically three times", (name) => {
      const [first, second, third] = [1, 2, 3].map((n) => verdicts(`${name}~${n}`));
      expect(first?.length, `${name}: ${lesson(`${name}~1`).detail}`).toBe(TOTAL);
      expect(second).toEqual(first);
      expect(third).toEqual(first);
      expect(first!.filter((t) => t.state !== "passed").every((t) => t.why.length > 0)).toBe(true);
    });

    test("code that kills or exits its own process fails those tests only; the rest keep their verdicts", () => {
      expect(lesson("attack-self-kill~1")).toMatchObject({ status: "crashed", passed: TOTAL - 1 });
      expect(lesson("crashes-process~1")).toMatchObject({ status: "crashed", passed: TOTAL - 1 });
      const exits = lesson("attack-exit-many~1");
      expect(exits.passed).toBeGreaterThan(0);
      expect(exits.passed).toBeLessThan(TOTAL);
      expect(lesson("hangs-on-load~1").passed).toBe(0);
    });

    test("every attack graded anyway gets no more than its honest base (three are stopped by their flag alone)", () => {
      const attacks = get().json.submissions.map((s) => s.learner.replace(/~\d$/, "")).filter((n) => n.startsWith("attack-"));
      expect(new Set(attacks).size).toBeGreaterThanOrEqual(10);
      const graded = get().json.submissions.map((s) => s.learner).filter((n) => n.startsWith("attack-") && !FLAG_IS_THE_DEFENCE.includes(n));
      for (const learner of graded) {
        const base = baseOf(learner.replace(/~\d$/, ""));
        const honest = base === "correct" ? 100 : lesson(base).points;
        expect({ learner, points: lesson(learner).points <= honest }).toEqual({ learner, points: true });
      }
    });

    test.runIf(SANDBOX)("no process a submission started survives grade, and the CSV stays as grade wrote it", () => {
      expect(get().survivors).toEqual([]);
      expect(get().csvLater).toBe(get().csv);
      expect(get().csv).not.toContain(DETACHED_MARKER);
    });

    test.runIf(SANDBOX)("nothing outside the scratch copies changed: the kit, the class, the real node_modules", () => {
      expect(changed).toEqual([]);
      expect(troubledChanged).toEqual([]);
      expect(existsSync(path.join(KIT, "node_modules", ".planted-by-a-submission"))).toBe(false);
    });
  });
});

/** Run inside the sandbox: what the code under test can see and do there. */
const PROBE = `
import fs from "node:fs";
import net from "node:net";
import { spawn } from "node:child_process";
const [kit, scratch, hidden] = process.argv.slice(-3);
const can = (f) => { try { f(); return true; } catch { return false; } };
const report = {
  solutions: fs.existsSync(kit + "/solutions"), git: fs.existsSync(kit + "/.git"),
  tests: fs.existsSync(kit + "/tests/lesson-1/cow-list.test.ts"), hidden: fs.readdirSync(hidden).length,
  writeKit: can(() => fs.writeFileSync(kit + "/lib/planted.txt", "x")),
  writeNodeModules: can(() => fs.writeFileSync(kit + "/node_modules/.planted-by-a-submission", "x")),
  writeScratch: can(() => fs.writeFileSync(scratch + "/written.txt", "x")),
  // The kit's node_modules may be a link into a kit that lives under /tmp too (a CI clone).
  otherTmp: fs.readdirSync("/tmp").filter((name) => ![scratch, kit, fs.realpathSync(kit + "/node_modules")].some((own) => own.startsWith("/tmp/" + name + "/") || own === "/tmp/" + name)),
};
const socket = net.connect({ host: "1.1.1.1", port: 80 });
const finish = (network) => {
  report.network = network;
  const code = "setInterval(() => {}, 1000) // sandbox-survivor-marker";
  spawn(process.execPath, process.execPath.endsWith("deno") ? ["eval", code] : ["-e", code], { detached: true, stdio: "ignore" }).unref();
  console.log(JSON.stringify(report));
  setTimeout(() => process.exit(0), 300);
};
socket.on("connect", () => finish(true));
socket.on("error", () => finish(false));
`;

describe.runIf(SANDBOX)("the sandbox a submission's test process runs in", () => {
  test.each(RUNTIMES)("on %s: the kit read-only without solutions/ and .git, the class hidden, writes only to scratch, no network, nothing survives", (runtime) => {
    const scratch = mkdtempSync(path.join(tmpdir(), "crash-course-sandbox-test-"));
    try {
      writeFileSync(path.join(scratch, "probe.mjs"), PROBE);
      const binary = runtime === "deno" || !NODE ? DENO : NODE;
      const args = runtime === "deno" || !NODE ? ["run", "-A", path.join(scratch, "probe.mjs")] : [path.join(scratch, "probe.mjs")];
      const [command, argv] = sandboxWrap({ kit: ROOT, scratch, hide: [CLASS] })!(binary, [...args, ROOT, scratch, CLASS]);
      const run = spawnSync(command, argv, { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout.trim().split("\n").pop()!)).toEqual({
        solutions: false, git: false, tests: true, hidden: 0, writeKit: false, writeNodeModules: false,
        writeScratch: true, otherTmp: [], network: false,
      });
      expect(readFileSync(path.join(scratch, "written.txt"), "utf8")).toBe("x");
      expect(existsSync(path.join(ROOT, "lib", "planted.txt"))).toBe(false);
      // The PID namespace ends with the test process; the kernel takes a moment to reap it.
      const marked = () => readdirSync("/proc").filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("sandbox-survivor-marker");
        } catch {
          return false;
        }
      });
      let left = marked();
      for (let i = 0; i < 40 && left.length > 0; i++) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        left = marked();
      }
      expect(left).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.each(RUNTIMES)("grade --gradescope on %s", (runtime) => {
  test.concurrent("writes results.json for one submission: weighted score, every test with its share and output", async () => {
    const file = path.join(out, `gradescope-${runtime}.json`);
    const visibility = runtime === "node" ? [] : ["--visibility", "after_published"];
    const run = await kit(runtime, "grade", [path.join(CLASS, "partial"), ...LIMITS, "--gradescope", file, ...visibility], { cwd: ROOT });
    expect(run.code, run.stderr).toBe(0);
    const results = JSON.parse(readFileSync(file, "utf8"));
    expect(results.max_score).toBe(100);
    expect(results.score).toBeGreaterThan(0);
    expect(results.score).toBeLessThan(100);
    expect(results.tests.length).toBe(TOTAL);
    const sum = (key: "score" | "max_score") => results.tests.reduce((n: number, t: Record<string, number>) => n + t[key], 0);
    expect(sum("max_score")).toBeCloseTo(100, 0);
    expect(sum("score")).toBeCloseTo(results.score, 0);
    for (const t of results.tests) {
      expect(Object.keys(t).sort()).toEqual(["max_score", "name", "number", "output", "score", "status", "visibility"]);
      expect(t).toMatchObject({ visibility: runtime === "node" ? "visible" : "after_published", score: t.status === "passed" ? t.max_score : 0 });
      expect(t.name).toMatch(/^lesson-1 › /);
    }
    const counters = results.tests.find((t: { name: string }) => t.name.endsWith("isCopied turns true with the first write"));
    expect(counters).toMatchObject({ status: "failed", output: expect.stringMatching(/^TODO\(lesson-1:counters\) is still open: exercises\/lesson-1\/cow-list\.ts:\d+$/) });
  }, 300_000);
});

describe("grade --gradescope-bundle", () => {
  test("builds the autograder archive: the kit without solutions/, .git, node_modules/, .progress/, with setup.sh and run_autograder; it grades without solutions/", async () => {
    const zip = path.join(out, "autograder.zip");
    const built = await kit("node", "grade", ["--gradescope-bundle", zip, "--lessons", "lesson-1"], { cwd: ROOT });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/^wrote .*autograder\.zip: \d+ files/);
    const files = unzipSync(new Uint8Array(readFileSync(zip)));
    const names = Object.keys(files);
    expect(names).toEqual(expect.arrayContaining(["setup.sh", "run_autograder", "manifest.json", "package.json", "package-lock.json", "tests/lesson-1/cow-list.test.ts", "scripts/grade.ts"]));
    expect(names.filter((n) => /^(solutions|\.git|node_modules|\.progress)\//.test(n))).toEqual([]);
    const text = (name: string) => new TextDecoder().decode(files[name]);
    expect(text("setup.sh")).toMatch(/apt-get install -y [^\n]*bubblewrap/);
    expect(text("setup.sh")).toContain("npm ci");
    expect(text("run_autograder")).toContain("npm run grade /autograder/submission -- --gradescope /autograder/results/results.json --lessons lesson-1");

    // Unpacked as Gradescope would (node_modules from npm ci: here, linked), it grades a submission.
    const source = path.join(out, "autograder-source");
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(source, name)), { recursive: true });
      writeFileSync(path.join(source, name), bytes);
    }
    symlinkSync(path.join(KIT, "node_modules"), path.join(source, "node_modules"), "dir");
    const results = path.join(out, "bundle-results.json");
    const graded = await kit("node", "grade", [path.join(CLASS, "download-zip"), ...LIMITS, "--lessons", "lesson-1", "--gradescope", results], { cwd: source });
    expect(graded.code, graded.stderr).toBe(0);
    const partial = JSON.parse(readFileSync(results, "utf8"));
    expect(partial).toMatchObject({ max_score: 100, tests: expect.any(Array) });
    expect(partial.tests.filter((t: { status: string }) => t.status === "passed").length).toBe(HONEST.partial.passed);
  }, 300_000);
});

describe.each(RUNTIMES)("grade without a sandbox on %s", (runtime) => {
  test.concurrent("says so on every run, in its JSON too, and grades all the same", async () => {
    const json = path.join(out, `no-sandbox-${runtime}.json`);
    const runs = await Promise.all([1, 2].map(() => kit(runtime, "grade", [path.join(CLASS, "partial"), ...LIMITS, "--json", json], { cwd: ROOT, env: { CRASH_COURSE_SANDBOX: "off" } })));
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/^warning: no sandbox: it is turned off \(CRASH_COURSE_SANDBOX=off\)\. Submissions run with your own rights .*To sandbox them: unset CRASH_COURSE_SANDBOX\.$/m);
      expect(run.stdout).toMatch(/graded in [\d.]+ s on \w+ [\d.]+, \d+ at a time, without a sandbox;/);
    }
    const file = JSON.parse(readFileSync(json, "utf8")) as GradeFile;
    expect(file.sandbox).toBe("none: it is turned off (CRASH_COURSE_SANDBOX=off)");
    expect(lessonOf(file, "partial")).toMatchObject({ status: "graded", passed: HONEST.partial.passed });
  }, 300_000);
});

describe.each(RUNTIMES)("grade usage errors on %s", (runtime) => {
  test.concurrent("bad folders, bad flags and --help", async () => {
    const [missing, notFolder, empty, unknown, badJobs, badLesson, manyForGradescope, badVisibility, badLimit, badBundle, help] = await Promise.all([
      kit(runtime, "grade", [path.join(out, "nowhere")], { cwd: ROOT }),
      kit(runtime, "grade", [path.join(CLASS, "no-exercises", "NOTES.md")], { cwd: ROOT }),
      kit(runtime, "grade", [path.join(CLASS, "no-exercises")], { cwd: ROOT }),
      kit(runtime, "grade", [CLASS, "--timeout", "25"], { cwd: ROOT }),
      kit(runtime, "grade", [CLASS, "--jobs", "0"], { cwd: ROOT }),
      kit(runtime, "grade", [CLASS, "--lessons", "lesson-1,lesson-99"], { cwd: ROOT }),
      kit(runtime, "grade", [CLASS, "--gradescope", path.join(out, "gs.json")], { cwd: ROOT }),
      kit(runtime, "grade", [path.join(CLASS, "partial"), "--gradescope", path.join(out, "gs.json"), "--visibility", "secret"], { cwd: ROOT }),
      kit(runtime, "grade", [CLASS, "--time-limit", "0"], { cwd: ROOT }),
      kit(runtime, "grade", ["--gradescope-bundle", path.join(out, "bundle.tar")], { cwd: ROOT }),
      kit(runtime, "grade", ["--help"], { cwd: ROOT }),
    ]);
    const errors = [missing, notFolder, empty, unknown, badJobs, badLesson, manyForGradescope, badVisibility, badLimit, badBundle];
    expect(errors.map((r) => r.code)).toEqual(errors.map(() => 2));
    expect(missing.stderr).toContain("no such folder:");
    expect(notFolder.stderr).toContain("is not a folder");
    expect(empty.stderr).toContain("holds no submissions");
    expect(unknown.stderr).toContain("unknown flag --timeout");
    expect(badJobs.stderr).toContain('--jobs needs a positive whole number, not "0"');
    expect(badLesson.stderr).toContain('unknown lesson "lesson-99"');
    expect(manyForGradescope.stderr).toContain("--gradescope writes one submission's results");
    expect(badVisibility.stderr).toContain("--visibility must be one of visible, hidden, after_due_date, after_published");
    expect(badLimit.stderr).toContain('--time-limit needs a positive number, not "0"');
    expect(badBundle.stderr).toContain("--gradescope-bundle needs a .zip file name");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: npm run grade <folder>");
  }, 120_000);
});
