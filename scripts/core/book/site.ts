/**
 * Writes the workbook: a static site of plain HTML and CSS that works with JavaScript
 * off. `index.html` lists every lesson of the registry with its current grade; each
 * `lesson-N.html` is the lesson's README with a "How to grade this" box, its crash
 * timeline where the lesson has one, and links to the previous and next lesson; every
 * kit file a lesson links to gets a page showing its source.
 *
 * @example
 * ```ts
 * buildSite({ out: ".book", grades: new Map(), timelines: new Map() });
 * ```
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../../lib/registry.ts";
import { lessons as registry } from "../../../lib/registry.ts";
import type { LessonResult } from "../../../lib/grading/results.ts";
import { KIT } from "../kit.ts";
import { statusOf } from "../report.ts";
import { escapeHtml as esc, filePageHref, renderMarkdown, renderSource } from "./markdown.ts";
import type { TimelineFigure } from "./svg.ts";
import { timelineSvg } from "./svg.ts";
import { STYLE } from "./style.ts";

export interface SiteInput {
  out: string;
  /** The latest grade of each lesson; a lesson without one shows "not graded". */
  grades: ReadonlyMap<string, LessonResult>;
  timelines: ReadonlyMap<string, TimelineFigure>;
  lessons?: readonly Lesson[];
}

export interface SiteOutput {
  pages: string[];
}

export function buildSite(input: SiteInput): SiteOutput {
  const lessons = input.lessons ?? registry;
  rmSync(input.out, { recursive: true, force: true });
  mkdirSync(input.out, { recursive: true });
  const pages: string[] = [];
  const emit = (name: string, html: string) => {
    const file = path.join(input.out, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, html);
    pages.push(name);
  };
  writeFileSync(path.join(input.out, "style.css"), STYLE);
  emit("index.html", indexPage(lessons, input.grades));
  const linkedFiles = new Set<string>();
  lessons.forEach((lesson, i) => {
    const context = { baseDir: `lessons/${lesson.id}`, linkedFiles };
    const readme = path.join(KIT, "lessons", lesson.id, "README.md");
    const markdown = existsSync(readme)
      ? readFileSync(readme, "utf8")
      : `# ${lesson.id} · ${lesson.title}\n\nThis lesson's text is missing: \`lessons/${lesson.id}/README.md\` is not in the kit.\n`;
    const body = renderMarkdown(markdown, context);
    emit(`${lesson.id}.html`, lessonPage(lesson, body, {
      previous: lessons[i - 1],
      next: lessons[i + 1],
      grade: input.grades.get(lesson.id),
      timeline: input.timelines.get(lesson.id),
    }));
  });
  for (const file of linkedFiles) {
    const html = filePage(file);
    if (html) emit(filePageHref(file).split("/").map(decodeURIComponent).join("/"), html);
  }
  for (const lesson of lessons) {
    for (const f of lesson.files) {
      const file = `exercises/${lesson.id}/${f}`;
      const html = linkedFiles.has(file) ? undefined : filePage(file);
      if (html) emit(`files/${file}.html`, html);
    }
  }
  return { pages };
}

function page(title: string, depth: number, body: string): string {
  const root = "../".repeat(depth);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · crash-course workbook</title>
<link rel="stylesheet" href="${root}style.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><a href="${root}index.html">crash-course workbook</a></header>
${body}
</body>
</html>
`;
}

function gradeText(grade: LessonResult | undefined): string {
  if (!grade) return "not graded";
  return `${statusOf(grade)}: ${grade.passed}/${grade.total} tests pass`;
}

function gradeBar(grade: LessonResult | undefined): string {
  const percent = grade && grade.total > 0 ? Math.round((100 * grade.passed) / grade.total) : 0;
  return `<span class="bar" aria-hidden="true"><span style="width:${percent}%"></span></span>`;
}

function indexPage(lessons: readonly Lesson[], grades: ReadonlyMap<string, LessonResult>): string {
  const rows = lessons.map((lesson) => {
    const grade = grades.get(lesson.id);
    return `<tr><td><a href="${lesson.id}.html">${esc(lesson.id)}</a></td><td>${esc(lesson.title)}</td><td>${esc(lesson.track)}</td><td>${gradeBar(grade)} ${esc(gradeText(grade))}</td></tr>`;
  }).join("\n");
  const graded = [...grades.values()];
  const passed = graded.reduce((n, g) => n + g.passed, 0);
  const total = graded.reduce((n, g) => n + g.total, 0);
  const overall = graded.length ? `<p>Overall: ${passed} of ${total} tests pass in ${graded.length} graded lessons.</p>` : `<p>Grades were not computed for this build; run <code>npm run book</code> to include them.</p>`;
  return page("Lessons", 0, `<main id="main">
<h1>crash-course workbook</h1>
<p>Copy-on-write and journaling, learned by building them. Read a lesson here, fill in the TODOs of its skeleton in <code>exercises/</code>, and grade your work in the terminal.</p>
<h2>Lessons</h2>
${overall}
<table>
<thead><tr><th scope="col">id</th><th scope="col">lesson</th><th scope="col">track</th><th scope="col">your grade</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</main>`);
}

interface LessonContext {
  previous?: Lesson;
  next?: Lesson;
  grade?: LessonResult;
  timeline?: TimelineFigure;
}

function lessonPage(lesson: Lesson, body: string, context: LessonContext): string {
  const files = lesson.files.map((f) => `exercises/${lesson.id}/${f}`);
  const timeline = context.timeline
    ? `<section aria-labelledby="timeline-${lesson.id}"><h2 id="timeline-${lesson.id}">Crash timeline</h2>
<p>Generated from the same crash exploration the grader runs.</p>
${timelineSvg(context.timeline)}</section>`
    : "";
  const nav = `<nav class="pager" aria-label="Previous and next lesson">${context.previous ? `<a rel="prev" href="${context.previous.id}.html">← ${esc(context.previous.id)}: ${esc(context.previous.title)}</a>` : "<span></span>"}${context.next ? `<a rel="next" href="${context.next.id}.html">${esc(context.next.id)}: ${esc(context.next.title)} →</a>` : ""}</nav>`;
  return page(`${lesson.id}: ${lesson.title}`, 0, `<main id="main">
${body}
${timeline}
<section class="grade-box" aria-labelledby="grade-${lesson.id}">
<h2 id="grade-${lesson.id}">How to grade this</h2>
<p>Your files: ${files.map((f) => `<a href="${filePageHref(f)}"><code>${esc(f)}</code></a>`).join(", ")}. Your grade at the last build: ${gradeBar(context.grade)} ${esc(gradeText(context.grade))}.</p>
<pre><code>npm run check ${lesson.id}        # grade your exercise
npm run watch ${lesson.id}        # grade again on every save
npm run hint ${lesson.id}         # the next hint
deno task check ${lesson.id}      # the same with Deno</code></pre>
</section>
</main>
${nav}`);
}

function filePage(file: string): string | undefined {
  const depth = file.split("/").length; // files/<path>.html sits this deep below the root
  const absolute = path.join(KIT, file);
  if (!existsSync(absolute)) return undefined; // left as a broken link, for the suite to catch
  const body = statSync(absolute).isDirectory()
    ? `<ul>${readdirSync(absolute).sort().map((name) => `<li><code>${esc(`${file}/${name}`)}</code></li>`).join("")}</ul>`
    : renderSource(readFileSync(absolute, "utf8"), file);
  return page(file, depth, `<main id="main">
<h1><code>${esc(file)}</code></h1>
<p>A file of your kit, shown read-only. Edit it in your editor: <code>${esc(file)}</code>.</p>
${body}
</main>`);
}
