/**
 * The learner's loop, each command spawned as a learner runs it, on a temporary copy of
 * the kit, on Node and on Deno: watch, hint, solution, reset, lesson, next, progress,
 * doctor, and the progress `check` records. Only lesson 1 is graded, to stay fast.
 */
import { afterAll, describe, expect, test } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync, appendFileSync } from "node:fs";
import path from "node:path";
import { DENO, NODE, RUNTIMES, KIT, SLOW_MACHINE_LIMIT, run, type Run, type Runtime } from "./support/cli.ts";
import { tempKit } from "./support/temp-kit.ts";
import { lessonStatus, nextTodoOf } from "../../scripts/core/progress.ts";
import type { LessonResult } from "../../lib/grading/results.ts";

/** Each test spawns several processes; a loaded 2-core machine needs room. */
const LIMIT = SLOW_MACHINE_LIMIT;
const EXERCISE = "exercises/lesson-1/cow-list.ts";
const SOLUTION = "solutions/lesson-1/cow-list.ts";
const HINTS = (JSON.parse(readFileSync(path.join(KIT, "lessons", "lessons.json"), "utf8")).lessons[0].hints as string[]).length;

/** A temporary kit, removed after `body`, optionally a git checkout (reset reads the skeleton from git). */
async function withKit(body: (root: string) => Promise<void>, options: { git?: boolean } = {}): Promise<void> {
  const copy = tempKit();
  try {
    if (options.git) {
      const git = (...args: string[]) => spawnSync("git", ["-c", "user.name=kit", "-c", "user.email=kit@example.com", ...args], { cwd: copy.root, encoding: "utf8" });
      git("init", "-q");
      git("add", "-A");
      const commit = git("commit", "-q", "-m", "the kit as shipped");
      if (commit.status !== 0) throw new Error(`git commit failed: ${commit.stderr}`);
    }
    await body(copy.root);
  } finally {
    copy.remove();
  }
}

/**
 * Runs `npm run <script>` / `deno task <script>` of the kit at `cwd` as its package.json
 * or deno.json spells it (so a command that needs no test runner is started without one),
 * with the bundled Deno standing in for a `deno` on the PATH.
 */
function learner(runtime: Runtime, script: string, args: readonly string[], options: { cwd: string; env?: Record<string, string> } = { cwd: KIT }): Promise<Run> {
  const config = JSON.parse(read(options.cwd, runtime === "deno" ? "deno.json" : "package.json"));
  const line: string | undefined = runtime === "deno" ? config.tasks?.[script] : config.scripts?.[script];
  if (!line) throw new Error(`no ${runtime === "deno" ? "deno task" : "npm script"} named ${script}`);
  const [command, ...words] = line.replace(/^\.\/node_modules\/deno\/deno /, "deno ").split(/\s+/);
  const binary = command === "node" ? (NODE ?? process.execPath) : command === "deno" ? DENO : command;
  return run(binary, [...words, ...args], options);
}

const read = (root: string, file: string) => readFileSync(path.join(root, file), "utf8");
const progressOf = (root: string) => JSON.parse(read(root, ".progress/progress.json"));

/** Every exercise file except lesson 1's, with its content, to prove a command left them alone. */
function otherExercises(root: string): Record<string, string> {
  const dir = path.join(root, "exercises");
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return Object.fromEntries(
    files.map((e) => path.relative(dir, path.join(e.parentPath, e.name))).filter((f) => !f.startsWith("lesson-1")).map((f) => [f, readFileSync(path.join(dir, f), "utf8")]),
  );
}

interface Watching {
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<number | null>;
}

/** Watchers still running when the file ends (a failed test's) are stopped, never left behind. */
const watchers = new Set<ChildProcess>();
afterAll(() => {
  // Each watcher leads its own process group: this ends its child watcher too.
  for (const child of watchers) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // the group is already gone
    }
  }
});

