/**
 * The failure story of a crash exploration, in words: the crash point, the disk writes up
 * to it (with the labels the code gave them, under the step that made them), the write
 * the power cut prevented, what the write cache kept (volatile model), recovery's own
 * writes under a heading "recovery", and what the check saw. Values are shown short:
 * a run of one repeated character is folded (`"\u0000"×1000`) and long text is cut, so a
 * torn or zeroed file shows at a glance.
 *
 * The explorers (ordered.ts, volatile.ts) hand over a `Plot`: the uncrashed run's writes,
 * flushes and where each step started; the story reads nothing else.
 *
 * @example
 * ```ts
 * import { formatValue, orderedStory } from "./story.ts";
 * formatValue("\u0000".repeat(1000));          // '"\u0000"×1000 (1000 bytes)'
 * orderedStory(plot, { completed: 1, interrupted: 1, point: 3, totalWrites: 4 }, log);
 * ```
 */
import { CrashError } from "../sim-disk.ts";
import type { DiskWrite } from "../sim-disk.ts";
import type { CacheOutcome, CrashOutcome } from "./types.ts";

/** What the story needs to know about the workload and its uncrashed run. */
export interface Plot {
  /** Names the workload at the head of the story. */
  name?: string;
  steps: readonly { name: string }[];
  /** The writes of the uncrashed run: what each crash point would have written next. */
  plan: readonly DiskWrite[];
  /** Write count at the start of each step (index = step). */
  stepStarts: readonly number[];
  /** Volatile model: the write count at each flush of the uncrashed run. */
  planFlushes?: readonly number[];
  /** Volatile model: flushes done before each step started (index = step). */
  stepFlushStarts?: readonly number[];
}

/** How a crash during recovery is told: its writes (and flushes) and, volatile, its cache. */
export interface RecoveryStory {
  log: readonly DiskWrite[];
  flushPoints?: readonly number[];
  cache?: CacheOutcome;
  /** Volatile: the power cut struck at this flush of recovery (1-based). */
  flush?: number;
}

/** Writes shown before the crash point; earlier ones are counted, not listed. */
const MAX_TIMELINE = 14;
const FLUSH_LINE = "    — flush: every write above is durable";
const RECOVERY_HEADING = "  recovery: mount after the reboot";

/** One timeline line: `   4. block 13    data block 2 of 3 of notes.txt`. */
export function formatWrite(write: DiskWrite, mark = " "): string {
  const index = `${write.index}.`.padStart(5);
  const block = `block ${write.block}`.padEnd(10);
  return `${mark}${index} ${block} ${shortLabel(write.label) || `(${write.bytes} bytes)`}`;
}

/** The writes of a log as timeline lines, with a mark at the one a crash would prevent. */
export function describeTimeline(log: readonly DiskWrite[], crashAt?: number): string {
  return log
    .map((w, i) => (i === crashAt ? `${formatWrite(w, "✗")}   ← power cut here, never written` : formatWrite(w)))
    .join("\n");
}

/**
 * Passes when `actual` equals one of the allowed values (deeply, for arrays and plain
 * objects); otherwise throws in words:
 * `notes.txt is "abc"; expected "" (before the write) or "abcdef" (after it)`.
 */
export function expectOneOf(what: string, actual: unknown, allowed: ReadonlyArray<readonly [label: string, value: unknown]>): void {
  if (allowed.some(([, value]) => sameValue(actual, value))) return;
  const options = allowed.map(([label, value]) => `${formatValue(value)} (${label})`).join(" or ");
  throw new Error(`${what} is ${formatValue(actual)}; expected ${options}`);
}

/**
 * A value as a failure message shows it: undefined as "missing"; a short string quoted;
 * a long one with runs of one character folded and the rest cut
 * (`"[v2]" + "b"×508 + "a"×488 (1000 bytes)`).
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (typeof value === "string") return formatString(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Runs at least this long are folded into `"c"×n`. */
const MIN_RUN = 8;
/** Longest literal piece shown whole; longer ones are cut. */
const MAX_LITERAL = 32;
/** Pieces shown before the rest is elided. */
const MAX_PIECES = 6;

function formatString(value: string): string {
  const pieces = stringPieces(value);
  if (pieces.length === 1 && !pieces[0].run && value.length <= 40) return JSON.stringify(value);
  const shown = pieces.slice(0, MAX_PIECES).map((p) =>
    p.run ? `${JSON.stringify(p.text[0])}×${p.text.length}` : literal(p.text));
  if (pieces.length > MAX_PIECES) shown.push("…");
  return `${shown.join(" + ")} (${new TextEncoder().encode(value).length} bytes)`;
}

function literal(text: string): string {
  return text.length > MAX_LITERAL ? `${JSON.stringify(text.slice(0, MAX_LITERAL))}…` : JSON.stringify(text);
}

