/**
 * Where things are, and how to start this same runtime again. Tool-side only (scripts/
 * may use node: built-ins, which Deno provides too).
 *
 * @example
 * ```ts
 * import { KIT, runtimeName, selfCommand } from "./kit.ts";
 * const [cmd, args] = selfCommand("scripts/core/grade-worker.ts", ["lesson-1"]);
 * ```
 */
import { fileURLToPath } from "node:url";
import path from "node:path";
import process from "node:process";

/** The kit's root folder (where package.json and lessons/ are), absolute, no trailing slash. */
export const KIT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));

declare const Deno: { execPath(): string; version: { deno: string } } | undefined;

export function runtimeName(): "deno" | "node" {
  return typeof Deno !== "undefined" ? "deno" : "node";
}

export function runtimeVersion(): string {
  return typeof Deno !== "undefined" ? Deno.version.deno : process.versions.node;
}

/** The command that runs a TypeScript script of the kit in the runtime running now. */
export function selfCommand(script: string, args: readonly string[]): [string, string[]] {
  const file = path.resolve(KIT, script);
  if (typeof Deno !== "undefined") return [Deno.execPath(), ["run", "-A", file, ...args]];
  return [process.execPath, [path.join(KIT, "scripts", "run.mjs"), file, ...args]];
}

/** Relative to the kit when inside it (how learners see paths), else absolute. */
export function displayPath(file: string): string {
  const rel = path.relative(KIT, file);
  return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}
