/**
 * A throwaway copy of the kit for tests that change files (reset, hints, progress,
 * learner submissions). node_modules is linked, not copied, so a copy costs milliseconds.
 * Its exercises/ hold the skeletons as shipped (scripts/core/shipped.ts), not this kit's
 * working files: the kit's tests start from an untouched lesson even on a learner's copy
 * where lessons are solved. A copy its test did not remove (it failed or timed out
 * first) is removed when the test file ends.
 *
 * @example
 * ```ts
 * const copy = tempKit();
 * try { await kit("node", "reset", ["lesson-1", "--yes"], { cwd: copy.root }); }
 * finally { copy.remove(); }
 * await kit("node", "check", ["lesson-1"], { cwd: shippedKit() }); // the untouched skeleton, read-only use
 * ```
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { lessons } from "../../../lib/registry.ts";
import { shippedSkeleton } from "../../../scripts/core/shipped.ts";
import { KIT } from "./cli.ts";

/** Exercise file → its shipped skeleton, read once per test file (git may be asked). */
let skeletons: Map<string, string> | undefined;
function shippedSkeletons(): Map<string, string> {
  skeletons ??= new Map(
    lessons.flatMap((l) => l.files.map((f) => `exercises/${l.id}/${f}`))
      .flatMap((file) => {
        const text = shippedSkeleton(file);
        return text === undefined ? [] : [[file, text] as const];
      }),
  );
  return skeletons;
}

const leftover = new Set<string>();
afterAll(() => {
  for (const root of leftover) rmSync(root, { recursive: true, force: true });
});

const SKIP = /[/\\](node_modules|\.git|\.progress|\.backups|\.book|\.briefs|\.mutate)$/;

export function tempKit(): { root: string; remove(): void } {
  const root = mkdtempSync(path.join(tmpdir(), "crash-course-kit-"));
  cpSync(KIT, root, { recursive: true, filter: (src) => !SKIP.test(src) });
  symlinkSync(path.join(KIT, "node_modules"), path.join(root, "node_modules"), "dir");
  for (const [file, text] of shippedSkeletons()) writeFileSync(path.join(root, file), text);
  leftover.add(root);
  return {
    root,
    remove: () => {
      rmSync(root, { recursive: true, force: true });
      leftover.delete(root);
    },
  };
}

let shared: string | undefined;
/**
 * One copy per test file, for tests that grade or explore the untouched skeletons
 * without changing files: the kit's own working exercises (a learner's work) are never
 * what they see. Removed when the test file ends.
 */
export function shippedKit(): string {
  shared ??= tempKit().root;
  return shared;
}
