/**
 * zx as the kit's scripts use it: `$`, `which`, `spinner`, `glob` and `fs`, with `$` set
 * up to work where zx's defaults do not. zx runs every command through bash and quotes
 * arguments for bash; a Deno-only machine (or a slim container) may have only `sh`, and
 * then zx refuses to run anything ("No quote function is defined"). There, `$` runs
 * through `sh` with plain POSIX single quotes, which every shell reads alike.
 *
 * `spinner` shows zx's spinner only on a terminal: piped into a file or a CI log, its
 * frames would be hundreds of lines of noise.
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
import process from "node:process";
import { $, fs, glob, quote, spinner as zxSpinner, which } from "zx";

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

/** zx's spinner on a terminal (stderr), the bare callback anywhere else. */
export function spinner<T>(title: string, callback: () => T | Promise<T>): Promise<T> {
  if (!process.stderr.isTTY || process.env.CI) return Promise.resolve().then(callback);
  return zxSpinner(title, callback).then((result) => result);
}

export { $, fs, glob, which };
export type { ProcessOutput, ProcessPromise } from "zx";