/** Starts `watch` as a learner would and follows what it prints. */
function startWatch(runtime: Runtime, root: string, args: string[], env: Record<string, string> = {}): Watching {
  const script = path.join(root, "scripts", "watch.ts");
  const [command, argv] = runtime === "deno"
    ? [DENO, ["run", "-A", script, ...args]]
    : [NODE ?? process.execPath, [path.join(root, "scripts", "run.mjs"), "--vitest", script, ...args]];
  const child = spawn(command, argv, { cwd: root, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "", ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  watchers.add(child);
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return {
    output: () => out,
    async waitFor(pattern, timeoutMs = SLOW_MACHINE_LIMIT / 2) {
      const start = Date.now();
      while (!pattern.test(out)) {
        if (child.exitCode !== null) throw new Error(`watch exited (${child.exitCode}) before printing ${pattern}:\n${out}\n${err}`);
        if (Date.now() - start > timeoutMs) throw new Error(`watch did not print ${pattern} within ${timeoutMs} ms:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      child.kill("SIGINT");
      const { code, signal } = await exited;
      expect(err).not.toMatch(/at .*\.ts:\d+/); // no stack trace on Ctrl-C
      // Deno 2.9's child_process reports a child it sent SIGINT as ended by that signal,
      // even when the child caught it and exited 0; there, watch's farewell is the proof.
      if (typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" && signal === "SIGINT" && /stopped watching/.test(out)) return 0;
      return code;
    },
  };
}

describe.each(RUNTIMES)("the learner's loop on %s", (runtime) => {
  test.concurrent("watch grades on start, again on a save, says when the lesson is green, and stops cleanly on Ctrl-C", async () => {
    await withKit(async (root) => {
      const watching = startWatch(runtime, root, ["lesson-1"]);
      try {
        await watching.waitFor(/\d+ passed, [1-9]\d* failed/);
        expect(watching.output()).toMatch(/watching exercises\/lesson-1\/cow-list\.ts, on every save/);
        // Only the first failure is shown, with its TODO.
        expect(watching.output()).toMatch(/✗ get\(\) returns the original's values\n\s+TODO\(lesson-1:get\) is still open: exercises\/lesson-1\/cow-list\.ts:\d+/);
        expect(watching.output().match(/✗/g)).toHaveLength(1);
        writeFileSync(path.join(root, EXERCISE), read(root, SOLUTION));
        await watching.waitFor(/lesson-1 is done: every test passes/);
        expect(watching.output()).toMatch(/\d+ passed, 0 failed/);
        expect(watching.output()).toMatch(/Next: |Every lesson is done/);
      } finally {
        expect(await watching.stop()).toBe(0);
      }
      expect(watching.output()).toContain("stopped watching");
      expect(progressOf(root).lessons["lesson-1"].lastGrade.failed).toBe(0);
    });
  }, LIMIT);

  test.concurrent("watch polls where file events do not arrive (forced by CRASH_COURSE_POLL=1), and says so", async () => {
    await withKit(async (root) => {
      const watching = startWatch(runtime, root, ["1"], { CRASH_COURSE_POLL: "1" });
      try {
        await watching.waitFor(/\d+ passed, [1-9]\d* failed/);
        expect(watching.output()).toMatch(/polling every \d+ ms \(CRASH_COURSE_POLL=1\)/);
        writeFileSync(path.join(root, EXERCISE), read(root, SOLUTION));
        await watching.waitFor(/lesson-1 is done/);
      } finally {
        expect(await watching.stop()).toBe(0);
      }
    });
  }, LIMIT);

  if (runtime === "node") {
    test.concurrent("watch survives an endless loop: the stuck test is named, the others graded, and the next save grades", async () => {
      await withKit(async (root) => {
        const watching = startWatch(runtime, root, ["lesson-1"]);
        try {
          await watching.waitFor(/\d+ passed, [1-9]\d* failed/);
          writeFileSync(path.join(root, EXERCISE), read(root, "tests/kit/fixtures/endless-loop/lesson-1/cow-list.ts"));
          await watching.waitFor(/stopped after 5 s without finishing[\s\S]*\d+ passed, 1 failed/);
          writeFileSync(path.join(root, EXERCISE), read(root, SOLUTION));
          await watching.waitFor(/lesson-1 is done/);
        } finally {
          expect(await watching.stop()).toBe(0);
        }
      });
    }, LIMIT);
  }

  test.concurrent("hint gives the next hint each time, counts it in .progress/, and --all lists them all", async () => {
    await withKit(async (root) => {
      const first = await learner(runtime, "hint", ["lesson-1"], { cwd: root });
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`hint 1 of ${HINTS}`);
      const second = await learner(runtime, "hint", ["naive copy"], { cwd: root }); // a title prefix
      expect(second.stdout).toContain(`hint 2 of ${HINTS}`);
      expect(progressOf(root).lessons["lesson-1"].hintsShown).toBe(2);
      const all = await learner(runtime, "hint", ["1", "--all"], { cwd: root });
      for (let i = 1; i <= HINTS; i++) expect(all.stdout).toContain(`hint ${i} of ${HINTS}`);
      expect(all.stdout).toMatch(/solution lesson-1/);
      expect(progressOf(root).lessons["lesson-1"].hintsShown).toBe(HINTS);
      const bad = await learner(runtime, "hint", ["lesson-1", "--everything"], { cwd: root });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("error: unknown flag --everything");
    });
  }, LIMIT);

  test.concurrent("solution is locked until the last hint, then shows the reference as a diff against the learner's file", async () => {
    await withKit(async (root) => {
      const locked = await learner(runtime, "solution", ["lesson-1"], { cwd: root });
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain(`locked: ${HINTS} of ${HINTS} hints left`);
      expect(locked.stdout).not.toContain("+++");
      await learner(runtime, "hint", ["lesson-1", "--all"], { cwd: root });
      const open = await learner(runtime, "solution", ["lesson-1"], { cwd: root });
      expect(open.code).toBe(0);
      expect(open.stdout).toContain(`--- ${EXERCISE} (yours)`);
      expect(open.stdout).toContain(`+++ ${SOLUTION} (reference)`);
      expect(open.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
      expect(open.stdout).toMatch(/^-\s+throw todo\("lesson-1:get"\);$/m);
    });
  }, LIMIT);

  test.concurrent("solution opens without hints once the lesson is green; check records the grade", async () => {
    await withKit(async (root) => {
      writeFileSync(path.join(root, EXERCISE), read(root, SOLUTION));
      const check = await learner(runtime, "check", ["lesson-1"], { cwd: root });
      expect(check.code).toBe(0);
      expect(progressOf(root).lessons["lesson-1"]).toMatchObject({ hintsShown: 0, lastGrade: { failed: 0 } });
      const open = await learner(runtime, "solution", ["1"], { cwd: root });
      expect(open.code).toBe(0);
      expect(open.stdout).toContain("identical to the reference");
    });
  }, LIMIT);

  test.concurrent("reset asks first, refuses without a terminal, and with --yes backs up and restores only this lesson", async () => {
    await withKit(async (root) => {
      const skeleton = read(root, EXERCISE);
      const mine = skeleton + "\n// my work in progress\n";
      writeFileSync(path.join(root, EXERCISE), mine);
      // Work in progress on other lessons too: reset must leave it as it is.
      for (const file of Object.keys(otherExercises(root))) appendFileSync(path.join(root, "exercises", file), "\n// mine too\n");
      const others = otherExercises(root);
      const refused = await learner(runtime, "reset", ["lesson-1"], { cwd: root });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/nothing was changed[\s\S]*--yes/);
      expect(read(root, EXERCISE)).toBe(mine);
      const reset = await learner(runtime, "reset", ["lesson-1", "--yes"], { cwd: root });
      expect(reset.code).toBe(0);
      const backup = /backed up in (\.backups\/lesson-1-[\dT-]+)\//.exec(reset.stdout)?.[1];
      expect(backup, reset.stdout).toBeDefined();
      expect(read(root, `${backup}/cow-list.ts`)).toBe(mine);
      expect(read(root, EXERCISE)).toBe(skeleton);
      expect(otherExercises(root)).toEqual(others);
      const again = await learner(runtime, "reset", ["1", "--yes"], { cwd: root });
      expect(again.stdout).toContain("already the skeleton");
    }, { git: true });
  }, LIMIT);

  test.concurrent("reset finds the shipped skeleton even after the learner committed their own work", async () => {
    await withKit(async (root) => {
      const skeleton = read(root, EXERCISE);
      writeFileSync(path.join(root, EXERCISE), read(root, SOLUTION));
      const git = (...args: string[]) => spawnSync("git", ["-c", "user.name=me", "-c", "user.email=me@example.com", ...args], { cwd: root, encoding: "utf8" });
      expect(git("commit", "-q", "-am", "my solution").status).toBe(0);
      const reset = await learner(runtime, "reset", ["lesson-1", "--yes"], { cwd: root });
      expect(reset.code, reset.stderr).toBe(0);
      expect(read(root, EXERCISE)).toBe(skeleton);
    }, { git: true });
  }, LIMIT);

  test.concurrent("lesson renders the Markdown text: headings, lists, code, tables, no raw markup", async () => {
    const run = await learner(runtime, "lesson", ["lesson-1", "--width", "70"], { cwd: KIT });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Lesson 1 · .*\n═+$/m);
    expect(run.stdout).toMatch(/^• /m);
    expect(run.stdout).toMatch(/┌─ ts\n\s+│ class CowList<T>/);
    expect(run.stdout).toMatch(/─┼─/);
    expect(run.stdout).not.toMatch(/^#+ |```|\*\*/m);
    const longest = Math.max(...run.stdout.split("\n").filter((l) => !l.includes("│")).map((l) => l.length));
    expect(longest).toBeLessThanOrEqual(70);
  }, LIMIT);

  test.concurrent("next names the lesson, its first TODO and how to grade it, grading when no progress is stored", async () => {
    await withKit(async (root) => {
      const run = await learner(runtime, "next", [], { cwd: root });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Next: lesson-1 · /);
      expect(run.stdout).toMatch(/TODO\(lesson-1:get\) at exercises\/lesson-1\/cow-list\.ts:\d+/);
      expect(run.stdout).toMatch(/(npm run|deno task) check lesson-1/);
      expect(progressOf(root).lessons["lesson-1"].lastGrade.failed).toBeGreaterThan(0);
    });
  }, LIMIT);

  test.concurrent("check, progress, next and hint agree: one status word, one next TODO, one current lesson", async () => {
    await withKit(async (root) => {
      // A TODO ahead of the others that no test runs into: the next TODO is still the one a failing test meets.
      writeFileSync(path.join(root, EXERCISE), `// TODO(lesson-1:aside): a note no test runs into\n${read(root, EXERCISE)}`);
      const graded = await learner(runtime, "check", ["lesson-1", "--json"], { cwd: root });
      const result = JSON.parse(graded.stdout) as LessonResult;
      const todo = nextTodoOf(result);
      expect(todo, "a skeleton's failing tests run into a TODO").toBeDefined();
      const where = `TODO(${todo!.id}) at ${todo!.file}:${todo!.line}`;
      const [checked, table, next] = await Promise.all(["check", "progress", "next"].map((command) => learner(runtime, command, command === "check" ? ["lesson-1"] : [], { cwd: root })));
      expect(checked.stdout).toContain(`next: ${where}`);
      expect(next.stdout).toContain(where);
      expect(next.stdout).toMatch(/Next: lesson-1 · /);
      expect(table.stdout).toMatch(new RegExp(`lesson-1\\s+Naive copy-on-write.*\\s${lessonStatus(result)}\\s+← next`));
      const hint = await learner(runtime, "hint", [], { cwd: root });
      expect(hint.code).toBe(0);
      expect(hint.stdout).toMatch(/hint 1 of \d+ · lesson-1 · /);
    });
  }, LIMIT);

  test.concurrent("progress shows the stored table, exports, survives deletion or damage, and imports back", async () => {
    await withKit(async (root) => {
      await learner(runtime, "check", ["lesson-1"], { cwd: root });
      const table = await learner(runtime, "progress", [], { cwd: root });
      expect(table.code).toBe(0);
      const status = lessonStatus(progressOf(root).lessons["lesson-1"].lastGrade);
      expect(table.stdout).toMatch(new RegExp(`lesson-1\\s+Naive copy-on-write.*\\d+/\\d+\\s+[\\d.]+/100 pts\\s+${status}\\s+← next`));
      const exported = await learner(runtime, "progress", ["--export"], { cwd: root });
      expect(JSON.parse(exported.stdout).lessons["lesson-1"].lastGrade.failed).toBeGreaterThan(0);
      const file = path.join(root, "moved.json");
      writeFileSync(file, exported.stdout);
      unlinkSync(path.join(root, ".progress", "progress.json"));
      const empty = await learner(runtime, "progress", [], { cwd: root });
      expect(empty.code).toBe(0);
      expect(empty.stdout).toContain("nothing graded yet");
      const imported = await learner(runtime, "progress", ["--import", file], { cwd: root });
      expect(imported.code).toBe(0);
      expect(progressOf(root)).toEqual(JSON.parse(exported.stdout));
      writeFileSync(file, "{}");
      const refused = await learner(runtime, "progress", ["--import", file], { cwd: root });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("not a progress file");
      expect(progressOf(root)).toEqual(JSON.parse(exported.stdout));
      writeFileSync(path.join(root, ".progress", "progress.json"), "{ half a fi");
      const damaged = await learner(runtime, "progress", [], { cwd: root });
      expect(damaged.code).toBe(0);
      expect(damaged.stderr).toMatch(/progress\.json is damaged .*starting from an empty progress file/);
    });
  }, LIMIT);

  test.concurrent("doctor checks runtimes, install, shipped tests and file watching, and says what to do", async () => {
    await withKit(async (root) => {
      appendFileSync(path.join(root, "tests", "lesson-1", readdirSync(path.join(root, "tests", "lesson-1"))[0]), "\n// edited\n");
      const run = await learner(runtime, "doctor", [], { cwd: root });
      // With only Deno, doctor says Node is absent and needs no fixing: no Node line to pass.
      expect(run.stdout).toMatch(NODE ? /✓ Node \d+\.\d+\.\d+/ : /· Node: none on this machine/);
      expect(run.stdout).toMatch(/✓ Deno 2\.\d+\.\d+/);
      expect(run.stdout).toMatch(/✓ all \d+ packages the kit needs are installed/);
      expect(run.stdout).toMatch(/✓ file watching works/);
      expect(run.stdout).toMatch(/✗ .*tests\/lesson-1.*\n\s+→ put the shipped files back/);
      expect(run.code).toBe(1);
      const help = await learner(runtime, "doctor", ["--help"], { cwd: root });
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("usage: npm run doctor");
    }, { git: true });
  }, LIMIT);

  test.concurrent("every command prints its usage for --help and refuses an unknown flag with exit 2", async () => {
    const commands = ["watch", "hint", "reset", "lesson", "next", "doctor", "solution", "progress"];
    const lesson = (name: string) => (["hint", "reset", "solution"].includes(name) ? ["lesson-1"] : []);
    await Promise.all(commands.map(async (name) => {
      const help = await learner(runtime, name, ["--help"], { cwd: KIT });
      expect(help.code, name).toBe(0);
      expect(help.stdout, name).toContain(`usage: npm run ${name}`);
      const bad = await learner(runtime, name, [...lesson(name), "--bogus"], { cwd: KIT });
      expect(bad.code, name).toBe(2);
      expect(bad.stderr, name).toContain("error: unknown flag --bogus");
    }));
  }, LIMIT);

  if (runtime === "deno") {
    test.concurrent("doctor runs before anything is installed, and says to install", async () => {
      await withKit(async (root) => {
        rmSync(path.join(root, "node_modules"));
        expect(existsSync(path.join(root, "node_modules"))).toBe(false);
        const run = await learner("deno", "doctor", [], { cwd: root });
        expect(run.code).toBe(1);
        expect(run.stdout).toMatch(/✗ nothing is installed \(no node_modules\)\n\s+→ run `deno install`/);
      });
    }, LIMIT);
  }
});
