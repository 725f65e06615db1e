/**
 * `npm run reset <lesson>` — puts the lesson's skeleton back in exercises/<lesson>/.
 * `npm run reset <lesson> -- --open` — puts the lesson's open skeleton there instead.
 *
 * Contract:
 * - The skeleton is the exercise file as the kit shipped it: the version in the git
 *   history whose hash the release manifest records (so your own commits on top do not
 *   matter), else the one at HEAD; `--from <rev>` takes it from that revision instead.
 * - Each file that differs from the skeleton is first copied to
 *   `.backups/<lesson>-<timestamp>/<file>`, and the command names that folder.
 * - Asks "[y/N]" on a terminal; `--yes` skips the question; with neither a terminal
 *   nor `--yes` it refuses (exit 2) and changes nothing.
 * - Only the files of this lesson are written; no other lesson is touched.
 * - `--open` (the challenge track) takes the open skeleton, `exercises-open/<lesson>/<file>`
 *   as committed at HEAD (or `--from <rev>`): the public API, the disk and the given
 *   validation only. A lesson has open mode when that folder exists (lessons 3, 4, 5 and
 *   7); any other lesson is a usage error (exit 2) naming the ones that have it. Backup
 *   and confirmation work as above, and the same hidden tests grade either skeleton.
 *
 * Exit 0 when reset (or already the skeleton), 1 when it cannot find the skeleton or
 * you answer no, 2 for a usage error.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { createInterface } from "node:readline/promises";
import pc from "picocolors";
import { commandLine, failUsage, parseCommand, UsageError } from "./core/cli.ts";
import { KIT, displayPath } from "./core/kit.ts";
import { BACKUP_DIR, timestamp } from "./core/progress.ts";
import { fileWithHash, inGitCheckout, isRevision, shippedFile } from "./core/shipped.ts";
import { shippedSkeletonHash } from "./core/integrity.ts";

/** Open skeletons mirror exercises/: exercises-open/<lesson>/<file>. The folder is the list. */
const OPEN_DIR = "exercises-open";

function openLessons(): string[] {
  const dir = path.join(KIT, OPEN_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

const USAGE = `
usage: npm run reset <lesson> [-- --yes] [--open] [--from <rev>]

  Puts the lesson's skeleton back in exercises/<lesson>/. Your files are copied to
  .backups/<lesson>-<timestamp>/ first. Other lessons are never touched.

  lesson        lesson-3, 3, or the start of a lesson's title
  --yes         do not ask for confirmation
  --open        the open skeleton (the challenge track: only the public API; you design
                the on-disk format and the protocol); lessons that have one: ${openLessons().join(", ")}
  --from <rev>  take the skeleton from this git revision (default: the shipped
                version, found in the history by the hash manifest.json records)
`;

const { values, lessons: [lesson] } = parseCommand({
  usage: USAGE,
  flags: { yes: { type: "boolean", short: "y" }, open: { type: "boolean" }, from: { type: "string" } },
  lessons: "one",
});
const rev = values.from ?? "HEAD";

if (!inGitCheckout()) {
  console.error(`${pc.red("error:")} reset finds the skeleton in the kit's git history, and ${KIT} is not a git checkout.`);
  console.error(`Get a fresh copy of the kit (git clone) and copy exercises/${lesson.id}/ from it.`);
  process.exit(1);
}
if (values.from !== undefined && !isRevision(rev)) failUsage(new UsageError(`--from ${rev}: no such git revision`), USAGE);
const open = Boolean(values.open);
if (open && !openLessons().includes(lesson.id)) {
  failUsage(new UsageError(`${lesson.id} has no open mode; lessons with an open skeleton: ${openLessons().join(", ") || "none"}`), USAGE);
}
const kind = open ? "open skeleton" : "skeleton";

interface Change {
  file: string;
  exercise: string;
  skeleton: string;
  exists: boolean;
}

const changes: Change[] = [];
for (const file of lesson.files) {
  const relative = `exercises/${lesson.id}/${file}`;
  const source = open ? `${OPEN_DIR}/${lesson.id}/${file}` : relative;
  // The manifest records the guided skeletons only; the open ones come from `rev`.
  const hash = values.from === undefined && !open ? shippedSkeletonHash(relative) : undefined;
  const byHash = hash ? fileWithHash(relative, hash) : undefined;
  if (hash && byHash === undefined) {
    // A manifest not rewritten after a skeleton changed: `rev` may hold the learner's own commit.
    console.error(`${pc.yellow("note:")} no version of ${relative} in git has the hash manifest.json records; taking the one at ${rev}`);
  }
  const skeleton = byHash ?? shippedFile(rev, source);
  if (skeleton === undefined) {
    console.error(`${pc.red("error:")} git has no ${source} at ${rev}; try another revision with --from <rev>.`);
    process.exit(1);
  }
  const exercise = path.join(KIT, relative);
  const exists = existsSync(exercise);
  if (exists && readFileSync(exercise, "utf8") === skeleton) continue;
  changes.push({ file, exercise, skeleton, exists });
}

if (changes.length === 0) {
  console.log(`${lesson.id} is already the ${kind}; nothing to reset.`);
  process.exit(0);
}

const list = changes.map((c) => displayPath(c.exercise)).join(", ");
if (!values.yes) {
  if (!process.stdin.isTTY) {
    console.error(`${pc.red("error:")} reset would replace ${list} with the ${kind}; nothing was changed.`);
    console.error(`Run it in a terminal to be asked, or add --yes: ${commandLine("reset", lesson.id, ...(open ? ["--open"] : []), "--yes")}`);
    process.exit(2);
  }
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  // Ctrl-C or Ctrl-D at the question is a "no".
  const answer = await new Promise<string>((resolve) => {
    prompt.on("SIGINT", () => resolve(""));
    prompt.on("close", () => resolve(""));
    prompt.question(`Replace ${list} with the ${kind}? Your version is backed up first. [y/N] `).then(resolve, () => resolve(""));
  });
  prompt.close();
  if (!/^y(es)?$/i.test(answer.trim())) {
    console.log();
    console.log("Nothing was changed.");
    process.exit(1);
  }
}

const backup = path.join(BACKUP_DIR, `${lesson.id}-${timestamp()}`);
for (const c of changes) {
  if (!c.exists) continue;
  mkdirSync(backup, { recursive: true });
  copyFileSync(c.exercise, path.join(backup, c.file));
}
for (const c of changes) {
  mkdirSync(path.dirname(c.exercise), { recursive: true });
  writeFileSync(c.exercise, c.skeleton);
}
if (changes.some((c) => c.exists)) console.log(`Your files are backed up in ${pc.cyan(displayPath(backup) + "/")}`);
console.log(`${pc.green("✓")} ${list} ${changes.length > 1 ? "are" : "is"} the ${kind}${open ? "" : " again"}.`);
if (open) console.log(`The same hidden tests grade it: ${commandLine("check", lesson.id)}. Back to the guided skeleton: ${commandLine("reset", lesson.id)}.`);
