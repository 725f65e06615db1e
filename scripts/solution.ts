/**
 * `npm run solution <lesson>` — the reference solution, shown as a coloured unified
 * diff against the learner's own exercise files ("-" your line, "+" the reference's).
 *
 * Contract: locked until every hint of the lesson was shown (`npm run hint`) or the
 * lesson is green. A fresh stored grade decides greenness; without one the lesson is
 * graded now. While locked it refuses with exit 1 and says how many hints remain.
 *
 * Exit 0 when shown, 1 when locked (or the kit has no reference), 2 for a usage error.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import pc from "picocolors";
import { structuredPatch } from "diff";
import { commandLine, parseCommand } from "./core/cli.ts";
import { KIT } from "./core/kit.ts";
import { page } from "./core/terminal-markdown.ts";
import { freshGrade, hintsShown, isGreen, recordGrades, type Grade } from "./core/progress.ts";
import type { Lesson } from "../lib/registry.ts";

const USAGE = `
usage: npm run solution <lesson>

  Shows the reference solution as a diff against your exercise files: lines starting
  with - are yours, + the reference's. Unlocks after the lesson's last hint
  (npm run hint <lesson>) or once the lesson is green.

  lesson   lesson-3, 3, or the start of a lesson's title
`;

const { lessons: [lesson] } = parseCommand({ usage: USAGE, flags: {}, lessons: "one" });

async function gradeNow(l: Lesson): Promise<Grade> {
  const { runTests } = await import("./core/run-tests.ts");
  const outcome = await runTests({ lessons: [l], impl: "exercises" });
  recordGrades(outcome.results);
  const r = outcome.results[0];
  // The test runner leaves a failing exit code behind; this command's code is its own.
  process.exitCode = 0;
  return { passed: r.passed, failed: r.failed, total: r.total, at: Date.now() };
}

const shown = hintsShown(lesson);
const left = lesson.hints.length - shown;
const unlocked = left === 0 || isGreen(freshGrade(lesson) ?? (await gradeNow(lesson)));
if (!unlocked) {
  console.error(`The solution of ${lesson.id} is locked: ${left} of ${lesson.hints.length} hints left.`);
  console.error(`Ask for the next one with ${commandLine("hint", lesson.id)}; the solution opens after the last hint, or once every test passes.`);
  process.exit(1);
}

const out: string[] = [];
for (const file of lesson.files) {
  const mineRel = `exercises/${lesson.id}/${file}`;
  const refRel = `solutions/${lesson.id}/${file}`;
  const mine = existsSync(path.join(KIT, mineRel)) ? readFileSync(path.join(KIT, mineRel), "utf8") : "";
  if (!existsSync(path.join(KIT, refRel))) {
    console.error(`${pc.red("error:")} ${refRel} is missing from this kit; there is no reference to show`);
    process.exit(1);
  }
  const reference = readFileSync(path.join(KIT, refRel), "utf8");
  out.push(formatPatch(mineRel, refRel, mine, reference));
}
await page(`${out.join("\n\n")}\n\n${pc.dim("- your line   + the reference's. The reference is one correct answer; yours may differ and still pass.")}`);

function formatPatch(mineName: string, refName: string, mine: string, reference: string): string {
  const patch = structuredPatch(`${mineName} (yours)`, `${refName} (reference)`, mine, reference, "", "", { context: 3 });
  const lines = [pc.bold(`--- ${patch.oldFileName}`), pc.bold(`+++ ${patch.newFileName}`)];
  if (patch.hunks.length === 0) return [...lines, pc.green("identical to the reference")].join("\n");
  for (const hunk of patch.hunks) {
    lines.push(pc.cyan(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`));
    for (const line of hunk.lines) {
      if (line.startsWith("+")) lines.push(pc.green(line));
      else if (line.startsWith("-")) lines.push(pc.red(line));
      else if (line.startsWith("\\")) lines.push(pc.dim(line));
      else lines.push(pc.dim(line));
    }
  }
  return lines.join("\n");
}
