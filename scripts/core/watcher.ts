/**
 * Watch mode: grade a lesson on start and again on every save of its exercise files.
 *
 * Contract:
 * - Grades inside the watcher's process through runTests (no new process per save),
 *   after a short debounce (editors save in several steps), and only when a file's
 *   content really changed. A save during a grading queues exactly one more grading.
 * - Each result replaces the previous one on screen (the screen is cleared when stdout
 *   is a terminal; otherwise results follow each other, for logs and tests): the first
 *   failing test with its explanation, the closing line, and, once the lesson is green,
 *   a line saying so and naming the next lesson.
 * - File events come from fs.watch on the lesson's folder. Where they do not arrive
 *   (network and container file systems), which a probe write under `.progress/` detects
 *   at start, or when CRASH_COURSE_POLL=1 or `--poll` asks for it, the files' size and
 *   modification time are polled instead, and the header says so.
 * - Ctrl-C (SIGINT) or SIGTERM stops it cleanly: exit 0, no stack trace.
 * - Grades of exercises/ are recorded in the progress file like `check` does.
 * - A test stuck in an endless loop leaves a worker thread that cannot be reclaimed in
 *   its process. So `superviseWatch` runs the watcher in a child process: after such a
 *   result the child exits with RESTART_CODE and the supervisor starts a fresh one, which
 *   waits for the next save (or grades at once if the file changed meanwhile).
 *
 * @example
 * ```ts
 * await superviseWatch(lesson, { solutions: false });   // returns only when stopped
 * ```
 */
import { watch as watchFs, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";
import process from "node:process";
import pc from "picocolors";
import type { Lesson } from "../../lib/registry.ts";
import { nextLesson } from "../../lib/registry.ts";
import type { LessonResult } from "../../lib/grading/results.ts";
import { runTests, implFolder } from "./run-tests.ts";
import { formatLesson } from "./report.ts";
import { recordGrades } from "./progress.ts";
import { fileEventsArrive } from "./watch-probe.ts";
import { KIT, displayPath, selfCommand } from "./kit.ts";
import { commandLine } from "./cli.ts";
import { markUnofficial } from "./integrity.ts";

export const POLL_ENV = "CRASH_COURSE_POLL";
const DEBOUNCE_MS = 40;
export const POLL_INTERVAL_MS = 150;
/** The watcher child's exit code that asks its supervisor for a fresh watcher. */
export const RESTART_CODE = 75;
/** Set for the watcher child: the file where it notes what it graded when a test got stuck. */
const STUCK_NOTE_ENV = "CRASH_COURSE_WATCH_STUCK_NOTE";

export interface WatchOptions {
  solutions: boolean;
  /** Force polling instead of file events. */
  poll?: boolean;
}

type Mode = { kind: "events" } | { kind: "polling"; reason: string };

export async function chooseMode(forcePoll: boolean): Promise<Mode> {
  if (forcePoll) return { kind: "polling", reason: "asked for" };
  if (process.env[POLL_ENV] === "1") return { kind: "polling", reason: `${POLL_ENV}=1` };
  if (!(await fileEventsArrive())) return { kind: "polling", reason: "file events do not arrive on this file system (network or container?)" };
  return { kind: "events" };
}

/**
 * Runs watchLesson in a child process of the same runtime and starts a new one whenever
 * the child asks for it (a test stuck in an endless loop). Inside such a child, runs the
 * watcher itself. Signals are passed on; the exit code is the child's.
 */
export async function superviseWatch(lesson: Lesson, options: WatchOptions): Promise<void> {
  if (process.env[STUCK_NOTE_ENV]) return watchLesson(lesson, options);
  const note = path.join(KIT, ".progress", `watch-stuck-${process.pid}.json`);
  const args = [lesson.id, ...(options.solutions ? ["--solutions"] : []), ...(options.poll ? ["--poll"] : [])];
  let child: ReturnType<typeof spawn> | undefined;
  const pass = (signal: NodeJS.Signals) => () => child?.kill(signal);
  process.on("SIGINT", pass("SIGINT"));
  process.on("SIGTERM", pass("SIGTERM"));
  for (;;) {
    const [command, argv] = selfCommand("scripts/watch.ts", args);
    child = spawn(command, argv, { stdio: "inherit", env: { ...process.env, [STUCK_NOTE_ENV]: note } });
    const code = await new Promise<number>((resolve) => {
      child!.on("error", (error) => {
        console.error(`${pc.red("error:")} could not start the watcher: ${error.message}`);
        resolve(1);
      });
      child!.on("exit", (c, signal) => resolve(c ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1)));
    });
    if (code !== RESTART_CODE) {
      rmSync(note, { force: true });
      process.exit(code);
    }
  }
}

function contentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export async function watchLesson(lesson: Lesson, options: WatchOptions): Promise<void> {
  const impl = options.solutions ? "solutions" : "exercises";
  const dir = path.join(implFolder(impl), lesson.id);
  const files = lesson.files.map((f) => path.join(dir, f));
  if (!existsSync(dir)) {
    console.error(`${pc.red("error:")} ${displayPath(dir)}/ is missing; ${commandLine("reset", lesson.id)} puts the skeleton back`);
    process.exit(1);
  }
  const mode = await chooseMode(Boolean(options.poll));
  const shown = files.map(displayPath).join(", ");
  const how = mode.kind === "events" ? "on every save" : `polling every ${POLL_INTERVAL_MS} ms (${mode.reason})`;
  const header = pc.dim(`watching ${shown}, ${how} · Ctrl-C to stop`);

  let stopping = false;
  const stopWatching: (() => void)[] = [];
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const s of stopWatching) s();
    process.stdout.write(`\n${pc.dim("stopped watching")}\n`, () => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  let lastContent = readAll(files);
  let running = false;
  let queued = false;
  const gradeNow = async () => {
    if (running) {
      queued = true;
      return;
    }
    running = true;
    do {
      queued = false;
      lastContent = readAll(files);
      await gradeAndShow(lesson, impl, header, contentHash(lastContent));
    } while (queued && !stopping);
    running = false;
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (readAll(files) !== lastContent) void gradeNow();
    }, DEBOUNCE_MS);
  };

  if (mode.kind === "events") {
    // The folder, not the files: editors that save by renaming replace the watched file.
    const watcher = watchFs(dir, (_event, name) => {
      if (!name || lesson.files.includes(path.basename(String(name)))) changed();
    });
    watcher.on("error", () => {});
    stopWatching.push(() => watcher.close());
  } else {
    let last = stamps(files);
    const poller = setInterval(() => {
      const now = stamps(files);
      if (now !== last) {
        last = now;
        changed();
      }
    }, POLL_INTERVAL_MS);
    stopWatching.push(() => clearInterval(poller));
  }
  const stuckOn = readStuckNote();
  if (stuckOn !== undefined && stuckOn === contentHash(lastContent)) {
    console.log(pc.dim(`\n(watch restarted to free the stuck test's thread; save a fix and it grades again)`));
  } else {
    await gradeNow();
  }
  await new Promise<never>(() => {}); // until a signal ends the process
}

function readAll(files: readonly string[]): string {
  return files.map((f) => (existsSync(f) ? readFileSync(f, "utf8") : "\0missing")).join("\0");
}

function stamps(files: readonly string[]): string {
  return files.map((f) => {
    try {
      const s = statSync(f);
      return `${s.mtimeMs}:${s.size}`;
    } catch {
      return "missing";
    }
  }).join(",");
}

/** The hash of the content graded last before a restart, when this watcher is a restart. */
function readStuckNote(): string | undefined {
  const note = process.env[STUCK_NOTE_ENV];
  if (!note || !existsSync(note)) return undefined;
  try {
    return (JSON.parse(readFileSync(note, "utf8")) as { graded?: string }).graded;
  } catch {
    return undefined;
  } finally {
    rmSync(note, { force: true });
  }
}

async function gradeAndShow(lesson: Lesson, impl: string, header: string, graded: string): Promise<void> {
  const started = performance.now();
  let result: LessonResult;
  let mustExit = false;
  try {
    const outcome = await runTests({ lessons: [lesson], impl });
    markUnofficial(outcome.results);
    result = outcome.results[0];
    mustExit = outcome.mustExit;
  } catch (error) {
    show(header, `${pc.red("grading failed:")} ${(error as Error).message}\n${pc.dim("fix the file and save again")}`);
    return;
  }
  const elapsed = performance.now() - started;
  if (impl === "exercises") recordGrades([result]);
  const parts = [formatLesson(result, { firstFailureOnly: true })];
  if (result.total > 0 && result.failed === 0) parts.push(doneLine(lesson));
  parts.push(pc.dim(`graded in ${Math.round(elapsed)} ms at ${new Date().toLocaleTimeString()}`));
  show(header, parts.join("\n\n"));
  if (mustExit) {
    const note = process.env[STUCK_NOTE_ENV];
    if (note) {
      // A fresh watcher frees the stuck thread; it waits for a save of something else.
      mkdirSync(path.dirname(note), { recursive: true });
      writeFileSync(note, JSON.stringify({ graded }));
      process.stdout.write("", () => process.exit(RESTART_CODE));
    } else {
      console.log(`\n${pc.red("watch stopped:")} a test never finished (an endless loop?), and its thread cannot be stopped from here.\nFix the loop, then start \`${commandLine("watch", lesson.id)}\` again.`);
      process.stdout.write("", () => process.exit(1));
    }
    await new Promise<never>(() => {});
  }
}

function doneLine(lesson: Lesson): string {
  const next = nextLesson(lesson.id);
  const done = pc.green(pc.bold(`★ ${lesson.id} is done: every test passes.`));
  if (!next) return `${done}\nThat was the last lesson. \`${commandLine("check")}\` shows your progress on all of them.`;
  return `${done}\nNext: ${pc.cyan(`${next.id} · ${next.title}`)}: read lessons/${next.id}/README.md (${commandLine("lesson", next.id)}), then ${pc.cyan(commandLine("watch", next.id))}`;
}

function show(header: string, body: string): void {
  if (process.stdout.isTTY) process.stdout.write("\x1b[2J\x1b[3J\x1b[H");
  else process.stdout.write("\n" + "─".repeat(40) + "\n");
  console.log(`${header}\n\n${body}`);
}
