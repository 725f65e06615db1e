/**
 * `npm run crash lesson-3` / `deno task crash lesson-3`, run as a learner runs it: the
 * version without a journal survives only some crash points and the first failure is told
 * disk write by disk write; the untouched exercise fails before any crash with its open
 * TODO; the reference solution survives every crash point.
 */
import { describe, expect, test } from "vitest";
import { RUNTIMES, kit } from "./support/cli.ts";
import { shippedKit } from "./support/temp-kit.ts";

describe.each(RUNTIMES)("crash lesson-3 on %s", (runtime) => {
  test("shows the unjournaled version tearing a file and the untouched exercise's open TODO", async () => {
    const run = await kit(runtime, "crash", ["lesson-3"], { cwd: shippedKit() });
    expect(run.stdout).toContain("without a journal (lib/demos/unjournaled-fs.ts)");
    expect(run.stdout).toMatch(/✗ survives (\d+) of (\d+) crash points; \d+ leave the files wrong/);
    const [, survived, total] = /survives (\d+) of (\d+)/.exec(run.stdout)!.map(Number);
    expect(survived).toBeLessThan(total);
    expect(run.stdout).toMatch(/← power cut here, never written/);
    expect(run.stdout).toMatch(/what notes\.txt holds: .*\+.*\(\d+ bytes\)/);
    expect(run.stdout).toContain("your exercise (exercises/lesson-3/journaled-fs.ts)");
    expect(run.stdout).toContain("fails before any crash is injected");
    expect(run.stdout).toContain("TODO(lesson-3:write)");
    expect(run.code).toBe(1);
  });

  test("--solutions: the reference survives every crash point and the command exits 0", async () => {
    const run = await kit(runtime, "crash", ["lesson-3", "--solutions"]);
    expect(run.stdout).toContain("the reference solution (solutions/lesson-3/journaled-fs.ts)");
    expect(run.stdout).toMatch(/✓ survives all \d+ crash points/);
    expect(run.code).toBe(0);
  });
});

describe("crash usage", () => {
  test("a lesson without a crash lab, or an unknown one, is a usage error (exit 2)", async () => {
    const none = await kit("node", "crash", ["lesson-1"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/lesson-1 has no crash lab; lessons with one: .*lesson-3/);
    const unknown = await kit("node", "crash", ["lesson-99"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown lesson/);
  });

  test("without a lesson it lists the lessons that have a crash lab", async () => {
    const run = await kit("node", "crash", []);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/lessons with a crash lab: .*lesson-3/);
  });
});
