/**
 * Runs the kit's commands as a learner would, on either runtime, and captures what they
 * print. The kit's own tests are tool tests: unlike the hidden lesson tests they spawn
 * processes, which both runtimes provide through node:child_process.
 *
 * The suite runs on a machine with only Deno too. There `RUNTIMES` is just ["deno"] (a
 * note says the Node variants are left out), and `kit("node", …)` of a test about a
 * command rather than a runtime runs the command on Deno. Deno is the one running the
 * suite when there is one (so a Deno-only install needs no second binary), else the
 * kit's pinned node_modules/deno/deno. Every process started here that is still running
 * when its test file ends is killed, with its process group.
 *
 * @example
 * ```ts
 * const run = await kit("node", ["check", "lesson-1", "--solutions"]);
 * expect(run.code).toBe(0);
 * ```
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { delimiter } from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import process from "node:process";
import { afterAll } from "vitest";

export const KIT = path.resolve(fileURLToPath(new URL("../../..", import.meta.url)));
/**
 * The time limit of a kit test that runs the kit's commands: as long as the suite's own
 * (scripts/test.ts), because on a busy machine a command may take minutes; waits end on
 * the event they wait for, so this only ends a test whose event never comes.
 */
export const SLOW_MACHINE_LIMIT = 600_000;
export const ALL_RUNTIMES = ["node", "deno"] as const;
export type Runtime = (typeof ALL_RUNTIMES)[number];

const onDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** The Node to run "on node" tests with: this process under Node, else a real node on PATH. */
export const NODE: string | undefined = onDeno ? realNodeOnPath() : process.execPath;

/** The Deno to run "on deno" tests with. */
export const DENO: string = onDeno
  ? (globalThis as unknown as { Deno: { execPath(): string } }).Deno.execPath()
  : path.join(KIT, "node_modules", "deno", "deno");

/**
 * The runtimes to run the kit's commands on: those this machine has (both, or only Deno),
 * narrowed by CRASH_COURSE_TEST_RUNTIMES ("node", "deno" or "node,deno"). CI runs the
 * suite under Node with "node" and under Deno with "deno", so each runtime's variants
 * run once, in the suite of that runtime.
 */
export const RUNTIMES: readonly Runtime[] = chosenRuntimes(NODE ? ALL_RUNTIMES : ["deno"]);

function chosenRuntimes(available: readonly Runtime[]): readonly Runtime[] {
  const asked = process.env.CRASH_COURSE_TEST_RUNTIMES;
  if (!asked) return available;
  const wanted = asked.split(",").map((r) => r.trim());
  const unknown = wanted.filter((r) => !(ALL_RUNTIMES as readonly string[]).includes(r));
  if (unknown.length > 0) throw new Error(`CRASH_COURSE_TEST_RUNTIMES: unknown runtime ${unknown.join(", ")}; use node, deno or node,deno`);
  const chosen = available.filter((r) => wanted.includes(r));
  if (chosen.length === 0) throw new Error(`CRASH_COURSE_TEST_RUNTIMES=${asked}: none of these is on this machine (${available.join(", ")})`);
  return chosen;
}
export const NO_NODE_NOTE = NODE
  ? `CRASH_COURSE_TEST_RUNTIMES=${process.env.CRASH_COURSE_TEST_RUNTIMES ?? ""}: this suite leaves the kit's tests on node to the Node suite`
  : "no Node on this machine: the kit's tests on node are skipped (their Deno twins run)";
if (!NODE) console.warn(`note: ${NO_NODE_NOTE}`);

/** A node on PATH that is Node: Deno puts a "node" of its own (itself) on the PATH of what it starts. */
function realNodeOnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = path.join(dir, "node");
    if (!dir || !existsSync(candidate)) continue;
    const version = spawnSync(candidate, ["--version"], { encoding: "utf8", timeout: 20_000 });
    if (/^v\d+\.\d+\.\d+\s*$/.test(version.stdout ?? "")) return candidate;
  }
  return undefined;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `<script> [args]` of scripts/ (e.g. "check") the way npm run / deno task do. */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Colours on, as in a terminal; off (NO_COLOR) by default. */
  colour?: boolean;
}

export function kit(runtime: Runtime, script: string, args: readonly string[], options: RunOptions = {}): Promise<Run> {
  const cwd = options.cwd ?? KIT;
  const file = path.join(cwd, "scripts", `${script}.ts`);
  const [command, argv] =
    runtime === "deno" || !NODE
      ? [DENO, ["run", "-A", file, ...args]]
      : [NODE, [path.join(cwd, "scripts", "run.mjs"), "--vitest", file, ...args]];
  return run(command, argv, { ...options, cwd });
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "", ...options.env };
  if (options.colour) {
    delete env.NO_COLOR;
    env.FORCE_COLOR = "1";
  }
  return new Promise((resolve, reject) => {
    // Its own process group, so that ending it ends what it started too.
    const child = spawn(command, args, {
      cwd: options.cwd ?? KIT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: process.platform !== "win32",
    });
    running.add(child);
    child.on("close", () => running.delete(child));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Processes still running when a test file ends (a failed or timed-out test's) are killed, never left behind. */
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) killGroup(child);
});

/** Ends a process started by `run` and every process it started. */
export function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(process.platform === "win32" ? child.pid : -child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

/** The closing "N passed, N failed" line of a run, parsed. */
export function closingLine(output: string): { passed: number; failed: number } | undefined {
  const lines = output.trim().split("\n");
  const m = /^(\d+) passed, (\d+) failed$/.exec(lines[lines.length - 1] ?? "");
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

export const fixture = (name: string) => path.join(KIT, "tests", "kit", "fixtures", name);
