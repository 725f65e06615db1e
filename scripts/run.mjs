// Starts a kit script on Node: `node scripts/run.mjs [--vitest] <file.ts> [args]`.
//
// Node 20 cannot run TypeScript by itself, so tsx's loader is registered here. With
// --vitest, vitest's Node API is imported natively first: tsx's hooks cost a round trip
// per imported module, vitest brings hundreds, and loading them through tsx made
// `check` twice as slow as a bare vitest run. Deno runs the .ts scripts directly.
import { pathToFileURL } from "node:url";
import path from "node:path";
import process from "node:process";

const args = process.argv.slice(2);
if (args[0] === "--vitest") {
  args.shift();
  await import("vitest/node");
}
// With --test-process, a test process starts now, before tsx and the script load, so that
// its own start-up (node, vitest) runs beside theirs; the runner adopts it (run-tests.ts).
if (args[0] === "--test-process") {
  args.shift();
  const [{ spawn }, { DEFAULT_HEAP_MB, nodeTestProcessArgs }] = await Promise.all([import("node:child_process"), import("./core/test-process.mjs")]);
  globalThis.__crashCourseEarlyTestProcess = spawn(process.execPath, nodeTestProcessArgs(DEFAULT_HEAP_MB), {
    cwd: path.resolve(path.dirname(new URL(import.meta.url).pathname), ".."),
    stdio: ["pipe", "pipe", "pipe"],
    detached: process.platform !== "win32",
  });
}
const file = path.resolve(args.shift());
const { register } = await import("tsx/esm/api");
register();
process.argv = [process.argv[0], file, ...args];
await import(pathToFileURL(file).href);
