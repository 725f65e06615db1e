/**
 * `npm run bench:stress` (or `deno task bench:stress`) — the reference solutions of every
 * lesson stay green on an oversubscribed machine. It starts CPU-bound busy processes
 * (4 by default: twice the cores of a 2-core machine), then grades each lesson's
 * solutions in turn with `check lesson-N --solutions --json` in a child process of the
 * runtime running the benchmark, and prints per lesson the tests, passed, failed, the
 * wall time and the 1-minute load average seen while it ran. The busy processes are
 * stopped whatever happens (an error, Ctrl-C). Exit 1 when any reference test failed or
 * a lesson gave no result. A benchmark, not part of `npm test`.
 *
 *   npm run bench:stress [-- --busy 4] [--lesson lesson-2]
 *
 * @example
 * ```sh
 * npm run bench:stress -- --busy 4
 * # lesson     tests  passed  failed     wall  load avg (1 min)
 * # lesson-1      25      25       0    4.1 s  5.8–6.2
 * ```
 */
import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { lessons } from "../lib/registry.ts";
import { KIT, runtimeName } from "../scripts/core/kit.ts";
import { $ } from "../scripts/core/zx.ts";

declare const Deno: { execPath(): string } | undefined;

const { values } = parseArgs({ options: { busy: { type: "string", default: "4" }, lesson: { type: "string", multiple: true } } });
const busyCount = Number(values.busy);
if (!Number.isInteger(busyCount) || busyCount < 0) {
  console.error(`--busy must be a whole number, got ${values.busy}`);
  process.exit(2);
}
const chosen = values.lesson?.length ? lessons.filter((l) => values.lesson!.includes(l.id)) : lessons;
if (chosen.length === 0) {
  console.error(`no such lesson: ${values.lesson!.join(", ")}; the lessons are ${lessons.map((l) => l.id).join(", ")}`);
  process.exit(2);
}

/**
 * This runtime's binary and the arguments of one busy process: a loop that never waits,
 * and ends by itself once its parent is gone (its parent pid changes), so that even a
 * benchmark killed with SIGKILL leaves nothing spinning.
 */
function busyCommand(): [string, string[]] {
  const code = "const parent = process.ppid; for (let i = 1; ; i++) if (i % 1e7 === 0 && process.ppid !== parent) process.exit(0);";
  return typeof Deno !== "undefined" ? [Deno.execPath(), ["eval", code]] : [process.execPath, ["-e", code]];
}

/** `check <lesson> --solutions --json` in this runtime. */
function checkCommand(lesson: string): [string, string[]] {
  const script = path.join(KIT, "scripts", "check.ts");
  const args = [lesson, "--solutions", "--json"];
  return typeof Deno !== "undefined"
    ? [Deno.execPath(), ["run", "-A", script, ...args]]
    : [process.execPath, [path.join(KIT, "scripts", "run.mjs"), "--vitest", script, ...args]];
}

const busy: ChildProcess[] = [];

function startBusy(): void {
  const [command, args] = busyCommand();
  for (let i = 0; i < busyCount; i++) busy.push(spawn(command, args, { stdio: "ignore" }));
}

/** Ends every busy process this benchmark started, by its own pid. */
function stopBusy(): void {
  for (const child of busy) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

process.on("exit", stopBusy);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    stopBusy();
    process.exit(130);
  });
}

interface Row {
  lesson: string;
  tests?: number;
  passed?: number;
  failed?: number;
  wallMs: number;
  load: [low: number, high: number];
  problem?: string;
}

/** Grades one lesson's solutions while sampling the load average every half second. */
async function gradeUnderLoad(lesson: string): Promise<Row> {
  const seen: number[] = [loadavg()[0]];
  const sampler = setInterval(() => seen.push(loadavg()[0]), 500);
  const [command, args] = checkCommand(lesson);
  const began = performance.now();
  const run = await $({ cwd: KIT, env: { ...process.env, NO_COLOR: "1" }, quiet: true, nothrow: true })`${command} ${args}`;
  const wallMs = performance.now() - began;
  clearInterval(sampler);
  seen.push(loadavg()[0]);
  const load: [number, number] = [Math.min(...seen), Math.max(...seen)];
  try {
    const result = JSON.parse(run.stdout) as { total: number; passed: number; failed: number };
    return { lesson, tests: result.total, passed: result.passed, failed: result.failed, wallMs, load };
  } catch {
    const said = (run.stderr || run.stdout).trim().split("\n").slice(-3).join(" / ");
    return { lesson, wallMs, load, problem: `no JSON result (exit ${run.exitCode}): ${said}` };
  }
}

function formatRow(row: Row): string {
  const n = (x: number | undefined) => String(x ?? "-").padStart(6);
  const wall = `${(row.wallMs / 1000).toFixed(1)} s`.padStart(9);
  const load = `${row.load[0].toFixed(1)}–${row.load[1].toFixed(1)}`;
  return `${row.lesson.padEnd(10)} ${n(row.tests)}  ${n(row.passed)}  ${n(row.failed)}  ${wall}  ${load}${row.problem ? `  ${row.problem}` : ""}`;
}

const cores = availableParallelism();
console.log(`${busyCount} busy processes on ${cores} cores, grading the reference solutions on ${runtimeName()}, one lesson at a time\n`);
console.log(`${"lesson".padEnd(10)} ${"tests".padStart(6)}  ${"passed".padStart(6)}  ${"failed".padStart(6)}  ${"wall".padStart(9)}  load avg (1 min)`);
const rows: Row[] = [];
try {
  startBusy();
  for (const lesson of chosen) {
    const row = await gradeUnderLoad(lesson.id);
    rows.push(row);
    console.log(formatRow(row));
  }
} finally {
  stopBusy();
}

const failed = rows.reduce((sum, r) => sum + (r.failed ?? 0), 0);
const broken = rows.filter((r) => r.problem).length;
const total = rows.reduce((sum, r) => sum + (r.tests ?? 0), 0);
console.log(`\n${total - failed} of ${total} reference tests passed${broken ? `; ${broken} lesson(s) gave no result` : ""}`);
process.exitCode = failed > 0 || broken > 0 ? 1 : 0;
