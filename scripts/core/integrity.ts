/**
 * Result integrity: the release manifest (`manifest.json` at the kit's root) holds the
 * SHA-256 of every file that decides a grade — the hidden tests (`tests/` except the
 * kit's own `tests/kit/`), `lib/`, and the test and TypeScript config. `check` marks a
 * lesson's result "unofficial" when any of them differs in the copy that graded it;
 * `grade` never runs a learner's copy of them at all.
 *
 * Differences are named by group: a lesson's whole test folder (`tests/lesson-3`), the
 * shared test helpers (`tests/support`), or the single file (`lib/sim-disk.ts`). A file
 * missing from the copy, or present there but not in the manifest, is a difference too.
 * Line endings are normalised before hashing, so a checkout with CRLF stays official.
 *
 * @example
 * ```ts
 * writeManifest();                     // npm run manifest
 * const stale = manifestDifferences(); // [] when the kit matches its manifest
 * markUnofficial(results);             // results[i].unofficial = ["tests/lesson-3"]
 * ```
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { LessonResult } from "../../lib/grading/results.ts";
import { KIT } from "./kit.ts";

export const MANIFEST_FILE = "manifest.json";

/** Single files that decide a grade, besides the folders walked below. */
const GUARDED_FILES = ["vitest.config.ts", "tsconfig.json"];

export interface Manifest {
  about: string;
  algorithm: "sha256";
  files: Record<string, string>;
  /** The shipped skeletons (exercises/), not guarded: progress tells "not started" by them. */
  skeletons?: Record<string, string>;
  /** Every hidden test of each lesson: a grade lists them all, run or not. */
  tests?: Record<string, ShippedTest[]>;
}

export interface ShippedTest {
  id: string;
  /** The test file, relative to the kit, with "/" separators. */
  file: string;
  suite: string;
  name: string;
}

/** Every guarded file of the kit at `root`, relative and with "/" separators, sorted. */
export function guardedFiles(root = KIT): string[] {
  const files = GUARDED_FILES.filter((f) => existsSync(path.join(root, f)));
  files.push(...walk(root, "lib"));
  files.push(...walk(root, "tests").filter((f) => !f.startsWith("tests/kit/")));
  return files.sort();
}

function walk(root: string, dir: string): string[] {
  const start = path.join(root, dir);
  if (!existsSync(start)) return [];
  return readdirSync(start, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
}

export function hashFile(file: string): string {
  return hashBytes(readFileSync(file));
}

/** SHA-256 of the bytes with CRLF line endings read as LF. */
export function hashBytes(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString("latin1").replace(/\r\n/g, "\n");
  return createHash("sha256").update(text, "latin1").digest("hex");
}

export function hashKit(root = KIT): Record<string, string> {
  return Object.fromEntries(guardedFiles(root).map((f) => [f, hashFile(path.join(root, f))]));
}

/** The hashes of the exercise files of the kit at `root`. */
export function hashSkeletons(root = KIT): Record<string, string> {
  return Object.fromEntries(walk(root, "exercises").sort().map((f) => [f, hashFile(path.join(root, f))]));
}

/** Writes the manifest; `tests` is the list of every lesson's tests (kept from the current manifest when absent). */
export function writeManifest(root = KIT, tests = readManifest(root)?.tests): Manifest {
  const manifest: Manifest = {
    about: "SHA-256 of the files that decide a grade, and every lesson's tests. `npm run manifest` rewrites it; `npm run check` compares against it.",
    algorithm: "sha256",
    files: hashKit(root),
    skeletons: hashSkeletons(root),
    ...(tests ? { tests } : {}),
  };
  writeFileSync(path.join(root, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/** The manifest of the kit at `root`; undefined when it has none; throws when unreadable. */
export function readManifest(root = KIT): Manifest | undefined {
  const file = path.join(root, MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  const data = JSON.parse(readFileSync(file, "utf8")) as Partial<Manifest>;
  if (data.algorithm !== "sha256" || typeof data.files !== "object" || data.files === null) {
    throw new TypeError(`${MANIFEST_FILE} is not a sha256 manifest`);
  }
  return data as Manifest;
}

/** The guarded files whose content differs from the manifest (changed, missing or extra), sorted. */
export function manifestDifferences(root = KIT, manifest = readManifest(root)): string[] {
  if (!manifest) return [];
  const actual = hashKit(root);
  const names = new Set([...Object.keys(actual), ...Object.keys(manifest.files)]);
  return [...names].filter((f) => actual[f] !== manifest.files[f]).sort();
}

/** `tests/lesson-3/a.test.ts` → `tests/lesson-3`; `lib/sim-disk.ts` stays as it is. */
export function groupOf(file: string): string {
  const parts = file.split("/");
  return parts[0] === "tests" && parts.length > 2 ? `tests/${parts[1]}` : file;
}

/**
 * Marks each result whose grade rests on a differing file: its own lesson's tests, the
 * shared helpers, lib/ or the config (another lesson's tests do not matter to it). A
 * kit without a manifest marks nothing; an unreadable manifest marks everything.
 */
export function markUnofficial(results: LessonResult[], root = KIT): void {
  let groups: string[];
  try {
    groups = [...new Set(manifestDifferences(root).map(groupOf))];
  } catch {
    groups = [MANIFEST_FILE];
  }
  for (const result of results) {
    const relevant = groups.filter((g) => !/^tests\/lesson-/.test(g) || g === `tests/${result.lesson}`);
    if (relevant.length > 0) result.unofficial = relevant;
  }
}

/**
 * Whether a lesson's graded files are still the shipped skeleton, byte for byte; undefined
 * when the manifest does not say (no manifest, or one without skeleton hashes).
 */
export function isUntouchedSkeleton(lesson: string, files: readonly string[], implDir: string, root = KIT): boolean | undefined {
  let shipped: Record<string, string> | undefined;
  try {
    shipped = readManifest(root)?.skeletons;
  } catch {
    return undefined;
  }
  if (!shipped) return undefined;
  return files.every((file) => {
    const expected = shipped[`exercises/${lesson}/${file}`];
    const graded = path.join(implDir, lesson, file);
    return expected !== undefined && existsSync(graded) && hashFile(graded) === expected;
  });
}

/** The hash the manifest records for a shipped skeleton file ("exercises/lesson-3/x.ts"), if any. */
export function shippedSkeletonHash(file: string, root = KIT): string | undefined {
  try {
    return readManifest(root)?.skeletons?.[file];
  } catch {
    return undefined;
  }
}
