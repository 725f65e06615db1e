/**
 * Type errors in a learner's exercise files, as notes beside the grade: the kit's own
 * TypeScript checker (the `typescript` package's `tsc`) run over the graded files with the
 * kit's compiler options. A type error fails no test (the tests judge behaviour); it is
 * shown after them so the learner sees it before it bites. Runs while the tests run; a
 * checker that cannot start or takes longer than the tests simply gives no notes.
 *
 * @example
 * ```ts
 * const notes = await typeNotes(["/kit/exercises/lesson-1/cow-list.ts"]);
 * // [{ file: "exercises/lesson-1/cow-list.ts", line: 12, column: 5, message: "TS2322: Type 'string' …" }]
 * ```
 */
import { execFile } from "node:child_process";
import path from "node:path";
import process from "node:process";
import type { TypeNote } from "../../lib/grading/results.ts";
import { KIT, displayPath } from "./kit.ts";

declare const Deno: { execPath(): string } | undefined;

/** The kit's tsconfig.json options that matter for one file, as command-line flags. */
const OPTIONS = [
  "--ignoreConfig", "--noEmit", "--strict", "--target", "ES2022", "--module", "ESNext", "--moduleResolution", "Bundler",
  "--lib", "ES2023,DOM", "--types", "node", "--allowImportingTsExtensions", "--resolveJsonModule",
  "--isolatedModules", "--verbatimModuleSyntax", "--skipLibCheck", "--pretty", "false",
];

/** A `tsc` line: `path(line,col): error TS1234: message`. */
const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/;

export function typeNotes(files: readonly string[], timeoutMs = 60_000): Promise<TypeNote[]> {
  const tsc = path.join(KIT, "node_modules", "typescript", "bin", "tsc");
  const [command, args] = typeof Deno !== "undefined" ? [Deno.execPath(), ["run", "-A", tsc]] : [process.execPath, [tsc]];
  const wanted = new Set(files.map((f) => path.resolve(f)));
  return new Promise((resolve) => {
    execFile(command, [...args, ...OPTIONS, ...files], { cwd: KIT, timeout: timeoutMs, maxBuffer: 4 << 20 }, (_error, stdout) => {
      const notes: TypeNote[] = [];
      for (const line of String(stdout ?? "").split("\n")) {
        const m = DIAGNOSTIC.exec(line.trim());
        if (!m || !wanted.has(path.resolve(KIT, m[1]))) continue;
        notes.push({ file: displayPath(path.resolve(KIT, m[1])), line: Number(m[2]), column: Number(m[3]), message: `${m[4]}: ${m[5]}` });
      }
      resolve(notes);
    });
  });
}
