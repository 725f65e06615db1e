/**
 * `npm run doctor` — is this machine ready for the kit? Checks, each with what to do
 * when it fails:
 *  - Node 20 or later (`node --version`), and Deno 2 (the binary the `deno` dev
 *    dependency brings, which the deno tasks run);
 *  - the install: node_modules holds every dev dependency of package.json;
 *  - the hidden tests, lib/ and the test config are the shipped ones (against the
 *    release manifest when the kit has one, else against git HEAD, else it says it
 *    cannot tell);
 *  - every lesson's exercise files are there;
 *  - file watching works (a probe write under .progress/); if not, watch mode polls;
 *  - class grading has its sandbox (bubblewrap on Linux); if not, how to get one.
 *
 * It uses node: built-ins only (no picocolors, no registry helper), so on Deno it runs
 * even before anything is installed: `deno run -A scripts/doctor.ts`.
 *
 * Exit 0 when nothing is wrong (warnings allowed), 1 when something must be fixed,
 * 2 for a usage error.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { KIT, runtimeName } from "./core/kit.ts";
import { fileEventsArrive } from "./core/watch-probe.ts";
import { changedSinceShipped } from "./core/shipped.ts";
import { sandboxStatus } from "./core/sandbox.ts";

const USAGE = `
usage: npm run doctor

  Checks Node and Deno, the install, that the hidden tests are the shipped ones, and
  that file watching works; says what to do about each problem.
`;

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

type Level = "ok" | "warn" | "fail";
interface Check {
  level: Level;
  what: string;
  fix?: string;
}

function run(command: string, args: string[]): string | undefined {
  const r = spawnSync(command, args, { encoding: "utf8", timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function checkNode(): Check {
  const version = runtimeName() === "node" ? process.versions.node : run("node", ["--version"])?.replace(/^v/, "");
  if (!version) {
    return { level: "warn", what: "Node was not found", fix: "install Node 20 or later (https://nodejs.org) for `npm run ...`; with Deno alone, use `deno task ...` instead" };
  }
  const major = Number(version.split(".")[0]);
  if (major < 20) return { level: "fail", what: `Node ${version} is too old (20 or later needed)`, fix: "install Node 20 or later (https://nodejs.org), or use nvm: `nvm install 20`" };
  return { level: "ok", what: `Node ${version}` };
}

function checkDeno(): Check {
  const bundled = [path.join(KIT, "node_modules", "deno", "deno"), path.join(KIT, "node_modules", ".bin", "deno")].find((f) => existsSync(f));
  const output = bundled ? run(bundled, ["--version"]) : undefined;
  const version = /deno (\d+\.\d+\.\d+)/.exec(output ?? "")?.[1];
  if (!version) {
    return {
      level: "fail",
      what: bundled ? `the bundled Deno (${path.relative(KIT, bundled)}) does not run` : "the bundled Deno is missing (node_modules/deno/deno)",
      fix: "run `npm install` again (the `deno` dev dependency brings it); `npx deno --version` should then print 2.x",
    };
  }
  if (Number(version.split(".")[0]) !== 2) {
    return { level: "fail", what: `the bundled Deno is ${version}; the kit needs Deno 2`, fix: "run `npm install` to get the version package-lock.json names" };
  }
  return { level: "ok", what: `Deno ${version} (node_modules/deno/deno, which the deno tasks run)` };
}

function checkInstall(): Check {
  const manifest = JSON.parse(readFileSync(path.join(KIT, "package.json"), "utf8")) as { devDependencies?: Record<string, string> };
  const wanted = Object.keys(manifest.devDependencies ?? {});
  if (!existsSync(path.join(KIT, "node_modules"))) {
    return { level: "fail", what: "nothing is installed (no node_modules)", fix: "run `npm install` (or `deno install`) in " + KIT };
  }
  const missing = wanted.filter((name) => !existsSync(path.join(KIT, "node_modules", name, "package.json")));
  if (missing.length > 0) {
    return { level: "fail", what: `not installed: ${missing.join(", ")}`, fix: "run `npm install` (or `deno install`) again" };
  }
  return { level: "ok", what: `all ${wanted.length} dev dependencies installed` };
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
  const changed = changedSinceShipped(guarded);
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
    return { level: "fail", what: `missing exercise files: ${missing.join(", ")}`, fix: ids.map((id) => `npm run reset ${id} -- --yes`).join("; ") };
  }
  return { level: "ok", what: `the exercise files of every lesson are there (${lessons.length} ${lessons.length === 1 ? "lesson" : "lessons"})` };
}

async function checkWatching(): Promise<Check> {
  if (await fileEventsArrive()) return { level: "ok", what: "file watching works (save events arrive)" };
  return {
    level: "warn",
    what: "file events do not arrive on this file system (network or container mount?)",
    fix: "nothing to do: `npm run watch` polls instead and says so; moving the kit to a local disk makes it react at once",
  };
}

/** Only instructors need it: `grade` runs each submission in it, and says when it cannot. */
function checkSandbox(): Check {
  const status = sandboxStatus();
  if (status.available) return { level: "ok", what: `class grading runs submissions in a sandbox (${status.version})` };
  return { level: "warn", what: `no sandbox for class grading: ${status.reason} (learners need none)`, fix: status.fix };
}

const checks = [checkNode(), checkDeno(), checkInstall(), await checkShippedTests(), checkExercises(), await checkWatching(), checkSandbox()];
const mark = { ok: green("✓"), warn: yellow("!"), fail: red("✗") };
console.log(`crash-course doctor ${dim(`(running on ${runtimeName()}, kit at ${KIT})`)}\n`);
for (const c of checks) {
  console.log(`  ${mark[c.level]} ${c.what}`);
  if (c.fix && c.level !== "ok") console.log(`      ${dim("→")} ${c.fix}`);
}
const failures = checks.filter((c) => c.level === "fail").length;
const warnings = checks.filter((c) => c.level === "warn").length;
console.log(`\n${failures > 0 ? red(`${failures} problem${failures > 1 ? "s" : ""} to fix`) : green("ready")}${warnings > 0 ? dim(`, ${warnings} warning${warnings > 1 ? "s" : ""}`) : ""}`);
process.exitCode = failures > 0 ? 1 : 0;
