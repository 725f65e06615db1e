/**
 * The one place that spells a kit command for the learner, in the runtime running now:
 * `npm run hint lesson-1 -- --all` on Node, `deno task hint lesson-1 --all` on Deno (npm
 * needs `--` before flags; deno task passes them straight). Every printed next step goes
 * through it. No dependencies, so that doctor can use it before anything is installed.
 *
 * @example
 * ```ts
 * commandLine("check", "lesson-3", "--solutions"); // "npm run check lesson-3 -- --solutions" on Node
 * ```
 */
export function commandLine(script: string, ...args: string[]): string {
  const positionals = args.filter((a) => !a.startsWith("-"));
  const flags = args.filter((a) => a.startsWith("-"));
  if (onDeno()) return ["deno task", script, ...positionals, ...flags].join(" ");
  return ["npm run", script, ...positionals, ...(flags.length > 0 ? ["--", ...flags] : [])].join(" ");
}

function onDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
}
