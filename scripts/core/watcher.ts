/**
 * Watch mode: grade a lesson on start and again on every save of its exercise files.
 *
 * Contract:
 * - Grades through runTests with a pool of warm test processes that outlives each
 *   grading, so a save is graded without starting a process; after a grading the pool
 *   readies a process for the next save. A test that hangs or takes its process down is
 *   handled by runTests like anywhere else: its process is replaced, the watcher carries on.
 * - Grades after a short debounce (editors save in several steps), and only when a file's
 *   content really changed. A save during a grading queues exactly one more grading.
 * - The moment a grading starts, the screen says "grading…" (the previous result never
 *   stays on screen meanwhile), then a live count of the tests done, as a bar once the
 *   grading has taken a second.
 * - Each result replaces the previous one on screen (the screen is cleared when stdout
 *   is a terminal; otherwise results follow each other, for logs and tests): the first
 *   failing test with its explanation, the closing line, and, once the lesson is green,
 *   a line saying so and naming the next lesson.
 * - File events come from fs.watch on the lesson's folder. Where they do not arrive
 *   (network and container file systems), which a probe write under `.progress/` detects
 *   at start, or when CRASH_COURSE_POLL=1 or `--poll` asks for it, the files' size and
 *   modification time are polled instead, and the header says so.
 * - Ctrl-C (SIGINT) or SIGTERM stops it cleanly, its test processes too: exit 0, no stack trace.
 * - Grades of exercises/ are recorded in the progress file like `check` does.
 *
 * @example
 * ```ts
 * await watchLesson(lesson, { solutions: false });   // returns only when stopped
 * ```
 */
import { watch as watchFs, existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import pc from "picocolors";
import type { Lesson } from "../../lib/registry.ts";
import { nextLesson } from "../../lib/registry.ts";
import type { LessonResult } from "../../lib/grading/results.ts";
import { runTests, implFolder, TestProcessPool } from "./run-tests.ts";
import { formatLesson } from "./report.ts";
import { nextUnfinished, recordGrades } from "./progress.ts";
import { fileEventsArrive } from "./watch-probe.ts";
import { displayPath } from "./kit.ts";
import { commandLine } from "./cli.ts";
import { markUnofficial } from "./integrity.ts";

export const POLL_ENV = "CRASH_COURSE_POLL";
const DEBOUNCE_MS = 40;
export const POLL_INTERVAL_MS = 150;
/** A grading that takes longer than this shows a progress bar instead of a bare count. */
const BAR_AFTER_MS = 1000;

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
    pool.close();
    process.stdout.write(`\n${pc.dim("stopped watching")}\n`, () => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const pool = new TestProcessPool({ implDir: implFolder(impl) });
  pool.prewarm();
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
      await gradeAndShow(lesson, impl, header, pool);
      pool.prewarm();
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
  await gradeNow();
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

async function gradeAndShow(lesson: Lesson, impl: string, header: string, pool: TestProcessPool): Promise<void> {
  const started = performance.now();
  const live = liveCount(header);
  let result: LessonResult;
  try {
    const outcome = await runTests({ lessons: [lesson], impl, pool, onProgress: live.update });
    markUnofficial(outcome.results);
    result = outcome.results[0];
  } catch (error) {
    show(header, `${pc.red("grading failed:")} ${(error as Error).message}\n${pc.dim("fix the file and save again")}`);
    return;
  } finally {
    live.stop();
  }
  const elapsed = performance.now() - started;
  if (impl === "exercises") recordGrades([result]);
  const parts = [formatLesson(result, { firstFailureOnly: true })];
  if (result.total > 0 && result.failed === 0) parts.push(await doneLine(lesson, impl));
  parts.push(pc.dim(`graded in ${Math.round(elapsed)} ms at ${new Date().toLocaleTimeString()}`));
  show(header, parts.join("\n\n"));
}

/**
 * "grading…" at once, then the count of tests done; past a second, a bar. On a terminal
 * the line is redrawn in place; in a log each new count is a line, at most one a second.
 */
function liveCount(header: string) {
  const started = performance.now();
  let lastLine = "";
  let lastPrintedAt = 0;
  show(header, pc.dim("grading…"));
  const draw = (done: number, total: number) => {
    const elapsed = performance.now() - started;
    const count = `grading… ${done} of ${total} tests done`;
    const line = elapsed < BAR_AFTER_MS || total === 0 ? count : `${bar(done / total)} ${count}`;
    if (line === lastLine) return;
    lastLine = line;
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K${pc.dim(line)}`);
    else if (elapsed - lastPrintedAt >= 1000) {
      lastPrintedAt = elapsed;
      console.log(pc.dim(line));
    }
  };
  return {
    update: draw,
    stop() {
      if (process.stdout.isTTY && lastLine) process.stdout.write("\r\x1b[2K");
    },
  };
}

function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${"█".repeat(filled)}${"·".repeat(width - filled)}]`;
}

/** The lesson to go on with is the one `check`, `progress` and `next` name: the first one not green yet. */
async function doneLine(lesson: Lesson, impl: string): Promise<string> {
  const next = impl === "exercises" ? await nextUnfinished() : nextLesson(lesson.id);
  const done = pc.green(pc.bold(`★ ${lesson.id} is done: every test passes.`));
  if (!next) return `${done}\nEvery lesson is done. \`${commandLine("check")}\` shows your progress on all of them.`;
  return `${done}\nNext: ${pc.cyan(`${next.id} · ${next.title}`)}: read lessons/${next.id}/README.md (${commandLine("lesson", next.id)}), then ${pc.cyan(commandLine("watch", next.id))}`;
}

function show(header: string, body: string): void {
  if (process.stdout.isTTY) process.stdout.write("\x1b[2J\x1b[3J\x1b[H");
  else process.stdout.write("\n" + "─".repeat(40) + "\n");
  console.log(`${header}\n\n${body}`);
}
