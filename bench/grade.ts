/**
 * `npm run bench:grade` (or `deno task bench:grade`) — how long `grade` takes for a class
 * of 30 lesson-1 submissions, on the runtime running the benchmark. The class is built
 * in a temporary folder from the kit's fixture submissions: mostly ordinary work
 * (correct, partial, untouched, wrong values, missing export, syntax error, tampered
 * tests, writes outside its folder, which is flagged and not run) plus one each of an
 * endless loop in a test, a memory hog and a runaway array. It prints whether grade ran
 * the submissions in its sandbox (bubblewrap), which costs a little per test process.
 * Target: under 30 s on 2 cores.
 *
 * Wall time depends on what else the machine is doing: the load average while measuring
 * is printed beside it. (The CPU time of the test processes cannot be read from here:
 * the runner ends its warm test processes with a kill, and a killed sandbox is never
 * waited for, so /proc's children's times would leave most of it out.)
 *
 *   npm run bench:grade [-- --submissions 30] [--jobs N] [--runs 1]
 */
import { $ } from "zx";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { KIT, runtimeName, runtimeVersion, selfCommand } from "../scripts/core/kit.ts";

const { values } = parseArgs({
  options: { submissions: { type: "string", default: "30" }, jobs: { type: "string" }, runs: { type: "string", default: "1" } },
});
const count = Number(values.submissions);
const runs = Number(values.runs);

const fixtures = path.join(KIT, "tests", "kit", "fixtures");
const ordinary = [
  "submissions/correct", "submissions/partial", "submissions/untouched", "wrong-value",
  "missing-export", "submissions/syntax-error", "submissions/tampered-tests", "submissions/writes-outside",
];
const troubled = ["submissions/endless-loop", "submissions/memory-hog", "submissions/runaway-array"];

const classDir = mkdtempSync(path.join(tmpdir(), "crash-course-bench-grade-"));
const picked = [...troubled, ...Array.from({ length: Math.max(0, count - troubled.length) }, (_, i) => ordinary[i % ordinary.length])].slice(0, count);
picked.forEach((source, i) => {
  cpSync(path.join(fixtures, source), path.join(classDir, `learner-${String(i + 1).padStart(2, "0")}-${path.basename(source)}`), { recursive: true });
});

const json = path.join(classDir, "grades.json");
const args = [classDir, "--json", json, ...(values.jobs ? ["--jobs", values.jobs] : [])];
const [command, argv] = selfCommand("scripts/grade.ts", args);

const times: number[] = [];
let statuses = new Map<string, number>();
let jobs = "";
let sandbox = "";
try {
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await $({ cwd: KIT, env: { ...process.env, NO_COLOR: "1" }, nothrow: true, quiet: true })`${command} ${argv}`;
    times.push((performance.now() - t0) / 1000);
    if (r.exitCode !== 0) throw new Error(`grade failed (exit ${r.exitCode}):\n${r.stdout}${r.stderr}`);
    jobs = /, (\d+) at a time/.exec(r.stdout)?.[1] ?? "?";
    const grades = JSON.parse(readFileSync(json, "utf8")) as { sandbox: string; submissions: { status: string }[] };
    sandbox = grades.sandbox;
    statuses = new Map();
    for (const s of grades.submissions) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
  }
} finally {
  rmSync(classDir, { recursive: true, force: true });
}

const best = Math.min(...times);
console.log(`grade: ${count} lesson-1 submissions on ${runtimeName()} ${runtimeVersion()}, ${jobs} at a time`);
console.log(`sandbox: ${sandbox.startsWith("none") ? `off (${sandbox})` : `on (${sandbox})`}\n`);
const cores = Number(jobs) || 1;
console.log("run   wall time   per submission");
times.forEach((t, i) => {
  const perSubmission = `${((t / count) * 1000).toFixed(0)} ms`;
  console.log(`${String(i + 1).padEnd(5)} ${`${t.toFixed(1)} s`.padStart(9)}   ${perSubmission.padStart(14)}`);
});
const [load1] = (() => { try { return readFileSync("/proc/loadavg", "utf8").split(" ").map(Number); } catch { return [NaN]; } })();
console.log(`\nbest ${best.toFixed(1)} s wall: ${best < 30 ? "within" : "OVER"} the 30 s target (load average ${load1} on ${cores} cores while measuring)`);
console.log(`statuses: ${[...statuses].map(([s, n]) => `${n} ${s}`).join(", ")}`);
