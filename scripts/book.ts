/**
 * `npm run book` — the lessons as a static web page (the workbook), in `.book/`.
 *
 *   npm run book                    grade every lesson, then write the site
 *   npm run book -- --no-grade      write the site without grading (faster)
 *   npm run book -- --serve         serve it on http://localhost:4173 and rebuild on change
 *   npm run book -- --out <dir>     write it somewhere else
 *
 * The site is plain HTML and CSS: open .book/index.html in a browser, no server needed.
 */
import { watch as watchFile } from "node:fs";
import type { FSWatcher } from "node:fs";
import path from "node:path";
import process from "node:process";
import { parseCommand, registry } from "./core/cli.ts";
import { runTests } from "./core/run-tests.ts";
import { KIT } from "./core/kit.ts";
import { buildSite } from "./core/book/site.ts";
import { crashTimelines } from "./core/book/timelines.ts";
import { serveFolder } from "./core/book/serve.ts";
import type { LessonResult } from "../lib/grading/results.ts";

const USAGE = `
usage: npm run book [-- --serve] [--port <n>] [--out <dir>] [--no-grade]

  Writes the workbook, a static site of every lesson, to .book/ (open .book/index.html).

  --serve        serve it on localhost and rebuild when a lesson or an exercise changes
  --port <n>     the port for --serve (default 4173; 0 picks a free one)
  --out <dir>    where to write the site (default .book)
  --no-grade     skip grading; the index then shows no grades
`;

const { values } = parseCommand({
  usage: USAGE,
  flags: {
    serve: { type: "boolean" },
    port: { type: "string" },
    out: { type: "string" },
    "no-grade": { type: "boolean" },
  },
  lessons: "none",
});

const out = path.resolve(values.out ?? path.join(KIT, ".book"));
const port = values.port === undefined ? 4173 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`error: --port must be a whole number from 0 to 65535, got "${values.port}"\n${USAGE}`);
  process.exit(2);
}
const grading = !values["no-grade"];
const grades = new Map<string, LessonResult>();

async function grade(ids: readonly string[]): Promise<void> {
  if (!grading) return;
  const lessons = registry.filter((l) => ids.includes(l.id));
  const outcome = await runTests({ lessons, impl: "exercises" });
  for (const result of outcome.results) grades.set(result.lesson, result);
}

async function build(): Promise<void> {
  const timelines = await crashTimelines();
  const { pages } = buildSite({ out, grades, timelines });
  console.log(`wrote ${pages.length} pages to ${path.relative(process.cwd(), out) || "."}${path.sep}  (open ${path.join(out, "index.html")})`);
}

await grade(registry.map((l) => l.id));
await build();

if (values.serve) {
  const server = await serveFolder(out, port);
  console.log(`serving the workbook on ${server.url} — rebuilds when a lesson or an exercise changes; Ctrl-C to stop`);
  let pending: ReturnType<typeof setTimeout> | undefined;
  const changed = new Set<string>();
  const rebuildSoon = (lessonId: string | undefined) => {
    if (lessonId) changed.add(lessonId);
    clearTimeout(pending);
    pending = setTimeout(async () => {
      const ids = [...changed];
      changed.clear();
      await grade(ids);
      await build();
    }, 200);
  };
  const watchers: FSWatcher[] = [];
  for (const lesson of registry) {
    watchers.push(watchFile(path.join(KIT, "lessons", lesson.id), () => rebuildSoon(undefined)));
    watchers.push(watchFile(path.join(KIT, "exercises", lesson.id), () => rebuildSoon(lesson.id)));
  }
  process.on("SIGINT", () => {
    for (const w of watchers) w.close();
    server.close();
    process.exit(0);
  });
} else if (grading) {
  // vitest's worker threads can outlive the run; the site is written, so leave now.
  process.exit(0);
}
