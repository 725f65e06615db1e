/**
 * The Deno-only path: a copy of the kit without node_modules, set up with `deno install`
 * alone, grades lesson 1 with `deno task check lesson-1`: the skeleton fails (exit 1),
 * the reference copied over it passes (exit 0).
 */
import { afterAll, expect, test } from "vitest";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { KIT, closingLine, run } from "./support/cli.ts";

const deno = path.join(KIT, "node_modules", ".bin", "deno");
const copy = mkdtempSync(path.join(tmpdir(), "crash-course-deno-only-"));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

test("a copy set up with `deno install` alone grades lesson 1 with `deno task check lesson-1`", async () => {
  cpSync(KIT, copy, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|\.git|\.progress|\.backups|\.book)$/.test(src),
  });
  // A Deno cache of its own, as on a fresh machine: nothing comes from npm's install.
  const env = { DENO_DIR: path.join(copy, ".deno-cache") };
  const install = await run(deno, ["install"], { cwd: copy, env });
  expect(install.code, install.stderr).toBe(0);

  const skeleton = await run(deno, ["task", "check", "lesson-1"], { cwd: copy, env });
  expect(skeleton.code, skeleton.stderr).toBe(1);
  expect(closingLine(skeleton.stdout)?.failed).toBeGreaterThan(0);

  cpSync(path.join(copy, "solutions", "lesson-1"), path.join(copy, "exercises", "lesson-1"), { recursive: true });
  const solved = await run(deno, ["task", "check", "lesson-1"], { cwd: copy, env });
  expect(closingLine(solved.stdout)).toMatchObject({ failed: 0 });
  expect(solved.code).toBe(0);
});

test("`npx deno task check lesson-1` works where npm installed the kit", async () => {
  // npm's postinstall points node_modules/.bin/deno at the native binary, which `deno task`
  // would run as a script; the tasks therefore name ./node_modules/deno/deno, which
  // `deno install` also creates, because deno.json allows the deno package's postinstall.
  const result = await run(deno, ["task", "check", "lesson-1", "--solutions"], { cwd: KIT });
  expect(closingLine(result.stdout)).toMatchObject({ failed: 0 });
  expect(result.code).toBe(0);
});
