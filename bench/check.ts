/**
 * `npm run bench:check` — what the grader costs over a bare vitest run of the same test
 * files, on each runtime: the median wall time of `check lesson-1 --solutions` beside
 * `vitest run tests/lesson-1` (both against the solutions). Target: at most 30% more.
 *
 *   npm run bench:check [-- --runs 7] [--lesson lesson-1]
 *
 * Each runtime is the real one (bench/runtimes.ts); one the machine lacks gets a row
 * that says so. Commands are run and timed through zx.
 */
import { parseArgs } from "node:util";
import path from "node:path";
import process from "node:process";
import { KIT } from "../scripts/core/kit.ts";
import { $, spinner } from "../scripts/core/zx.ts";
import { RUNTIMES, runtimeBinary, type Runtime } from "./runtimes.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" }, lesson: { type: "string", default: "lesson-1" } } });
const runs = Number(values.runs);
const lesson = values.lesson!;
const vitestEntry = path.join(KIT, "node_modules", "vitest", "vitest.mjs");
const env = { ...process.env, CRASH_COURSE_IMPL: "solutions", NO_COLOR: "1" };

interface Case {
  label: string;
  command: string;
  args: string[];
}

/** The bare vitest run and the grader's run of the same tests, on one runtime. */
function casesOf(runtime: Runtime, binary: string): [bare: Case, check: Case] {
  const run = runtime === "deno" ? ["run", "-A"] : [];
  const check = runtime === "deno" ? ["scripts/check.ts"] : ["scripts/run.mjs", "--test-process", "scripts/check.ts"];
  return [
    { label: "bare vitest", command: binary, args: [...run, vitestEntry, "run", `tests/${lesson}/`] },
    { label: "check", command: binary, args: [...run, ...check, lesson, "--solutions"] },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(runtime: Runtime, c: Case): Promise<number> {
  const t0 = performance.now();
  const r = await $({ cwd: KIT, env, quiet: true, nothrow: true })`${c.command} ${c.args}`;
  // Under Deno, vitest's thread teardown sometimes reports an unhandled "not implemented"
  // error after every test passed; that run still counts, a failing test does not.
  if (!/Tests\s+\d+ passed|\d+ passed, 0 failed/.test(r.stdout)) {
    throw new Error(`${runtime} ${c.label} did not pass (exit ${r.exitCode}):\n${r.stdout}${r.stderr}`);
  }
  return performance.now() - t0;
}

console.log(`median wall time of ${runs} runs, ${lesson} against the solutions\n`);
console.log("runtime  bare vitest   check      overhead");
for (const runtime of RUNTIMES) {
  const binary = await runtimeBinary(runtime);
  if (!binary) {
    console.log(`${runtime.padEnd(8)} not on this machine: nothing to measure`);
    continue;
  }
  const [bare, check] = casesOf(runtime, binary);
  const samples = await spinner(`timing ${runtime}: ${runs} runs of each`, async () => {
    await time(runtime, bare); // warm the caches once
    await time(runtime, check);
    const taken = { bare: [] as number[], check: [] as number[] };
    for (let i = 0; i < runs; i++) {
      taken.bare.push(await time(runtime, bare));
      taken.check.push(await time(runtime, check));
    }
    return taken;
  });
  const b = median(samples.bare);
  const c = median(samples.check);
  const overhead = ((c - b) / b) * 100;
  console.log(`${runtime.padEnd(8)} ${`${b.toFixed(0)} ms`.padStart(11)} ${`${c.toFixed(0)} ms`.padStart(9)}   ${overhead >= 0 ? "+" : ""}${overhead.toFixed(0)}%  ${overhead <= 30 ? "within" : "OVER"} the 30% target`);
}
