/**
 * `npm run lesson <lesson>` — the lesson's text (lessons/<lesson>/README.md) rendered
 * in the terminal: headings, emphasis, lists, code blocks and tables, through $PAGER
 * (default `less -R`) when it is taller than the terminal. Without a lesson, the first
 * lesson that is not green yet.
 *
 * Exit 0, 1 when the lesson has no text yet, 2 for a usage error.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import pc from "picocolors";
import { parseCommand } from "./core/cli.ts";
import { KIT } from "./core/kit.ts";
import { nextUnfinished } from "./core/progress.ts";
import { page, renderMarkdown } from "./core/terminal-markdown.ts";
import { lessons as registry } from "../lib/registry.ts";

const USAGE = `
usage: npm run lesson [lesson] [-- --no-pager] [--width <columns>]

  Shows the lesson's text in the terminal, paged when it is longer than the screen.

  lesson             lesson-3, 3, or the start of a lesson's title; none: the first
                     lesson that is not green yet
  --no-pager         print everything at once
  --width <columns>  wrap at this width (default: the terminal's, at most 100)
`;

const { values, lessons } = parseCommand({
  usage: USAGE,
  flags: { "no-pager": { type: "boolean" }, width: { type: "string" } },
  lessons: "optional",
});
const lesson = lessons[0] ?? (await nextUnfinished()) ?? registry[0];
const width = values.width === undefined ? undefined : Number(values.width);
if (width !== undefined && (!Number.isInteger(width) || width < 20)) {
  console.error(`${pc.red("error:")} --width must be a whole number of columns, at least 20`);
  process.exit(2);
}
const file = path.join(KIT, "lessons", lesson.id, "README.md");
if (!existsSync(file)) {
  console.error(`${pc.red("error:")} ${lesson.id} has no text yet (lessons/${lesson.id}/README.md is missing)`);
  process.exit(1);
}
const text = renderMarkdown(readFileSync(file, "utf8"), width);
if (values["no-pager"]) console.log(text);
else await page(text);
