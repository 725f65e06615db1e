/**
 * Open mode, the challenge track (README "The challenge track"): for lessons 3, 4, 5 and 7
 * an open skeleton in exercises-open/<lesson>/ keeps only the public API, the disk and the
 * given validation. On each runtime this suite proves the three promises the track makes:
 *
 * - each open skeleton, untouched, is graded by the lesson's hidden tests to a complete
 *   verdict with failures (exit 1, a closing line, its open TODOs named), never a crash;
 * - an independent correct design of each lesson (tests/kit/fixtures/open/<lesson>/: its
 *   own on-disk format and protocol, not the reference's) passes every hidden test, so
 *   the tests grade the contract, not one layout;
 * - `reset <lesson> --open --yes` puts the open skeleton into exercises/ and backs up the
 *   learner's file, and other lessons are refused with a usage error.
 */
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { KIT, RUNTIMES, SLOW_MACHINE_LIMIT, closingLine, fixture, kit } from "./support/cli.ts";
import { tempKit } from "./support/temp-kit.ts";

/** Crash lessons explore thousands of crash states per run: the suite's cap for a loaded machine. */
const LIMIT = SLOW_MACHINE_LIMIT;
const OPEN = path.join(KIT, "exercises-open");
const DESIGNS = fixture("open");

/** The lessons with an open skeleton, each with its one exercise file: the folder is the list. */
const OPEN_LESSONS = readdirSync(OPEN).sort().map((id) => ({ id, file: readdirSync(path.join(OPEN, id))[0] }));

test("open mode covers lessons 3, 4, 5 and 7, each with an independent design beside it", () => {
  expect(OPEN_LESSONS.map((l) => l.id)).toEqual(["lesson-3", "lesson-4", "lesson-5", "lesson-7"]);
  for (const { id, file } of OPEN_LESSONS) {
    expect(existsSync(path.join(KIT, "exercises", id, file)), `exercises/${id}/${file}: the same file name`).toBe(true);
    expect(existsSync(path.join(DESIGNS, id, file)), `tests/kit/fixtures/open/${id}/${file}`).toBe(true);
  }
});

describe.each(RUNTIMES)("open mode on %s", (runtime) => {
  test.each(OPEN_LESSONS.map((l) => [l.id, l] as const))(
    "%s: the untouched open skeleton fails its hidden tests with a complete verdict; an independent design passes them all",
    async (id, { file }) => {
      const open = await kit(runtime, "check", [id, "--dir", OPEN]);
      const red = closingLine(open.stdout);
      expect(red, `closing line of the open skeleton's grade\n${open.stdout}\n${open.stderr}`).toBeDefined();
      expect(open.code, open.stderr).toBe(1);
      expect(red!.failed).toBeGreaterThan(0);
      expect(open.stdout).toMatch(new RegExp(`TODO\\(${id}:open-[a-z-]+\\) is still open: exercises-open/${id}/${file.replace(".", "\\.")}:\\d+`));

      const design = await kit(runtime, "check", [id, "--dir", DESIGNS]);
      const green = closingLine(design.stdout);
      expect(green, `closing line of the independent design's grade\n${design.stdout}\n${design.stderr}`).toBeDefined();
      expect(green!.failed, design.stdout).toBe(0);
      expect(design.code).toBe(0);
      // The same hidden tests judged both: the skeleton's verdicts count the whole lesson.
      expect(red!.passed + red!.failed).toBe(green!.passed);
    },
    LIMIT,
  );

  test("reset --open --yes puts the open skeleton in exercises/ with a backup; reset without it brings the guided one back; other lessons are refused", async () => {
    const copy = tempKit();
    try {
      const git = (...args: string[]) => spawnSync("git", ["-c", "user.name=kit", "-c", "user.email=kit@example.com", ...args], { cwd: copy.root, encoding: "utf8" });
      git("init", "-q");
      git("add", "-A");
      expect(git("commit", "-q", "-m", "the kit as shipped").status).toBe(0);
      const exercise = path.join(copy.root, "exercises", "lesson-4", "tx-fs.ts");
      const guided = readFileSync(exercise, "utf8");
      appendFileSync(exercise, "\n// my work in progress\n");
      const mine = readFileSync(exercise, "utf8");

      const refused = await kit(runtime, "reset", ["lesson-4", "--open"], { cwd: copy.root });
      expect(refused.code, "no terminal and no --yes").toBe(2);
      expect(readFileSync(exercise, "utf8")).toBe(mine);

      const reset = await kit(runtime, "reset", ["lesson-4", "--open", "--yes"], { cwd: copy.root });
      expect(reset.code, reset.stderr).toBe(0);
      expect(readFileSync(exercise, "utf8")).toBe(readFileSync(path.join(OPEN, "lesson-4", "tx-fs.ts"), "utf8"));
      const backup = /backed up in (\.backups\/lesson-4-[\dT-]+)\//.exec(reset.stdout)?.[1];
      expect(backup, reset.stdout).toBeDefined();
      expect(readFileSync(path.join(copy.root, backup!, "tx-fs.ts"), "utf8")).toBe(mine);

      const guidedAgain = await kit(runtime, "reset", ["lesson-4", "--yes"], { cwd: copy.root });
      expect(guidedAgain.code, guidedAgain.stderr).toBe(0);
      expect(readFileSync(exercise, "utf8")).toBe(guided);

      const noOpenMode = await kit(runtime, "reset", ["lesson-1", "--open", "--yes"], { cwd: copy.root });
      expect(noOpenMode.code).toBe(2);
      expect(noOpenMode.stderr).toContain("lesson-1 has no open mode; lessons with an open skeleton: lesson-3, lesson-4, lesson-5, lesson-7");
    } finally {
      copy.remove();
    }
  }, LIMIT);
});
