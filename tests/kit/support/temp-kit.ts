/**
 * A throwaway copy of the kit for tests that change files (reset, hints, progress,
 * learner submissions). node_modules is linked, not copied, so a copy costs milliseconds.
 * A copy its test did not remove (it failed or timed out first) is removed when the test
 * file ends.
 *
 * @example
 * ```ts
 * const copy = tempKit();
 * try { await kit("node", "reset", ["lesson-1", "--yes"], { cwd: copy.root }); }
 * finally { copy.remove(); }
 * ```
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { KIT } from "./cli.ts";

const leftover = new Set<string>();
afterAll(() => {
  for (const root of leftover) rmSync(root, { recursive: true, force: true });
});

const SKIP = /[/\\](node_modules|\.git|\.progress|\.backups|\.book|\.briefs)$/;

export function tempKit(): { root: string; remove(): void } {
  const root = mkdtempSync(path.join(tmpdir(), "crash-course-kit-"));
  cpSync(KIT, root, { recursive: true, filter: (src) => !SKIP.test(src) });
  symlinkSync(path.join(KIT, "node_modules"), path.join(root, "node_modules"), "dir");
  leftover.add(root);
  return {
    root,
    remove: () => {
      rmSync(root, { recursive: true, force: true });
      leftover.delete(root);
    },
  };
}