/** The string as literal stretches and runs of one repeated character, in order. */
function stringPieces(value: string): { text: string; run: boolean }[] {
  const pieces: { text: string; run: boolean }[] = [];
  let pending = "";
  for (let i = 0; i < value.length; ) {
    let j = i + 1;
    while (j < value.length && value[j] === value[i]) j++;
    if (j - i >= MIN_RUN) {
      if (pending) pieces.push({ text: pending, run: false });
      pieces.push({ text: value.slice(i, j), run: true });
      pending = "";
    } else {
      pending += value.slice(i, j);
    }
    i = j;
  }
  if (pending || pieces.length === 0) pieces.push({ text: pending, run: false });
  return pieces;
}

/** A label from the code under test, cut when it would swamp the timeline. */
function shortLabel(label: string): string {
  return label.length > 100 ? `${label.slice(0, 97)}…` : label;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => sameValue(a[k], b[k]));
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** A CrashError, also one from another copy of sim-disk.ts (it is named, not only classed). */
export function isCrash(error: unknown): boolean {
  return error instanceof CrashError || (error instanceof Error && error.name === "CrashError");
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** "the first mount" or `step 2 "write a.txt"`: where an uncrashed run failed. */
export function whereInRun(plot: Plot, interrupted: number | undefined): string {
  return interrupted === undefined ? "the first mount" : `step ${interrupted + 1} "${plot.steps[interrupted].name}"`;
}

/** The story's opening for a workload that failed before any crash was injected. */
export function failedWithoutCrash(plot: Plot, interrupted: number | undefined, error: unknown): string[] {
  return [`the workload failed without any crash, in ${whereInRun(plot, interrupted)}:`, `  ${errorText(error ?? new CrashError())}`];
}

// ---------------------------------------------------------------------------------------
// The ordered model: every completed write is durable, so the story is the writes up to
// the crash point, and for a crash during recovery, recovery's writes up to its crash.

/** The story of an ordered crash point, up to (not including) what the check saw. */
export function orderedStory(plot: Plot, outcome: CrashOutcome, log: readonly DiskWrite[], recoveryLog?: readonly DiskWrite[]): string[] {
  if (outcome.point === outcome.totalWrites) {
    return [`no crash: ${plot.steps.length} steps completed, ${outcome.totalWrites} writes, then a clean reboot`];
  }
  const lines = [orderedHeader(plot, outcome), ...orderedTimeline(plot, log, outcome.point)];
  if (recoveryLog !== undefined) {
    lines.push(`then recovery crashed too, after ${outcome.recoveryCrash} of its writes:`);
    lines.push(RECOVERY_HEADING, ...recoveryLog.map((w) => formatWrite(w)));
    lines.push("then a second reboot and recovery");
  }
  return lines;
}

export function orderedHeader(plot: Plot, outcome: CrashOutcome): string {
  const name = plot.name ? `${plot.name}: ` : "";
  const when = outcome.point === 0
    ? `crash before the first of ${outcome.totalWrites} writes`
    : `crash after write ${outcome.point} of ${outcome.totalWrites}`;
  return `${name}${when}, ${during(plot, outcome.interrupted)}:`;
}

function during(plot: Plot, interrupted: number | undefined): string {
  if (interrupted === undefined) return "during the first mount";
  return `during step ${interrupted + 1} of ${plot.steps.length} "${plot.steps[interrupted].name}"`;
}

/** The applied writes, step headings between them, then the write the crash prevented. */
export function orderedTimeline(plot: Plot, log: readonly DiskWrite[], point: number): string[] {
  const lines: string[] = [];
  const shownFrom = Math.max(0, point - MAX_TIMELINE);
  if (shownFrom > 0) lines.push(`  … ${shownFrom} earlier writes`);
  for (let i = shownFrom; i <= point && i < plot.plan.length; i++) {
    plot.stepStarts.forEach((start, step) => {
      if (start === i) lines.push(stepHeading(plot, step));
    });
    if (i < point) lines.push(formatWrite(log[i] ?? plot.plan[i]));
    else lines.push(`${formatWrite(plot.plan[i], "✗")}   ← power cut here, never written`);
  }
  return lines;
}

function stepHeading(plot: Plot, step: number): string {
  return `  step ${step + 1}: ${plot.steps[step].name}`;
}

// ---------------------------------------------------------------------------------------
// The volatile model: the story adds the flushes, what became of each cached write, and
// for a crash during recovery, recovery's writes, flushes and cache.

/** The story of a volatile crash state, up to (not including) what the check saw. */
export function volatileStory(plot: Plot, outcome: CrashOutcome, log: readonly DiskWrite[], recovery?: RecoveryStory): string[] {
  const lines = [volatileHeader(plot, outcome), ...volatileTimeline(plot, log, outcome)];
  if (outcome.cache) lines.push(`  ${describeCache(outcome.cache)}`);
  if (recovery) {
    const at = recovery.flush === undefined ? `after ${recovery.log.length} of its writes` : `at its flush ${recovery.flush}`;
    lines.push(`then recovery lost power too, ${at}:`, RECOVERY_HEADING);
    recovery.log.forEach((w, i) => {
      recovery.flushPoints?.forEach((p) => {
        if (p === i) lines.push(FLUSH_LINE);
      });
      lines.push(formatWrite(w) + (recovery.cache ? cacheNote(recovery.cache, w.index) : ""));
    });
    if (recovery.cache) lines.push(`  ${describeCache(recovery.cache)}`);
    lines.push("then a second reboot and recovery");
  }
  return lines;
}

export function volatileHeader(plot: Plot, outcome: CrashOutcome): string {
  const name = plot.name ? `${plot.name}: ` : "";
  const { point, totalWrites: total } = outcome;
  const steps = plot.steps.length;
  if (outcome.flush === undefined && point === total && outcome.cache) {
    const all = steps === 1 ? "the only step" : `all ${steps} steps`;
    return `${name}power cut after ${all} returned (after write ${total} of ${total}), with no clean shutdown:`;
  }
  if (point === total && !outcome.cache && outcome.flush === undefined) {
    return `no crash: ${steps} steps completed, ${total} writes, then a clean reboot (the cache was flushed)`;
  }
  const when = outcome.flush !== undefined
    ? `crash at flush ${outcome.flush} (after write ${point} of ${total})`
    : point === 0 ? `crash before the first of ${total} writes` : `crash after write ${point} of ${total}`;
  const where = outcome.interrupted === undefined
    ? outcome.completed === steps ? "after the last step" : "during the first mount"
    : `during step ${outcome.interrupted + 1} of ${steps} "${plot.steps[outcome.interrupted].name}"`;
  return `${name}${when}, ${where}:`;
}

/** The issued writes with flushes and step headings between them; cached ones say what became of them. */
export function volatileTimeline(plot: Plot, log: readonly DiskWrite[], outcome: CrashOutcome): string[] {
  const { point } = outcome;
  if (point === outcome.totalWrites && !outcome.cache) return [];
  const flushes = plot.planFlushes ?? [];
  const stepFlushStarts = plot.stepFlushStarts ?? [];
  const lines: string[] = [];
  const shownFrom = Math.max(0, point - MAX_TIMELINE);
  if (shownFrom > 0) lines.push(`  … ${shownFrom} earlier writes`);
  // Flushes and step headings at write position i, in the order they happened.
  const happened = (f: number) => outcome.flush === undefined || f + 1 < outcome.flush;
  for (let i = shownFrom; i <= point; i++) {
    const events: Array<[order: number, line: string]> = [];
    flushes.forEach((at, f) => {
      if (at === i && happened(f)) events.push([f, FLUSH_LINE]);
    });
    plot.stepStarts.forEach((start, step) => {
      if (start === i && (i < point || step <= (outcome.interrupted ?? -1))) {
        events.push([stepFlushStarts[step] - 0.5, stepHeading(plot, step)]);
      }
    });
    lines.push(...events.sort((a, b) => a[0] - b[0]).map(([, line]) => line));
    if (i < point) {
      const w = log[i] ?? plot.plan[i];
      lines.push(formatWrite(w) + (outcome.cache ? cacheNote(outcome.cache, w.index) : ""));
    }
  }
  if (outcome.flush !== undefined) lines.push("  ✗ flush                ← power cut here: this flush never happened");
  else if (point < plot.plan.length) lines.push(`${formatWrite(plot.plan[point], "✗")}   ← power cut here, never written`);
  else lines.push("  ✗ power cut here, after the last step returned");
  return lines;
}

function cacheNote(cache: CacheOutcome, index: number): string {
  if (!cache.pending.includes(index)) return "";
  if (cache.torn?.index === index) return `   (cached; torn: only sectors ${ranges(cache.torn.sectors)} reached the disk)`;
  return cache.reached.includes(index) ? "   (cached; reached the disk)" : "   (cached; lost)";
}

function describeCache(cache: CacheOutcome): string {
  if (cache.pending.length === 0) return "the write cache was empty at the power cut";
  const lost = cache.pending.filter((i) => !cache.reached.includes(i) && cache.torn?.index !== i);
  const parts = [`reached the disk: ${cache.reached.length ? cache.reached.join(", ") : "none"}`];
  if (cache.torn) parts.push(`torn: ${cache.torn.index} (sectors ${ranges(cache.torn.sectors)} new, the rest old)`);
  parts.push(`lost: ${lost.length ? lost.join(", ") : "none"}`);
  const writes = cache.pending.length === 1 ? "1 unflushed write" : `${cache.pending.length} unflushed writes`;
  return `write cache at the power cut: ${writes}; ${parts.join("; ")}`;
}

/** [0, 1, 2, 5] → "0–2, 5". */
function ranges(values: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    out.push(j === i ? `${values[i]}` : `${values[i]}–${values[j]}`);
    i = j;
  }
  return out.join(", ");
}
