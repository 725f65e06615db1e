/**
 * Gradescope, both ends:
 *  - `toGradescope`: one submission's grade in the autograder's `results.json` format:
 *    the total `score` (the registry's weighted points, which Gradescope shows as the
 *    grade), and one entry per hidden test with its share of its lesson's points, its
 *    `status`, `visibility` and, for a failure, the same explanation `check` prints,
 *    without colours. The tests listed are the reference's, so a lesson that was flagged
 *    or not submitted still shows every test, each with the reason it got nothing.
 *  - `buildBundle`: the autograder archive. This kit without `solutions/`, `.git`,
 *    `node_modules/`, `.progress/` and other local state (the kit's own tests in
 *    tests/kit/ are left out too: the autograder does not run them), plus `setup.sh`
 *    (Node 20, `npm ci`, bubblewrap) and `run_autograder` (grade with --gradescope). The
 *    release manifest must list every lesson's tests, since there are no solutions to
 *    list them from.
 *
 * @example
 * ```ts
 * writeFileSync("/autograder/results/results.json", JSON.stringify(toGradescope(grade, reference)));
 * await buildBundle({ kit: KIT, out: "autograder.zip", lessons: ["lesson-1"] });
 * ```
 */
import { fs, glob } from "zx";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { zipSync, type Zippable } from "fflate";
import type { LessonResult, TestResult } from "../../lib/grading/results.ts";
import { groupOf } from "../../lib/grading/points.ts";
import { lessons as registry } from "../../lib/registry.ts";
import type { LessonGrade, SubmissionGrade } from "./class-grades.ts";
import { formatPoints } from "./class-grades.ts";
import { manifestDifferences, readManifest } from "./integrity.ts";
import { formatExplanation } from "./report.ts";

