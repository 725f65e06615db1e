/**
 * `npm run bench:watch` — how long a learner waits in watch mode between saving a file
 * and seeing the new result, for lesson 1, on each runtime. Target: at most 0.5 s.
 *
 * It starts `watch lesson-1` as a learner would, on a temporary copy of the kit, then
 * saves the exercise file again and again, alternating the skeleton and the reference
 * solution, and times each save until the result's closing line ("N passed, N failed")
 * has been printed. Prints the figures; asserts nothing.
 *
 *   npm run bench:watch [-- --saves 9] [--runtime node|deno] [--poll]
 *
 * Each runtime is the real one (bench/runtimes.ts); a runtime the machine lacks gets a
 * row that says so. Watch runs through zx in a process
 * group of its own, and the group is ended, so the benchmark always exits.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { parseArgs } from "node:util";
import path from "node:path";
import process from "node:process";
import type { Readable } from "node:stream";
import { KIT } from "../scripts/core/kit.ts";
import { $, type ProcessPromise } from "../scripts/core/zx.ts";
import { runtimeBinary, type Runtime } from "./runtimes.ts";

const { values } = parseArgs({
  options: { saves: { type: "string", default: "9" }, runtime: { type: "string" }, poll: { type: "boolean" } },
});
const saves = Number(values.saves);
if (!Number.isInteger(saves) || saves < 1) {
  console.error("error: --saves must be a whole number ≥ 1");
  process.exit(2);
}
if (values.runtime !== undefined && values.runtime !== "node" && values.runtime !== "deno") {
  console.error("error: --runtime must be node or deno");
  process.exit(2);
}
const runtimes: Runtime[] = values.runtime ? [values.runtime as Runtime] : ["node", "deno"];

const SKIP = /[/\\](node_modules|\.git|\.progress|\.backups|\.book|\.briefs)$/;
const CLOSING = /^\d+ passed, \d+ failed$/m;

function tempKit(): string {
  const root = mkdtempSync(path.join(tmpdir(), "crash-course-bench-watch-"));
  cpSync(KIT, root, { recursive: true, filter: (src) => !SKIP.test(src) });
  symlinkSync(path.join(KIT, "node_modules"), path.join(root, "node_modules"), "dir");
  return root;
}

/** Watch, started as a learner would; its output and when it ended. */
interface Watching {
  stdout: Readable;
  exited: Promise<void>;
  process: ProcessPromise;
}

function start(runtime: string, binary: string, root: string): Watching {
  const script = path.join(root, "scripts", "watch.ts");
  const args = runtime === "deno" ? ["run", "-A", script, "lesson-1"] : [path.join(root, "scripts", "run.mjs"), "--vitest", script, "lesson-1"];
  const env = { ...process.env, NO_COLOR: "1", ...(values.poll ? { CRASH_COURSE_POLL: "1" } : {}) };
  const child = $({ cwd: root, env, nothrow: true, quiet: true, detached: true })`${binary} ${args}`;
  child.stderr.pipe(process.stderr);
  return { stdout: child.stdout, exited: child.then(() => undefined), process: child };
}

/** Resolves when the child's output, from now on, contains a closing line. */
function nextResult(child: Watching): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    let done = false;
    child.exited.then(() => {
      if (!done) reject(new Error("watch exited before showing a result"));
    });
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (CLOSING.test(seen)) {
        done = true;
        child.stdout.off("data", onData);
        // The "graded in" line follows the closing line in the same write.
        resolve(seen);
      }
    };
    child.stdout.on("data", onData);
  });
}

/**
 * Ctrl-C to watch's process group, as a terminal sends it; the whole group is killed if
 * it lingers. By group, not by zx's tree walk, which needs `ps` (a Deno-only machine or
 * a slim container may not have it).
 */
async function stop(child: Watching): Promise<void> {
  const group = -(child.process.pid ?? 0);
  const signal = (name: "SIGINT" | "SIGKILL") => {
    if (group === 0) return;
    try {
      process.kill(group, name);
    } catch {
      // already gone
    }
  };
  signal("SIGINT");
  const lingering = setTimeout(() => signal("SIGKILL"), 5_000);
  await child.exited;
  clearTimeout(lingering);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

console.log(`save → result in watch mode, lesson 1, ${saves} saves per runtime${values.poll ? " (polling)" : ""}`);
// Other work on the machine shows up directly in these figures.
console.log(`load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores at the start\n`);
console.log("runtime  first grade   median    fastest   slowest   grading alone (median)   target 0.5 s");
for (const runtime of runtimes) {
  const binary = await runtimeBinary(runtime);
  if (!binary) {
    console.log(`${runtime.padEnd(8)} not on this machine: nothing to measure`);
    continue;
  }
  const root = tempKit();
  const exercise = path.join(root, "exercises", "lesson-1", "cow-list.ts");
  const versions = [readFileSync(path.join(root, "solutions", "lesson-1", "cow-list.ts"), "utf8"), readFileSync(exercise, "utf8")];
  const child = start(runtime, binary, root);
  try {
    const t0 = performance.now();
    await nextResult(child);
    const first = performance.now() - t0;
    const latencies: number[] = [];
    const grading: number[] = [];
    for (let i = 0; i < saves; i++) {
      await new Promise((r) => setTimeout(r, 200)); // a learner does not save twice in 0.2 s
      const result = nextResult(child);
      const saved = performance.now();
      writeFileSync(exercise, versions[i % 2]);
      const text = await result;
      latencies.push(performance.now() - saved);
      const graded = /graded in (\d+) ms/.exec(text) ?? /graded in (\d+) ms/.exec(await onceMore(child));
      if (graded) grading.push(Number(graded[1]));
    }
    const ms = (x: number) => `${Math.round(x)} ms`.padStart(7);
    const med = median(latencies);
    console.log(`${runtime.padEnd(8)} ${ms(first).padStart(11)}   ${ms(med)}   ${ms(Math.min(...latencies))}   ${ms(Math.max(...latencies))}   ${ms(median(grading)).padStart(22)}   ${med <= 500 ? "within" : "OVER"}`);
  } finally {
    await stop(child);
    rmSync(root, { recursive: true, force: true });
  }
}

/** The rest of a result when its last line arrived in a later chunk. */
function onceMore(child: Watching): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(""), 200);
    child.stdout.once("data", (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString());
    });
  });
}
