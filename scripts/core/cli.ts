/**
 * What every command of the kit does with its arguments: strict flag parsing (an unknown
 * flag is a usage error), `--help`, lesson lookup by id, number or title prefix, and the
 * exit code 2 for any usage error.
 *
 * @example
 * ```ts
 * const { values, lessons } = parseCommand({ usage: USAGE, flags: { json: { type: "boolean" } }, lessons: "optional" });
 * ```
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import process from "node:process";
import pc from "picocolors";
import { findLesson, lessons as registry, type Lesson } from "../../lib/registry.ts";

export class UsageError extends Error {}

// Output piped into `head` or a pager that quit early is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

type Flags = NonNullable<ParseArgsConfig["options"]>;

export interface CommandSpec<F extends Flags> {
  usage: string;
  flags: F;
  /** How many lesson arguments the command takes. */
  lessons: "none" | "optional" | "one" | "one-or-more";
  /** Further positional arguments after the lesson (for example a path). */
  extraPositionals?: number;
}

export function parseCommand<F extends Flags>(spec: CommandSpec<F>, argv = process.argv.slice(2)) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...spec.flags, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    if ((values as { help?: boolean }).help) {
      console.log(spec.usage.trim());
      process.exit(0);
    }
    const extra = spec.extraPositionals ?? 0;
    const lessonCount = spec.lessons === "one-or-more" ? positionals.length : spec.lessons === "none" ? 0 : Math.min(1, positionals.length);
    const lessonArgs = positionals.slice(0, lessonCount);
    const rest = positionals.slice(lessonCount);
    if (spec.lessons === "one" && lessonArgs.length === 0) throw new UsageError("which lesson? for example: lesson-1");
    if (spec.lessons === "one-or-more" && lessonArgs.length === 0) throw new UsageError("which lessons? for example: lesson-1 lesson-2");
    if (rest.length > extra) throw new UsageError(`unexpected argument "${rest[extra]}"`);
    const lessons = spec.lessons === "none" ? [] : lessonArgs.map(resolveLesson);
    return { values, lessons, rest };
  } catch (error) {
    failUsage(error, spec.usage);
  }
}

export function resolveLesson(query: string): Lesson {
  const found = findLesson(query);
  if ("error" in found) throw new UsageError(found.error);
  return found.lesson;
}

export function failUsage(error: unknown, usage: string): never {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`${pc.red("error:")} ${message.replace(/^Unknown option '(.*?)'.*$/s, "unknown flag $1")}`);
  console.error(pc.dim(usage.trim().split("\n")[0]));
  process.exit(2);
}

export { registry };

export { commandLine } from "./command-line.ts";
