/**
 * The Deno-only path, as a learner with Deno and no Node has it: a fresh clone of the kit,
 * set up with `deno install` alone (a fresh DENO_DIR: nothing comes from npm's install),
 * run with a PATH that holds only deno, git and sh. `deno task check lesson-1` fails on
 * the skeleton (exit 1) and passes once the reference is copied over it (exit 0);
 * the tasks run the deno typed, and no second Deno is downloaded (the npm copy is a peer
 * dependency, which Deno's install leaves out); `deno task doctor` says Node is absent
 * and needs no fixing; the kit's own suite runs (its Node variants left out with a note)
 * and leaves no process and no temporary folder behind.
 *
 * Also: where npm installed the kit, `npx deno task check lesson-1` works.
 */
import { afterAll, expect, test } from "vitest";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { DENO, KIT, RUNTIMES, closingLine, run } from "./support/cli.ts";

const work = mkdtempSync(path.join(tmpdir(), "crash-course-deno-only-"));
afterAll(() => rmSync(work, { recursive: true, force: true }), 300_000);

/** A folder with only deno, git and sh, to be the whole PATH. */
function denoOnlyPath(): string {
  const bin = path.join(work, "bin");
  mkdirSync(bin);
  symlinkSync(DENO, path.join(bin, "deno"));
  for (const tool of ["git", "sh"]) {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (!found) throw new Error(`this machine has no ${tool}`);
    symlinkSync(found, path.join(bin, tool));
  }
  return bin;
}

/** Processes whose command line names `folder`: what a run left behind. */
function processesIn(folder: string): string[] {
  const ps = spawnSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return (ps.stdout ?? "").split("\n").filter((line) => line.includes(folder));
}

// A kit command run on Deno: in the suite that runs them (CI: the Deno one).
test.skipIf(!RUNTIMES.includes("deno"))("a fresh clone set up with `deno install` alone, with no node on PATH, grades lesson 1 and runs the kit's suite", async () => {
  const clone = path.join(work, "kit");
  const cloned = spawnSync("git", ["clone", "-q", KIT, clone], { encoding: "utf8" });
  expect(cloned.status, cloned.stderr).toBe(0);
  const temp = path.join(work, "tmp");
  mkdirSync(temp);
  // The clone's suite chooses its runtimes itself (only Deno there), whatever CI asked of this one.
  const bin = denoOnlyPath();
  const env = { PATH: bin, DENO_DIR: path.join(work, "deno-dir"), TMPDIR: temp, HOME: work, CRASH_COURSE_TEST_RUNTIMES: "" };
  const deno = (...args: string[]) => run("deno", args, { cwd: clone, env });

  const install = await deno("install");
  expect(install.code, install.stderr).toBe(0);
  expect(existsSync(path.join(clone, "node_modules", "deno")), "npm's copy of Deno, a peer dependency").toBe(false);

  const skeleton = await deno("task", "check", "lesson-1");
  expect(skeleton.code, skeleton.stderr).toBe(1);
  expect(closingLine(skeleton.stdout)?.failed).toBeGreaterThan(0);
  expect(skeleton.stdout).not.toMatch(/npm run \w/);

  const doctor = await deno("task", "doctor");
  expect(doctor.stdout).toMatch(/Node: none on this machine.*none needed: `deno task \.\.\.` runs every command with Deno/);
  expect(doctor.stdout).not.toMatch(/✓ Node/);
  // The tasks say bare `deno`: the deno on PATH, the one typed.
  expect(doctor.stdout).toContain(`(${realpathSync(DENO)}, running this)`);
  expect(doctor.code, doctor.stdout).toBe(0);

  const suite = await deno("task", "test", "crash-explorer", "crash-command");
  expect(suite.stdout + suite.stderr).toContain("no Node on this machine: the kit's tests on node are skipped");
  expect(closingLine(suite.stdout), suite.stdout.slice(-3000)).toMatchObject({ failed: 0 });
  expect(suite.code).toBe(0);
  expect(processesIn(clone), "processes left running").toEqual([]);
  expect(readdirSync(temp).filter((f) => f.startsWith("crash-course-")), "temporary kits left behind").toEqual([]);

  cpSync(path.join(clone, "solutions", "lesson-1"), path.join(clone, "exercises", "lesson-1"), { recursive: true });
  const solved = await deno("task", "check", "lesson-1");
  expect(closingLine(solved.stdout)).toMatchObject({ failed: 0 });
  expect(solved.code).toBe(0);
}, 900_000);

/** npm leaves this file in node_modules; Deno's install does not. */
const installedByNpm = existsSync(path.join(KIT, "node_modules", ".package-lock.json"));

test.skipIf(!installedByNpm)("`npx deno task check lesson-1` works where npm installed the kit", async () => {
  // The deno package (a peer dependency, which npm installs) points node_modules/.bin/deno
  // at its native binary, which a task's bare `deno` would run as JavaScript; the kit's
  // postinstall (scripts/core/deno-bin.mjs) points it back at the package's launcher.
  expect(readlinkSync(path.join(KIT, "node_modules", ".bin", "deno"))).toBe(path.join("..", "deno", "bin.cjs"));
  const result = await run(DENO, ["task", "check", "lesson-1", "--solutions"], { cwd: KIT });
  expect(closingLine(result.stdout)).toMatchObject({ failed: 0 });
  expect(result.code).toBe(0);
}, 300_000);
