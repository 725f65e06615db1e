/**
 * `npm run mutate <lesson>` — a maintainer's tool: how many plausible bugs in a lesson's
 * reference solution do its hidden tests catch? StrykerJS (9.x, the vitest runner) makes
 * small changes ("mutants") to `solutions/<lesson>/*.ts`, runs the lesson's hidden tests
 * against each (the vitest config with CRASH_COURSE_IMPL=solutions, in a sandbox copy, so
 * the real files are never touched), and this script prints the score and every mutant no
 * test killed: file:line, the change, and whether it is in a TODO region (code a learner
 * writes) or in given code. `tests/<lesson>/equivalent-mutants.json` lists the survivors
 * that change no behaviour, each with a reason, so "unexplained" means "a test to write or
 * an equivalent to explain". Error messages and disk-write labels are not mutated
 * (scripts/core/mutate-ignore-labels.mjs).
 *
 * StrykerJS is not a dependency of the kit, so a learner's `npm install` stays small: the
 * first run installs the pinned versions into `.mutate/` (git-ignored) with
 * `npm install --no-save`, and says so. Node only: StrykerJS runs its tests in Node worker
 * processes; `deno task mutate` hands over to `node` when it is on the PATH.
 *
 * Exit 0 when no TODO region has an unexplained survivor, 1 when one has, 2 for a usage
 * error or a failed install or run.
 *
 * @example
 * ```sh
 * npm run mutate lesson-9                      # about 2 minutes on 2 cores
 * npm run mutate lesson-7 -- --concurrency 1 --json .mutate/lesson-7.json
 * ```
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import pc from "picocolors";
import { parseCommand } from "./core/cli.ts";
import { KIT, runtimeName } from "./core/kit.ts";
import {
  formatReport, parseEquivalents, percent, score, summarize, todoRegions,
  type Equivalent, type Mutant, type Region,
} from "./core/mutate-report.ts";
import type { Lesson } from "../lib/registry.ts";

const STRYKER_VERSION = "9.6.1";
const CACHE = path.join(KIT, ".mutate");
const PACKAGES = [`@stryker-mutator/core@${STRYKER_VERSION}`, `@stryker-mutator/vitest-runner@${STRYKER_VERSION}`];

const USAGE = `
usage: npm run mutate <lesson> [-- --concurrency N] [-- --json FILE]

  Mutation testing of the lesson's reference solution against its hidden tests
  (StrykerJS ${STRYKER_VERSION}, installed into .mutate/ on the first run).

  lesson            lesson-3, 3, or the start of a lesson's title
  --concurrency N   test processes at once (default 2)
  --json FILE       also write the scores and survivors as JSON
`;

if (runtimeName() === "deno") handOverToNode();

const { values, lessons: [lesson] } = parseCommand({
  usage: USAGE,
  flags: { concurrency: { type: "string" }, json: { type: "string" } },
  lessons: "one",
});
const concurrency = parseConcurrency(values.concurrency);
const jsonFile = values.json === undefined ? undefined : path.resolve(values.json); // before runStryker() moves to the kit
const equivalentsFile = path.join("tests", lesson.id, "equivalent-mutants.json");
const equivalents = readEquivalents(equivalentsFile);

ensureStryker();
const started = Date.now();
const mutants = await runStryker(lesson, concurrency);
const files = lesson.files.map((file) => `solutions/${lesson.id}/${file}`);
const sources = new Map(files.map((file) => [file, fs.readFileSync(path.join(KIT, file), "utf8")]));
const regions = new Map<string, Region[]>();
const missing: string[] = [];
for (const file of lesson.files) {
  const exercise = fs.readFileSync(path.join(KIT, "exercises", lesson.id, file), "utf8");
  const found = todoRegions(lesson.id, exercise, sources.get(`solutions/${lesson.id}/${file}`)!);
  regions.set(`solutions/${lesson.id}/${file}`, found.regions);
  missing.push(...found.missing);
}
const summary = summarize(mutants, { regions, sources, equivalents });
const minutes = ((Date.now() - started) / 60000).toFixed(1);
console.log(formatReport(summary, {
  title: `${pc.bold(lesson.id)} · ${lesson.title} · StrykerJS ${STRYKER_VERSION}, ${files.join(", ")} against tests/${lesson.id} (${minutes} min)`,
  equivalentsFile,
  missing,
}));
if (jsonFile) {
  const json = {
    lesson: lesson.id,
    stryker: STRYKER_VERSION,
    mutants: summary.total,
    ignored: summary.ignored,
    whole: { ...summary.whole, score: score(summary.whole), scoreExplained: score(summary.whole, true) },
    todo: { ...summary.todo, score: score(summary.todo), scoreExplained: score(summary.todo, true) },
    survivors: summary.survivors.map((s) => ({
      file: s.mutant.file, line: s.mutant.line, mutator: s.mutant.mutator, original: s.original, replacement: s.mutant.replacement,
      status: s.mutant.status, todo: s.region?.todo, method: s.region?.name, explained: s.explainedBy?.reason,
    })),
  };
  fs.writeFileSync(jsonFile, JSON.stringify(json, null, 2) + "\n");
  console.log(pc.dim(`\nwrote ${values.json}`));
}
const openInTodo = summary.survivors.filter((s) => s.region && !s.explainedBy).length;
console.log(pc.dim(`\n${lesson.id}: whole file ${percent(score(summary.whole, true))}, TODO regions ${percent(score(summary.todo, true))} (equivalents explained); ${openInTodo} unexplained in TODO regions`));
process.exit(openInTodo > 0 ? 1 : 0);

function parseConcurrency(given: string | undefined): number {
  if (given === undefined) return 2;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    console.error(`${pc.red("error:")} --concurrency must be a whole number from 1 to 64, got "${given}"`);
    console.error(pc.dim(USAGE.trim().split("\n")[0]));
    process.exit(2);
  }
  return n;
}

/** A lesson without the file has no known equivalents yet. */
function readEquivalents(file: string): Equivalent[] {
  const full = path.join(KIT, file);
  if (!fs.existsSync(full)) return [];
  try {
    return parseEquivalents(fs.readFileSync(full, "utf8"), file);
  } catch (error) {
    console.error(`${pc.red("error:")} ${(error as Error).message}`);
    process.exit(2);
  }
}

