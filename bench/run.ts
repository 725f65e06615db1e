/**
 * `npm run bench <lesson>` — runs a lesson's benchmark, bench/<lesson-id>.ts, which prints
 * the figures its lesson text quotes. Without a lesson, lists the lessons that have one.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { lessons } from "../lib/registry.ts";
import { parseCommand } from "../scripts/core/cli.ts";
import { KIT } from "../scripts/core/kit.ts";

const USAGE = `
usage: npm run bench <lesson>

  Runs bench/<lesson>.ts, the benchmark whose figures the lesson text quotes.
`;

const withBench = lessons.filter((l) => existsSync(path.join(KIT, "bench", `${l.id}.ts`)));
const { lessons: [lesson] } = parseCommand({ usage: USAGE, flags: {}, lessons: "optional" });
if (!lesson) {
  console.log(`lessons with a benchmark: ${withBench.map((l) => l.id).join(", ") || "none yet"}`);
  process.exit(0);
}
if (!withBench.includes(lesson)) {
  console.error(`error: ${lesson.id} has no benchmark; lessons with one: ${withBench.map((l) => l.id).join(", ") || "none yet"}`);
  process.exit(2);
}
process.argv.splice(2, 1);
await import(pathToFileURL(path.join(KIT, "bench", `${lesson.id}.ts`)).href);
