/**
 * The runtimes a benchmark compares, each the real one: Node is this process under Node,
 * else a `node` on PATH that prints a Node version (Deno puts a "node" of its own, Deno
 * itself, on the PATH of what it starts); Deno is this process under Deno, else the
 * kit's pinned node_modules/deno/deno. Undefined for a runtime this machine lacks.
 *
 * @example
 * ```ts
 * const node = await runtimeBinary("node"); // "/usr/bin/node", or undefined on a Deno-only machine
 * ```
 */
import path from "node:path";
import process from "node:process";
import { KIT, runtimeName } from "../scripts/core/kit.ts";
import { $, which } from "../scripts/core/zx.ts";

export const RUNTIMES = ["node", "deno"] as const;
export type Runtime = (typeof RUNTIMES)[number];

export async function runtimeBinary(runtime: Runtime): Promise<string | undefined> {
  if (runtime === runtimeName()) return process.execPath;
  if (runtime === "deno") return path.join(KIT, "node_modules", "deno", "deno");
  const node = await which("node", { nothrow: true });
  if (!node) return undefined;
  const version = await $({ nothrow: true, quiet: true })`${node} --version`;
  return /^v\d+\.\d+\.\d+$/.test(version.stdout.trim()) ? node : undefined;
}
