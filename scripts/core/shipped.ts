/**
 * What the kit shipped, read from its git history: the skeleton of an exercise file
 * (for `reset`, and for the kit's own tests, which check the shipped skeletons and never
 * the learner's working files), and which of the kit's own files differ from the shipped
 * ones (for `doctor`). Everything degrades to `undefined` outside a git checkout or
 * without git.
 *
 * @example
 * ```ts
 * const text = shippedFile("HEAD", "exercises/lesson-1/cow-list.ts"); // string | undefined
 * const skeleton = fileWithHash("exercises/lesson-1/cow-list.ts", hash); // by the manifest's hash
 * const changed = changedSinceShipped(["tests", "lib", "vitest.config.ts"]); // string[] | undefined
 * const shipped = shippedSkeleton("exercises/lesson-1/cow-list.ts"); // even after the learner solved it
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { KIT } from "./kit.ts";
import { $ } from "./zx.ts";
import { hashBytes, readManifest } from "./integrity.ts";
import { findTodos } from "../../lib/grading/results.ts";

/** git in the kit, synchronously (zx's `$.sync`): its output, or ok false when it failed or is missing. */
function git(args: string[]): { ok: boolean; stdout: string; bytes: Uint8Array } {
  const r = $.sync({ cwd: KIT, quiet: true, nothrow: true })`git ${args}`;
  return { ok: r.exitCode === 0, stdout: r.stdout, bytes: r.buffer() };
}

/**
 * The newest version of `file` in the git history whose hash is `hash` (the skeleton the
 * release manifest records), so that a learner who committed their own work on top of
 * the kit still gets the shipped skeleton back; undefined when no version matches.
 */
export function fileWithHash(file: string, hash: string): string | undefined {
  const commits = git(["log", "--format=%H", "--", file]);
  if (!commits.ok) return undefined;
  for (const commit of commits.stdout.split("\n").filter(Boolean)) {
    const shown = git(["show", `${commit}:./${file}`]);
    if (shown.ok && hashBytes(shown.bytes) === hash) return new TextDecoder().decode(shown.bytes);
  }
  return undefined;
}

/** True when the kit is inside a git work tree and git runs. */
export function inGitCheckout(): boolean {
  const r = git(["rev-parse", "--is-inside-work-tree"]);
  return r.ok && r.stdout.trim() === "true";
}

/** The content of `file` (relative to the kit) at revision `rev`, if git has it. */
export function shippedFile(rev: string, file: string): string | undefined {
  const r = git(["show", `${rev}:./${file}`]);
  return r.ok ? r.stdout : undefined;
}

/** Does `rev` name a commit? */
export function isRevision(rev: string): boolean {
  return git(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]).ok;
}

/**
 * Files under `paths` (relative to the kit) that differ from HEAD or are not tracked,
 * relative to the kit; undefined when this is not a git checkout.
 */
export function changedSinceShipped(paths: readonly string[]): string[] | undefined {
  if (!inGitCheckout()) return undefined;
  const modified = git(["diff", "--name-only", "--relative", "HEAD", "--", ...paths]);
  const added = git(["ls-files", "--others", "--exclude-standard", "--", ...paths]);
  if (!modified.ok || !added.ok) return undefined;
  return [...modified.stdout.split("\n"), ...added.stdout.split("\n")].filter(Boolean);
}

/**
 * The shipped skeleton of an exercise file ("exercises/lesson-1/cow-list.ts"): the working
 * file while it still has the hash the manifest records, else the version in git history
 * with that hash (the learner has worked on it). Without skeleton hashes in the manifest
 * the working file is all there is. Undefined when the hash matches neither.
 */
export function shippedSkeleton(file: string): string | undefined {
  const working = path.join(KIT, file);
  const text = existsSync(working) ? readFileSync(working, "utf8") : undefined;
  const hash = readManifest(KIT)?.skeletons?.[file];
  if (hash === undefined) return text;
  if (text !== undefined && hashBytes(Buffer.from(text, "utf8")) === hash) return text;
  return fileWithHash(file, hash);
}

/**
 * Why manifest.json's skeleton hashes are stale, one line per fault; [] when they are
 * not. A skeleton file with no hash, a hash that no version of its file has, and a
 * working file that still declares every TODO of its shipped skeleton yet differs from
 * it (a maintainer changed the skeleton and did not run `npm run manifest`) are faults;
 * a learner's work, which closes TODOs, is not.
 */
export function staleSkeletonHashes(files: readonly string[]): string[] {
  const recorded = readManifest(KIT)?.skeletons;
  if (!recorded) return ["manifest.json records no skeleton hashes"];
  const faults: string[] = [];
  for (const file of files) {
    if (recorded[file] === undefined) {
      faults.push(`${file} has no skeleton hash`);
      continue;
    }
    const shipped = shippedSkeleton(file);
    if (shipped === undefined) {
      faults.push(`${file}: no version of it has the recorded hash`);
      continue;
    }
    const working = path.join(KIT, file);
    if (!existsSync(working)) continue;
    const current = readFileSync(working, "utf8");
    if (current === shipped) continue;
    const open = new Set(findTodos(file, current).map((t) => t.id));
    if (findTodos(file, shipped).every((t) => open.has(t.id))) faults.push(`${file} changed, yet every TODO of its recorded skeleton is still open`);
  }
  for (const file of Object.keys(recorded)) {
    if (!files.includes(file)) faults.push(`${file} has a skeleton hash but is no exercise file`);
  }
  return faults;
}
