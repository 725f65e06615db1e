/**
 * npm's postinstall for the kit: lets `npx deno task ...` run the tasks in deno.json,
 * which say bare `deno`.
 *
 * Inside a `deno task`, a bare `deno` resolves to `node_modules/.bin/deno` when that
 * exists, and the task runner runs that entry as JavaScript with the deno running the
 * task. The `deno` package's own postinstall points the entry at its native binary (to
 * spare `npx deno` one Node start), which cannot be run as JavaScript. This points it
 * back at the package's launcher, `bin.cjs`, which starts the same pinned binary. Where
 * there is nothing to do (no entry, already the launcher, Windows' .cmd shims) it does
 * nothing; it never fails an install.
 *
 * Plain JavaScript on node: built-ins: it runs during `npm install`, before anything of
 * the kit's may be loaded.
 *
 * @example
 * ```sh
 * node scripts/core/deno-bin.mjs   # what npm runs after installing
 * ```
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const kit = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const entry = path.join(kit, "node_modules", ".bin", "deno");
const launcher = path.join("..", "deno", "bin.cjs");

try {
  const target = fs.readlinkSync(entry); // throws unless the entry is a symbolic link
  if (path.normalize(target) !== launcher && fs.existsSync(path.resolve(path.dirname(entry), launcher))) {
    fs.unlinkSync(entry);
    fs.symlinkSync(launcher, entry);
  }
} catch {
  // no entry, not a link (Windows), or no launcher: `npx deno` works as npm left it
}
