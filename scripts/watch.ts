/**
 * `npm run watch [lesson]` — grade a lesson on start and again on every save of its
 * exercise files (the learner's loop). Without a lesson, the first one not yet green.
 * Also reached as `npm run check lesson-3 -- --watch`. See core/watcher.ts for the rules.
 *
 * Exit 0 when stopped with Ctrl-C; 1 when the lesson's folder is missing; 2 for a usage
 * error. A test stuck in an endless loop does not end it: its test process is replaced.
 */
import { parseCommand } from "./core/cli.ts";
import { watchLesson } from "./core/watcher.ts";
import { nextUnfinished } from "./core/progress.ts";
import { lessons as registry } from "../lib/registry.ts";

const USAGE = `
usage: npm run watch [lesson] [-- --poll] [--solutions]

  Grades the lesson now and again on every save of its exercise files, showing the
  first failing test and why. Ctrl-C stops it.

  lesson        lesson-3, 3, or the start of a lesson's title; none: the first lesson
                that is not green yet
  --poll        poll the files instead of waiting for file events (also: CRASH_COURSE_POLL=1);
                chosen by itself where file events do not arrive
  --solutions   watch the reference solutions instead of your exercises
`;

const { values, lessons } = parseCommand({
  usage: USAGE,
  flags: { poll: { type: "boolean" }, solutions: { type: "boolean" } },
  lessons: "optional",
});

const lesson = lessons[0] ?? (await nextUnfinished()) ?? registry[registry.length - 1];
await watchLesson(lesson, { solutions: Boolean(values.solutions), poll: Boolean(values.poll) });
