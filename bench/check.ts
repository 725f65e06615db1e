/**
 * `npm run bench:check` — what the grader costs over a bare vitest run of the same test
 * files, on each runtime: the median wall time of `check lesson-1 --solutions` beside
 * `vitest run tests/lesson-1` (both against the solutions). Target: at most 30% more.
 *
 *   npm run bench:check [-- --runs 7] [--lesson lesson-1]
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import path from "node:path";
import process from "node:process";
import { KIT } from "../scripts/core/kit.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" }, lesson: { type: "string", default: "lesson-1" } } });
const runs = Number(values.runs);
const lesson = values.lesson!;
const bin = (name: string) => path.join(KIT, "node_modules", ".bin", name);
const vitestEntry = path.join(KIT, "node_modules", "vitest", "vitest.mjs");
const env = { ...process.env, CRASH_COURSE_IMPL: "solutions", NO_COLOR: "1" };

const cases: { runtime: string; label: string; command: string; args: string[] }[] = [
  { runtime: "node", label: "bare vitest", command: process.execPath, args: [vitestEntry, "run", `tests/${lesson}`] },
  { runtime: "node", label: "check", command: process.execPath, args: ["scripts/run.mjs", "scripts/check.ts", lesson, "--solutions"] },
  { runtime: "deno", label: "bare vitest", command: bin("deno"), args: ["run", "-A", vitestEntry, "run", `tests/${lesson}`] },
  { runtime: "deno", label: "check", command: bin("deno"), args: ["run", "-A", "scripts/check.ts", lesson, "--solutions"] },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(c: (typeof cases)[number]): number {
  const t0 = performance.now();
  const r = spawnSync(c.command, c.args, { cwd: KIT, env, encoding: "utf8" });
  // Under Deno, vitest's thread teardown sometimes reports an unhandled "not implemented"
  // error after every test passed; that run still counts, a failing test does not.
  if (!/Tests\s+\d+ passed|\d+ passed, 0 failed/.test(r.stdout)) {
    throw new Error(`${c.runtime} ${c.label} did not pass (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  return performance.now() - t0;
}

console.log(`median wall time of ${runs} runs, ${lesson} against the solutions\n`);
console.log("runtime  bare vitest   check      overhead");
for (const runtime of ["node", "deno"]) {
  const [bare, check] = cases.filter((c) => c.runtime === runtime);
  time(bare); time(check); // warm the caches once
  const samples = { bare: [] as number[], check: [] as number[] };
  for (let i = 0; i < runs; i++) {
    samples.bare.push(time(bare));
    samples.check.push(time(check));
  }
  const b = median(samples.bare);
  const c = median(samples.check);
  const overhead = ((c - b) / b) * 100;
  console.log(`${runtime.padEnd(8)} ${`${b.toFixed(0)} ms`.padStart(11)} ${`${c.toFixed(0)} ms`.padStart(9)}   ${overhead >= 0 ? "+" : ""}${overhead.toFixed(0)}%  ${overhead <= 30 ? "within" : "OVER"} the 30% target`);
}