/**
 * Installs the pinned StrykerJS into .mutate/ unless it is there. `--legacy-peer-deps`
 * keeps npm from adding a second vitest: the runner then finds the kit's own, one folder
 * up, as Node resolves packages.
 */
function ensureStryker(): void {
  const installed = PACKAGES.every((spec) => {
    const name = spec.slice(0, spec.lastIndexOf("@"));
    try {
      return JSON.parse(fs.readFileSync(path.join(CACHE, "node_modules", name, "package.json"), "utf8")).version === STRYKER_VERSION;
    } catch {
      return false;
    }
  });
  if (installed) return;
  console.log(pc.dim(`StrykerJS is not a dependency of the kit (a learner's npm install stays small).\n` +
    `First run: installing ${PACKAGES.join(" and ")} into .mutate/ (npm install --no-save) ...`));
  fs.mkdirSync(CACHE, { recursive: true });
  fs.writeFileSync(path.join(CACHE, "package.json"), JSON.stringify({ private: true, description: "npm run mutate's own install; safe to delete" }, null, 2) + "\n");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["install", "--no-save", "--legacy-peer-deps", "--no-audit", "--no-fund", "--prefix", CACHE, ...PACKAGES], { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`${pc.red("error:")} the install of StrykerJS failed; see npm's output above`);
    process.exit(2);
  }
}

/** Runs StrykerJS in-process (its workers are separate processes) and returns its mutants. */
async function runStryker(lesson: Lesson, concurrency: number): Promise<Mutant[]> {
  process.chdir(KIT);
  process.env.CRASH_COURSE_IMPL = "solutions"; // the workers inherit it: the tests import the (mutated) solution
  delete process.env.CRASH_COURSE_IMPL_DIR;
  const core = path.join(CACHE, "node_modules", "@stryker-mutator", "core", "dist", "src", "index.js");
  const { Stryker } = await import(pathToFileURL(core).href) as { Stryker: new (options: object) => { runMutationTest(): Promise<StrykerMutant[]> } };
  const stryker = new Stryker({
    mutate: lesson.files.map((file) => `solutions/${lesson.id}/${file}`),
    testRunner: "vitest",
    plugins: ["@stryker-mutator/vitest-runner", path.join(KIT, "scripts", "core", "mutate-ignore-labels.mjs")],
    ignorers: ["crash-course-labels"],
    // Only this lesson's tests are copied into the sandbox, so only they run.
    vitest: { configFile: "scripts/core/mutate-vitest.config.ts", related: false },
    ignorePatterns: ["tests/lesson-*", `!tests/${lesson.id}`, "tests/kit", ".mutate", ".book", ".progress", ".backups", ".briefs", "bench", "manifest.json"],
    coverageAnalysis: "perTest",
    concurrency,
    tempDirName: ".mutate/sandbox",
    cleanTempDir: "always",
    // The kit's TypeScript 7 has no JavaScript API for StrykerJS's tsconfig rewriting, and
    // vitest needs no tsconfig: point StrykerJS at none.
    tsconfigFile: ".mutate/no-tsconfig.json",
    reporters: ["progress"],
    logLevel: "warn",
    fileLogLevel: "off",
  });
  let results: StrykerMutant[];
  try {
    results = await stryker.runMutationTest();
  } catch (error) {
    // StrykerJS has logged what went wrong (a test failing before any mutation, usually).
    console.error(`${pc.red("error:")} StrykerJS stopped: ${(error as Error).message}`);
    process.exit(2);
  }
  return results.map((r) => ({
    file: path.relative(KIT, path.resolve(KIT, r.fileName)).split(path.sep).join("/"),
    line: r.location.start.line,
    column: r.location.start.column,
    endLine: r.location.end.line,
    endColumn: r.location.end.column,
    mutator: r.mutatorName,
    replacement: r.replacement ?? "",
    status: r.status,
    statusReason: r.statusReason,
  }));
}

interface StrykerMutant {
  fileName: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
  mutatorName: string;
  replacement?: string;
  status: string;
  statusReason?: string;
}

/** StrykerJS's workers are Node processes: under Deno, run this same command with node. */
function handOverToNode(): never {
  const result = spawnSync("node", [path.join(KIT, "scripts", "run.mjs"), path.join(KIT, "scripts", "mutate.ts"), ...process.argv.slice(2)], { stdio: "inherit" });
  if (result.error) {
    console.error(`${pc.red("error:")} npm run mutate needs Node (StrykerJS runs its tests in Node processes), and no node is on the PATH`);
    process.exit(2);
  }
  process.exit(result.status ?? 2);
}
