/**
 * `npm run hint [lesson]` — the lesson's next hint from the registry, one more each time
 * it is asked; with no lesson, the current one (the lesson `watch` and `progress` name
 * next: the first not done by the stored grades, see `currentLesson`); `--all` lists every hint (and counts them all as shown). The count lives
 * in the progress file (.progress/), so it survives between runs. After the last hint,
 * `npm run solution <lesson>` unlocks.
 *
 * Exit 0, or 2 for a usage error.
 */
import pc from "picocolors";
import { commandLine, parseCommand } from "./core/cli.ts";
import { currentLesson, hintsShown, recordHintShown } from "./core/progress.ts";
import { defaultWidth, wrap } from "./core/terminal-markdown.ts";

const USAGE = `
usage: npm run hint [lesson] [-- --all]

  Shows the lesson's next hint; each run gives one more, the last nearly gives it away.

  lesson   lesson-3, 3, or the start of a lesson's title; none for the lesson you are on
  --all    list every hint of the lesson at once
`;

const { values, lessons: [named] } = parseCommand({ usage: USAGE, flags: { all: { type: "boolean" } }, lessons: "optional" });
const lesson = named ?? (await currentLesson());
const total = lesson.hints.length;
const width = defaultWidth();

function showHint(index: number): string {
  const title = pc.bold(pc.yellow(`hint ${index + 1} of ${total}`)) + pc.dim(` · ${lesson.id} · ${lesson.title}`);
  return `${title}\n${wrap(lesson.hints[index], width - 2).map((l) => "  " + l).join("\n")}`;
}

const solutionLine = `${pc.dim("no hints left:")} ${pc.cyan(commandLine("solution", lesson.id))} ${pc.dim("now shows the reference as a diff against your file")}`;

if (values.all) {
  recordHintShown(lesson, total);
  console.log(lesson.hints.map((_, i) => showHint(i)).join("\n\n"));
  console.log(`\n${solutionLine}`);
} else {
  const before = hintsShown(lesson);
  if (before >= total) {
    console.log(`${pc.dim(`You have seen all ${total} hints of ${lesson.id}; here is the last one again.`)}\n`);
    console.log(showHint(total - 1));
    console.log(`\n${pc.dim(`${commandLine("hint", lesson.id, "--all")} lists them all.`)}\n${solutionLine}`);
  } else {
    const shown = recordHintShown(lesson);
    console.log(showHint(shown - 1));
    const left = total - shown;
    console.log(left > 0
      ? `\n${pc.dim(`${left} more ${left === 1 ? "hint" : "hints"}: run`)} ${pc.cyan(commandLine("hint", lesson.id))} ${pc.dim("again when you are stuck.")}`
      : `\n${pc.dim("That was the last hint.")}\n${solutionLine}`);
  }
}
