/**
 * `npm run doctor` — is this machine ready for the kit? Checks, each with what to do
 * when it fails:
 *  - Node 20 or later (`node --version` of the node on PATH, found with zx's `which`);
 *    under Deno, no Node at all is fine and said so; and Deno 2.7 or later (under Deno,
 *    the one running doctor; under Node, the one the `deno` peer dependency pins);
 *  - the install: node_modules holds every dependency of package.json (and, for npm,
 *    the peer dependency, the pinned Deno);
 *  - the hidden tests, lib/ and the test config are the shipped ones (against the
 *    release manifest when the kit has one, else against git HEAD, else it says it
 *    cannot tell);
 *  - every lesson's exercise files are there;
 *  - file watching works (a probe write under .progress/); if not, watch mode polls;
 *  - class grading has its sandbox (bubblewrap on Linux); if not, how to get one.
 *
 * It runs processes with zx and otherwise uses node: built-ins only (no picocolors, no
 * registry helper); zx is imported only if installed, so on Deno doctor runs even before
 * anything is installed (`deno run -A scripts/doctor.ts`) and says to install.
 *
 * Exit 0 when nothing is wrong (warnings allowed), 1 when something must be fixed,
 * 2 for a usage error.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { commandLine } from "./core/command-line.ts";
import { KIT, runtimeName } from "./core/kit.ts";
import { fileEventsArrive } from "./core/watch-probe.ts";
import { sandboxStatus } from "./core/sandbox.ts";

const USAGE = `
usage: npm run doctor

  Checks Node and Deno, the install, that the hidden tests are the shipped ones, and
  that file watching works; says what to do about each problem.
`;

// Output piped into `head` that quit early is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const colour = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (s: string) => (colour ? `\x1b[${code}m${s}\x1b[39m` : s);
const [green, red, yellow] = [paint(32), paint(31), paint(33)];
const dim = (s: string) => (colour ? `\x1b[2m${s}\x1b[22m` : s);

try {
  const { values, positionals } = parseArgs({ options: { help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  if (values.help) {
    console.log(USAGE.trim());
    process.exit(0);
  }
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
} catch (error) {
  const message = (error as Error).message.replace(/^Unknown option '(.*?)'.*$/s, "unknown flag $1");
  console.error(`${red("error:")} ${message}`);
  console.error(dim(USAGE.trim().split("\n")[0]));
  process.exit(2);
}

/** zx, when installed: doctor also runs before `npm install` / `deno install`, to say to install. */
const zx = await import("./core/zx.ts").catch(() => undefined);

/** "ok" and "fail" are verdicts; "info" states a fact that needs nothing done. */
type Level = "ok" | "info" | "warn" | "fail";
interface Check {
  level: Level;
  what: string;
  fix?: string;
}

/** The trimmed stdout of a command that exited 0, else undefined. */
async function output(command: string, args: string[]): Promise<string | undefined> {
  if (!zx) return undefined;
  const result = await zx.$({ nothrow: true, quiet: true, timeout: "20s" })`${command} ${args}`;
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** "20.20.2" from `node --version`'s "v20.20.2"; undefined for anything else (another program's version text). */
export function parseNodeVersion(text: string): string | undefined {
  return /^v(\d+\.\d+\.\d+)$/.exec(text.trim())?.[1];
}

const NODE_NEEDED = "install Node 20 or later (https://nodejs.org), or use nvm: `nvm install 20`";

async function checkNode(): Promise<Check> {
  if (runtimeName() === "node") return nodeVerdict(process.versions.node);
  if (!zx) return { level: "info", what: "Node: not checked until the kit is installed" };
  const node = await zx.which("node", { nothrow: true });
  if (!node) {
    return { level: "info", what: "Node: none on this machine, and none needed: `deno task ...` runs every command with Deno (Node 20 or later is only for `npm run ...`)" };
  }
  const printed = await output(node, ["--version"]);
  const version = parseNodeVersion(printed ?? "");
  // Deno puts a "node" of its own on the PATH of the processes it starts: Deno itself.
  if (!version && printed?.startsWith("deno ")) {
    return { level: "info", what: "Node: none on this machine (the \"node\" on PATH is Deno's stand-in), and none needed: `deno task ...` runs every command with Deno (Node 20 or later is only for `npm run ...`)" };
  }
  if (!version) {
    const said = printed ? `printed ${JSON.stringify(printed.split("\n")[0])}` : "did not run";
    return { level: "warn", what: `the "node" on PATH (${node}) is not Node: \`node --version\` ${said}`, fix: `nothing to do for \`deno task ...\`; for \`npm run ...\`, ${NODE_NEEDED}` };
  }
  return nodeVerdict(version);
}

