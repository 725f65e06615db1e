/**
 * The README's example runs are real: each `$ npm run …` block of the learner's loop that
 * finishes by itself (check on the untouched lesson-1 skeleton, the first hint) is run on
 * a fresh copy of the kit, and what the block shows is compared with what the command
 * prints. A block may elide its middle with a line `...`: the lines above it must open
 * the real output and the lines below it must close it. The "unofficial:" notice of a
 * kit whose manifest is being rewritten is not part of the example and is set aside.
 */
import { describe, expect, test } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { lessons } from "../../lib/registry.ts";
import { shippedSkeleton } from "../../scripts/core/shipped.ts";
import { KIT, RUNTIMES, SLOW_MACHINE_LIMIT, kit } from "./support/cli.ts";
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

const shown = examples().filter((e) => ["check", "hint"].includes(e.script));

test("the README shows check and hint runs to compare", () => {
  expect(shown.map((e) => `${e.script} ${e.args.join(" ")}`)).toEqual(expect.arrayContaining(["check lesson-1", "hint lesson-1"]));
});

describe.each(shown.map((e) => [`npm run ${e.script} ${e.args.join(" ")}`, e] as const))("README: %s", (_, example) => {
  test(`prints what the README shows (on ${RUNTIMES[0]})`, async () => {
    const copy = tempKit();
    try {
      // The untouched skeletons, as shipped, whatever this kit's working copy holds.
      for (const lesson of lessons) {
        for (const file of lesson.files) {
          const skeleton = shippedSkeleton(`exercises/${lesson.id}/${file}`);
          if (skeleton !== undefined) writeFileSync(path.join(copy.root, "exercises", lesson.id, file), skeleton);
        }
      }
      const run = await kit(RUNTIMES[0], example.script, example.args, { cwd: copy.root });
      const lines = run.stdout.replace(/\n+$/, "").split("\n").filter((line) => !line.startsWith("unofficial: "));
      const expected = (block: string[]) => block.map((line) => forRuntime(line, RUNTIMES[0])).join("\n");
      expect(lines.slice(0, example.head.length).join("\n"), "the lines the README shows first").toBe(expected(example.head));
      if (example.tail) expect(lines.slice(-example.tail.length).join("\n"), "the lines the README shows last").toBe(expected(example.tail));
      else expect(lines.length, "the README shows the whole output").toBe(example.head.length);
    } finally {
      copy.remove();
    }
  }, SLOW_MACHINE_LIMIT);
});
