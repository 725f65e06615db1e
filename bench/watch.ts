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
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { parseArgs } from "node:util";
import path from "node:path";
import process from "node:process";
import { KIT } from "../scripts/core/kit.ts";

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
const runtimes = values.runtime ? [values.runtime] : ["node", "deno"];

const SKIP = /[/\\](node_modules|\.git|\.progress|\.backups|\.book|\.briefs)$/;
const CLOSING = /^\d+ passed, \d+ failed$/m;

function tempKit(): string {
  const root = mkdtempSync(path.join(tmpdir(), "crash-course-bench-watch-"));
  cpSync(KIT, root, { recursive: true, filter: (src) => !SKIP.test(src) });
  symlinkSync(path.join(KIT, "node_modules"), path.join(root, "node_modules"), "dir");
  return root;
}

function start(runtime: string, root: string): ChildProcess {
  const script = path.join(root, "scripts", "watch.ts");
  const [command, args] = runtime === "deno"
    ? [path.join(root, "node_modules", ".bin", "deno"), ["run", "-A", script, "lesson-1"]]
    : [process.execPath, [path.join(root, "scripts", "run.mjs"), "--vitest", script, "lesson-1"]];
  const env = { ...process.env, NO_COLOR: "1", ...(values.poll ? { CRASH_COURSE_POLL: "1" } : {}) };
  return spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
}

/** Resolves when the child's output, from now on, contains a closing line. */
function nextResult(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onExit = (code: number | null) => reject(new Error(`watch exited (${code}) before showing a result`));
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (CLOSING.test(seen)) {
        child.stdout!.off("data", onData);
        child.off("exit", onExit);
        // The "graded in" line follows the closing line in the same write.
        resolve(seen);
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", onExit);
  });
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
  const root = tempKit();
  const exercise = path.join(root, "exercises", "lesson-1", "cow-list.ts");
  const versions = [readFileSync(path.join(root, "solutions", "lesson-1", "cow-list.ts"), "utf8"), readFileSync(exercise, "utf8")];
  const child = start(runtime, root);
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
    child.kill("SIGINT");
    await new Promise((r) => child.once("exit", r));
    rmSync(root, { recursive: true, force: true });
  }
}

/** The rest of a result when its last line arrived in a later chunk. */
function onceMore(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(""), 200);
    child.stdout!.once("data", (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString());
    });
  });
}