function nodeVerdict(version: string): Check {
  const major = Number(version.split(".")[0]);
  if (major < 20) return { level: "fail", what: `Node ${version} is too old (20 or later needed)`, fix: NODE_NEEDED };
  return { level: "ok", what: `Node ${version}` };
}

declare const Deno: { execPath(): string; version: { deno: string } } | undefined;

/**
 * Under Deno, the Deno running doctor: the one typed (a task's bare `deno` is it, unless
 * npm installed the kit too and node_modules/.bin/deno answers). Under Node, the one the
 * `deno` peer dependency pins, which `npx deno task ...` runs.
 */
async function checkDeno(): Promise<Check> {
  if (typeof Deno !== "undefined") return denoVerdict(Deno.version.deno, `${Deno.execPath()}, running this`);
  const pinned = path.join(KIT, "node_modules", "deno", "deno");
  const printed = existsSync(pinned) ? await output(pinned, ["--version"]) : undefined;
  const version = /^deno (\d+\.\d+\.\d+)/.exec(printed ?? "")?.[1];
  if (!version) {
    return {
      level: "fail",
      what: existsSync(pinned) ? `the pinned Deno (node_modules/deno/deno) does not run` : "the pinned Deno is missing (node_modules/deno/deno)",
      fix: "run `npm install` again (it installs the `deno` peer dependency); `npx deno --version` should then print 2.x",
    };
  }
  return denoVerdict(version, "node_modules/deno/deno, which `npx deno task ...` runs");
}

/** Deno 2.7 is the first with node:util's parseEnv, which vitest's vite imports. */
function denoVerdict(version: string, where: string): Check {
  const [major, minor] = version.split(".").map(Number);
  if (major !== 2 || minor < 7) {
    return { level: "fail", what: `Deno ${version} (${where}): the kit needs Deno 2.7 or later (its test runner does not start on older ones)`, fix: "`deno upgrade` (any 2.x from 2.7), or `npx deno task ...` after `npm install` for the version package-lock.json pins" };
  }
  return { level: "ok", what: `Deno ${version} (${where})` };
}

/**
 * Every dependency must be there; under Node also the peer dependency, the pinned Deno
 * that npm installs for `npx deno` (Deno's install leaves it out: a Deno user has one).
 */
function checkInstall(): Check {
  const manifest = JSON.parse(readFileSync(path.join(KIT, "package.json"), "utf8")) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
  const wanted = Object.keys(manifest.dependencies ?? {});
  if (typeof Deno === "undefined") wanted.push(...Object.keys(manifest.peerDependencies ?? {}));
  const install = typeof Deno === "undefined" ? "`npm install`" : "`deno install`";
  if (!existsSync(path.join(KIT, "node_modules"))) {
    return { level: "fail", what: "nothing is installed (no node_modules)", fix: `run ${install} in ${KIT}` };
  }
  const missing = wanted.filter((name) => !existsSync(path.join(KIT, "node_modules", name, "package.json")));
  if (missing.length > 0) {
    return { level: "fail", what: `not installed: ${missing.join(", ")}`, fix: `run ${install} again` };
  }
  return { level: "ok", what: `all ${wanted.length} packages the kit needs are installed` };
}

function registryLessons(): { id: string; files: string[] }[] {
  try {
    const data = JSON.parse(readFileSync(path.join(KIT, "lessons", "lessons.json"), "utf8")) as { lessons: { id: string; files: string[] }[] };
    return data.lessons;
  } catch {
    return [];
  }
}

