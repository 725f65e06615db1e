/**
 * Does file watching work here? A probe write in a fresh folder under `.progress/`,
 * watched with fs.watch: true when the event arrives within the time allowed. Network
 * and container file systems often deliver no events; watch mode then polls. Uses only
 * node: built-ins, so `doctor` can run it before anything is installed.
 *
 * @example
 * ```ts
 * if (!(await fileEventsArrive())) console.log("watch mode will poll");
 * ```
 */
import { watch, mkdirSync, mkdtempSync, rmSync, writeFileSync, type FSWatcher } from "node:fs";
import path from "node:path";
import { KIT } from "./kit.ts";

export async function fileEventsArrive(timeoutMs = 1000): Promise<boolean> {
  const parent = path.join(KIT, ".progress");
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, "watch-probe-"));
  let watcher: FSWatcher | undefined;
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      try {
        watcher = watch(dir, () => {
          clearTimeout(timer);
          resolve(true);
        });
        watcher.on("error", () => resolve(false));
      } catch {
        clearTimeout(timer);
        resolve(false);
        return;
      }
      // Give the watcher a moment to be in place before the write it should see.
      setTimeout(() => writeFileSync(path.join(dir, "probe.txt"), String(Date.now())), 50);
    });
  } finally {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