export const VISIBILITIES = ["visible", "hidden", "after_due_date", "after_published"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export interface GradescopeTest {
  name: string;
  number: string;
  score: number;
  max_score: number;
  status: "passed" | "failed";
  output: string;
  visibility: Visibility;
}

export interface GradescopeResults {
  score: number;
  max_score: number;
  output: string;
  visibility: Visibility;
  stdout_visibility: "hidden";
  tests: GradescopeTest[];
}

export function toGradescope(grade: SubmissionGrade, reference: readonly LessonResult[], visibility: Visibility = "visible"): GradescopeResults {
  const tests: GradescopeTest[] = [];
  reference.forEach((ref, i) => {
    const lesson = grade.lessons.find((l) => l.lesson === ref.lesson)!;
    const share = testShares(ref, lesson.maxPoints);
    ref.tests.forEach((refTest, j) => {
      const mine = lesson.result?.tests.find((t) => t.id === refTest.id);
      const passed = mine?.state === "passed" && lesson.status !== "flagged";
      tests.push({
        name: `${ref.lesson} › ${refTest.suite ? refTest.suite + " › " : ""}${refTest.name}`,
        number: `${i + 1}.${j + 1}`,
        score: passed ? round2(share(refTest)) : 0,
        max_score: round2(share(refTest)),
        status: passed ? "passed" : "failed",
        output: passed ? "" : whyNot(mine, lesson),
        visibility,
      });
    });
  });
  const summary = `${formatPoints(grade.points)} of ${formatPoints(grade.maxPoints)} points.`;
  return {
    score: grade.points,
    max_score: grade.maxPoints,
    output: grade.status === "graded" ? summary : `${summary} Status: ${grade.status}.` + troubleOf(grade),
    visibility,
    stdout_visibility: "hidden",
    tests,
  };
}

/**
 * Each test's share of its lesson's points: its weight group's points over the group's
 * tests (one share per test when the registry does not know the lesson). The total
 * `score` stays the exact weighted sum; the shares are rounded for display.
 */
function testShares(ref: LessonResult, maxPoints: number): (test: TestResult) => number {
  const lesson = registry.find((l) => l.id === ref.lesson);
  if (!lesson) return () => (ref.total > 0 ? maxPoints / ref.total : 0);
  const sizes = new Map<unknown, number>();
  for (const t of ref.tests) sizes.set(groupOf(t, lesson), (sizes.get(groupOf(t, lesson)) ?? 0) + 1);
  return (test) => {
    const group = groupOf(test, lesson);
    return group ? group.points / sizes.get(group)! : 0;
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function whyNot(test: TestResult | undefined, lesson: LessonGrade): string {
  if (lesson.status === "flagged") return `not run: flagged (${plain(lesson.detail ?? "")}); your instructor will look at it`;
  if (test?.explanation) return plain(formatExplanation(test.explanation));
  if (test?.state === "not-run") return "not run: grading stopped at a test that never finished";
  if (lesson.status === "not submitted") return `not submitted: no exercises/${lesson.lesson}/ files`;
  return `not run: ${lesson.status}${lesson.detail ? ` (${plain(lesson.detail)})` : ""}`;
}

/** One line per lesson that could not be graded normally, with why. */
function troubleOf(grade: SubmissionGrade): string {
  const lines = grade.lessons
    .filter((l) => l.status !== "graded" && l.status !== "not submitted" && l.detail)
    .map((l) => `${l.lesson}: ${l.status}: ${plain(l.detail!)}`);
  return lines.length > 0 ? "\n" + lines.join("\n") : "";
}

function plain(text: string): string {
  return stripVTControlCharacters(text);
}

/** What the archive leaves out: answers, history, installs, local state, the kit's own tests. */
export const BUNDLE_EXCLUDES = [
  "solutions/**", ".git/**", "node_modules/**", ".progress/**", ".backups/**", ".book/**", ".mutate/**",
  "tests/kit/**", "**/.DS_Store",
];

export interface BundleOptions {
  kit: string;
  out: string;
  /** Lessons the autograder grades (default: every lesson a submission has a folder for). */
  lessons?: readonly string[];
  visibility?: Visibility;
}

export async function buildBundle(options: BundleOptions): Promise<{ files: number; bytes: number; warnings: string[] }> {
  const warnings: string[] = [];
  const manifest = readManifest(options.kit) as { tests?: Record<string, unknown[]> } | undefined;
  if (!manifest?.tests) {
    throw new Error("manifest.json does not list the lessons' tests, and the archive has no solutions/ to list them from: run `npm run manifest` first");
  }
  const stale = manifestDifferences(options.kit);
  if (stale.length > 0) warnings.push(`manifest.json is stale (${stale.slice(0, 3).join(", ")}${stale.length > 3 ? ", ..." : ""}); run \`npm run manifest\` before uploading`);
  const files = await glob("**/*", { cwd: options.kit, dot: true, onlyFiles: true, followSymbolicLinks: false, ignore: BUNDLE_EXCLUDES });
  const entries: Zippable = {};
  for (const file of files.sort()) entries[file] = [new Uint8Array(await fs.readFile(path.join(options.kit, file))), unixMode(0o644)];
  entries["setup.sh"] = [new TextEncoder().encode(SETUP_SH), unixMode(0o755)];
  entries["run_autograder"] = [new TextEncoder().encode(runAutograder(options)), unixMode(0o755)];
  const zip = zipSync(entries, { level: 9 });
  await fs.writeFile(options.out, zip);
  return { files: Object.keys(entries).length, bytes: zip.length, warnings };
}

/** Unix permissions in the archive (Gradescope unpacks with them). */
function unixMode(mode: number) {
  return { os: 3, attrs: (0o100000 | mode) << 16 };
}

const SETUP_SH = `#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# Node 20 (NodeSource), the kit's exact dependencies, and bubblewrap, the sandbox that
# grade runs each submission's tests in (without it grade still works and says so).
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends ca-certificates curl bubblewrap
curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
apt-get install -y nodejs
cd /autograder/source
npm ci --no-audit --no-fund
`;

function runAutograder(options: BundleOptions): string {
  const lessons = options.lessons?.length ? ` --lessons ${options.lessons.join(",")}` : "";
  const visibility = options.visibility && options.visibility !== "visible" ? ` --visibility ${options.visibility}` : "";
  return `#!/usr/bin/env bash
# Gradescope runs this for every submission: the learner's files are in
# /autograder/submission (a kit copy, its exercises/, or either inside one more folder).
cd /autograder/source
npm run grade /autograder/submission -- --gradescope /autograder/results/results.json${lessons}${visibility}
`;
}
