/**
 * zx as the kit's scripts use it: `$`, `which`, `spinner`, `glob` and `fs`, with `$` set
 * up to work where zx's defaults do not. zx runs every command through bash and quotes
 * arguments for bash; a Deno-only machine (or a slim container) may have only `sh`, and
 * then zx refuses to run anything ("No quote function is defined"). There, `$` runs
 * through `sh` with plain POSIX single quotes, which every shell reads alike.
 *
 * Import zx from here in scripts that run processes, so that the set-up happens once.
 *
 * @example
 * ```ts
 * import { $, which } from "./core/zx.ts";
 * const git = await which("git", { nothrow: true });
 * const head = await $({ quiet: true, nothrow: true })`git rev-parse HEAD`;
 * ```
 */
import { $, fs, glob, quote, spinner, which } from "zx";

const bash = which.sync("bash", { nothrow: true });
const sh = bash ? undefined : which.sync("sh", { nothrow: true });
if (bash) {
  // Named, not `true`: under Deno zx may leave `shell: true`, which node:child_process
  // warns about (DEP0190) on every command.
  $.shell = bash;
  $.quote ??= quote;
} else if (sh) {
  $.shell = sh;
  $.prefix = "set -e;";
  $.postfix = "";
  $.quote = posixQuote;
}

/** `it's` → `'it'\''s'`: one argument for any POSIX shell, whatever it holds. */
export function posixQuote(arg: string): string {
  if (arg === "") return "''";
  if (/^[\w/.,:=@%+-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export { $, fs, glob, spinner, which };
export type { ProcessOutput, ProcessPromise } from "zx";
