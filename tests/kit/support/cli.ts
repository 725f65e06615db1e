/**
 * Runs the kit's commands as a learner would, on either runtime, and captures what they
 * print. The kit's own tests are tool tests: unlike the hidden lesson tests they spawn
 * processes, which both runtimes provide through node:child_process.
 *
 * @example
 * ```ts
 * const run = await kit("node", ["check", "lesson-1", "--solutions"]);
 * expect(run.code).toBe(0);
 * ```
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const KIT = path.resolve(fileURLToPath(new URL("../../..", import.meta.url)));
export const RUNTIMES = ["node", "deno"] as const;
export type Runtime = (typeof RUNTIMES)[number];

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const BIN = path.join(KIT, "node_modules", ".bin");

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
    runtime === "deno"
      ? [path.join(BIN, "deno"), ["run", "-A", file, ...args]]
      : [process.execPath, [path.join(cwd, "scripts", "run.mjs"), "--vitest", file, ...args]];
  return run(command, argv, { ...options, cwd });
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "", ...options.env };
  if (options.colour) {
    delete env.NO_COLOR;
    env.FORCE_COLOR = "1";
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? KIT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The closing "N passed, N failed" line of a run, parsed. */
export function closingLine(output: string): { passed: number; failed: number } | undefined {
  const lines = output.trim().split("\n");
  const m = /^(\d+) passed, (\d+) failed$/.exec(lines[lines.length - 1] ?? "");
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

export const fixture = (name: string) => path.join(KIT, "tests", "kit", "fixtures", name);