async function checkShippedTests(): Promise<Check> {
  const fix = "put the shipped files back (`git checkout -- tests lib vitest.config.ts`, or copy them from a fresh download); grades from changed tests are not the kit's grades";
  if (existsSync(path.join(KIT, "manifest.json"))) {
    const integrity = (await import("./core/integrity.ts")) as Record<string, unknown>;
    if (typeof integrity.manifestDifferences === "function") {
      try {
        const differences = (integrity.manifestDifferences as () => string[])();
        const grouped = typeof integrity.groupOf === "function" ? [...new Set(differences.map(integrity.groupOf as (f: string) => string))] : differences;
        if (grouped.length === 0) return { level: "ok", what: "the hidden tests, lib/ and config match the release manifest" };
        return { level: "fail", what: `differs from the release manifest: ${grouped.join(", ")}`, fix };
      } catch (error) {
        return { level: "fail", what: `manifest.json cannot be read: ${(error as Error).message}`, fix: "restore manifest.json from a fresh copy of the kit" };
      }
    }
  }
  const guarded = ["lib", "tests/support", "vitest.config.ts", ...registryLessons().map((l) => `tests/${l.id}`)];
  // shipped.ts runs git through zx, which is there only once the kit is installed.
  const shipped = await import("./core/shipped.ts").catch(() => undefined);
  const changed = shipped?.changedSinceShipped(guarded);
  if (changed === undefined) {
    return { level: "warn", what: "cannot tell whether the hidden tests are the shipped ones (no manifest.json, not a git checkout)", fix: "nothing to do if you did not edit tests/ or lib/" };
  }
  if (changed.length === 0) return { level: "ok", what: "the hidden tests, lib/ and config are as committed (git)" };
  const shown = changed.length > 5 ? [...changed.slice(0, 5), `and ${changed.length - 5} more`] : changed;
  return { level: "fail", what: `changed or added since the last commit: ${shown.join(", ")}`, fix };
}

function checkExercises(): Check {
  const lessons = registryLessons();
  if (lessons.length === 0) return { level: "fail", what: "lessons/lessons.json cannot be read", fix: "restore it from a fresh copy of the kit" };
  const missing = lessons.flatMap((l) => l.files.map((f) => `exercises/${l.id}/${f}`)).filter((f) => !existsSync(path.join(KIT, f)));
  if (missing.length > 0) {
    const ids = [...new Set(missing.map((f) => f.split("/")[1]))];
    return { level: "fail", what: `missing exercise files: ${missing.join(", ")}`, fix: ids.map((id) => commandLine("reset", id, "--yes")).join("; ") };
  }
  return { level: "ok", what: `the exercise files of every lesson are there (${lessons.length} ${lessons.length === 1 ? "lesson" : "lessons"})` };
}

async function checkWatching(): Promise<Check> {
  if (await fileEventsArrive()) return { level: "ok", what: "file watching works (save events arrive)" };
  return {
    level: "warn",
    what: "file events do not arrive on this file system (network or container mount?)",
    fix: `nothing to do: \`${commandLine("watch")}\` polls instead and says so; moving the kit to a local disk makes it react at once`,
  };
}

/** Only instructors need it: `grade` runs each submission in it, and says when it cannot. */
function checkSandbox(): Check {
  const status = sandboxStatus();
  if (status.available) return { level: "ok", what: `class grading runs submissions in a sandbox (${status.version})` };
  return { level: "warn", what: `no sandbox for class grading: ${status.reason} (learners need none)`, fix: status.fix };
}

const checks = [await checkNode(), await checkDeno(), checkInstall(), await checkShippedTests(), checkExercises(), await checkWatching(), checkSandbox()];
const mark = { ok: green("✓"), info: dim("·"), warn: yellow("!"), fail: red("✗") };
console.log(`crash-course doctor ${dim(`(running on ${runtimeName()}, kit at ${KIT})`)}\n`);
for (const c of checks) {
  console.log(`  ${mark[c.level]} ${c.what}`);
  if (c.fix && (c.level === "warn" || c.level === "fail")) console.log(`      ${dim("→")} ${c.fix}`);
}
const failures = checks.filter((c) => c.level === "fail").length;
const warnings = checks.filter((c) => c.level === "warn").length;
console.log(`\n${failures > 0 ? red(`${failures} problem${failures > 1 ? "s" : ""} to fix`) : green("ready")}${warnings > 0 ? dim(`, ${warnings} warning${warnings > 1 ? "s" : ""}`) : ""}`);
process.exitCode = failures > 0 ? 1 : 0;
