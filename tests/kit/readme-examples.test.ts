/**
 * The README's example runs are real: each `$ npm run …` block of the learner's loop
 * (check on the untouched lesson-1 skeleton, the first hint, watch's first screen) is run
 * on a fresh copy of the kit, and what the block shows is compared with what the command
 * prints. A block may elide its middle with a line `...`: the lines above it must open
 * the real output and the lines below it must close it. Watch is compared on the screen
 * it shows after its first grading, and its "graded in … ms at …" line on its shape only
 * (a time). The "unofficial:" notice of a kit whose manifest is being rewritten is not
 * part of the examples and is set aside.
 */
import { describe, expect, test } from "vitest";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { DENO, KIT, NODE, RUNTIMES, SLOW_MACHINE_LIMIT, kit, killGroup, type Runtime } from "./support/cli.ts";
import { tempKit } from "./support/temp-kit.ts";

interface Example {
  script: string;
  args: string[];
  head: string[];
  /** Lines below a `...` line; undefined when the block shows the whole output. */
  tail?: string[];
}

/** The README's shell blocks that show one command and what it printed. */
function examples(): Example[] {
  const readme = readFileSync(path.join(KIT, "README.md"), "utf8");
  return [...readme.matchAll(/```\n\$ npm run (\S+)((?: [^\n-]\S*)*)\n([\s\S]*?)```/g)].map(([, script, args, body]) => {
    const lines = body.replace(/\n$/, "").split("\n");
    const cut = lines.indexOf("...");
    return {
      script,
      args: args.trim().split(/\s+/).filter(Boolean),
      head: cut === -1 ? lines : lines.slice(0, cut),
      tail: cut === -1 ? undefined : lines.slice(cut + 1),
    };
  });
}

/** The README spells commands for npm; under Deno the kit prints them for deno task. */
function forRuntime(line: string, runtime: string): string {
  if (runtime !== "deno") return line;
  return line.replace(/npm run (\S+)((?: [^\s-]\S*)*)(?: -- ((?:-\S+ ?)+))?/g, (_, script: string, args: string, flags?: string) =>
    ["deno task", script + args, flags?.trim()].filter(Boolean).join(" "));
}

const GRADED_AT = /^graded in \d+ ms at .+$/;

/** A README line as the real one must read: the time of a grading is the machine's. */
function sameLine(real: string, shown: string): boolean {
  return GRADED_AT.test(shown) ? GRADED_AT.test(real) : real === shown;
}

/** Watch's first graded screen: what follows its last screen rule once a grading is shown. */
async function watchScreen(runtime: Runtime, args: string[], cwd: string): Promise<string> {
  const script = path.join(cwd, "scripts", "watch.ts");
  const [command, argv] = runtime === "deno"
    ? [DENO, ["run", "-A", script, ...args]]
    : [NODE ?? process.execPath, [path.join(cwd, "scripts", "run.mjs"), "--vitest", script, ...args]];
  const child = spawn(command, argv, { cwd, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "" }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const exited = new Promise((resolve) => child.on("close", resolve));
  try {
    while (!/\d+ passed, \d+ failed\n+graded in \d+ ms at .+\n/.test(out)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`watch ended before a grading:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    killGroup(child);
    await exited;
  }
  const screens = out.split(/^─+$/m);
  return screens[screens.length - 1].replace(/^\n+/, "");
}

const shown = examples().filter((e) => ["check", "hint", "watch"].includes(e.script));

test("the README shows check, hint and watch runs to compare", () => {
  expect(shown.map((e) => `${e.script} ${e.args.join(" ")}`)).toEqual(expect.arrayContaining(["check lesson-1", "hint lesson-1", "watch lesson-1"]));
});

describe.each(shown.map((e) => [`npm run ${e.script} ${e.args.join(" ")}`, e] as const))("README: %s", (_, example) => {
  test(`prints what the README shows (on ${RUNTIMES[0]})`, async () => {
    const runtime = RUNTIMES[0];
    const copy = tempKit(); // the untouched skeletons, as shipped, whatever this kit's working copy holds
    try {
      const stdout = example.script === "watch"
        ? await watchScreen(runtime, example.args, copy.root)
        : (await kit(runtime, example.script, example.args, { cwd: copy.root })).stdout;
      const lines = stdout.replace(/\n+$/, "").split("\n").filter((line) => !line.startsWith("unofficial: "));
      const compare = (real: string[], block: string[], what: string) => {
        const expected = block.map((line) => forRuntime(line, runtime));
        const matches = real.length === expected.length && real.every((line, i) => sameLine(line, expected[i]));
        if (!matches) expect(real.join("\n"), what).toBe(expected.join("\n"));
      };
      compare(lines.slice(0, example.head.length), example.head, "the lines the README shows first");
      if (example.tail) compare(lines.slice(-example.tail.length), example.tail, "the lines the README shows last");
      else expect(lines.length, "the README shows the whole output").toBe(example.head.length);
    } finally {
      copy.remove();
    }
  }, SLOW_MACHINE_LIMIT);
});
