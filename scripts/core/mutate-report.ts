/**
 * The pure half of `npm run mutate`: where a lesson's TODO regions are in its solution,
 * which surviving mutants the lesson's equivalents file explains, the scores, and the
 * report in words. No StrykerJS here (scripts/mutate.ts runs it), so the kit's tests
 * check all of this cheaply.
 *
 * - TODO regions: each `TODO(lesson-N:id)` of `exercises/lesson-N/<file>` sits in a
 *   method or function of the skeleton (or in the comment just above one); the solution's
 *   method or function of the same class and name is that TODO's region. Everything else
 *   in the solution is given code.
 * - Equivalents: `tests/lesson-N/equivalent-mutants.json` lists mutants that no test can
 *   kill because they change no behaviour the contract states, each with a one-line
 *   reason. A mutant is named by its file, the trimmed text of the source line it starts
 *   on, the mutator and the replacement, so line numbers may move without breaking it.
 *
 * @example
 * ```ts
 * const regions = todoRegions("lesson-9", exerciseText, solutionText);
 * const equivalents = parseEquivalents(fs.readFileSync(path, "utf8"), path);
 * const report = summarize(mutants, { regions: new Map([["concurrent-fs.ts", regions]]), sources, equivalents });
 * console.log(formatReport(report, { title: "lesson-9 ..." }));
 * ```
 */

/** A method or function of a source file: lines are 1-based and inclusive. */
export interface Span {
  name: string;
  className?: string;
  start: number;
  end: number;
}

/** A TODO region of the solution: the method that mirrors a skeleton method with that TODO. */
export interface Region extends Span {
  todo: string;
}

export interface Equivalent {
  file: string;
  /** The trimmed text of the solution line the mutant starts on. */
  source: string;
  mutator: string;
  replacement: string;
  reason: string;
}

/** What the tool needs of one StrykerJS mutant result. */
export interface Mutant {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  mutator: string;
  replacement: string;
  status: string;
  statusReason?: string;
}

export interface Tally {
  detected: number;
  /** Of the detected, those StrykerJS stopped at its time limit: on a busy machine a slow
   * but passing run can end up here, so the report names them. */
  timedOut: number;
  survived: number;
  noCoverage: number;
  explained: number;
}

export interface Survivor {
  mutant: Mutant;
  /** The TODO region it is in, or undefined for given code. */
  region?: Region;
  original: string;
  explainedBy?: Equivalent;
}

export interface Summary {
  total: number;
  ignored: number;
  invalid: number;
  whole: Tally;
  todo: Tally;
  survivors: Survivor[];
  /** Entries of the equivalents file that no surviving mutant matches any more. */
  stale: Equivalent[];
}

const HEADER = /^(\s*)(?:export\s+)?(?:default\s+)?(?:(?:static|async|private|protected|public|readonly|override)\s+)*(?:function\s*\*?\s*)?(?:(?:get|set)\s+)?(#?[A-Za-z_$][\w$]*)\s*(?:<[^()]*>)?\s*\(/;
const CLASS = /^(\s*)(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/;
const NOT_A_NAME = new Set(["if", "for", "while", "switch", "catch", "return", "await", "new", "typeof", "throw", "function", "super", "do", "else", "try", "void", "yield", "delete"]);
const TODO = /TODO\((lesson-\d+):([a-z0-9][a-z0-9-]*)\)/g;

/**
 * The methods and functions of a formatted TypeScript file: a header line (a name, then a
 * parameter list) whose signature ends in `{`, up to the first later line that is `}` at
 * the header's indentation. Enough for the kit's solutions and skeletons, which are
 * formatted that way; not a parser.
 */
export function functionSpans(source: string): Span[] {
  const lines = source.split("\n");
  const spans: Span[] = [];
  const classes: { name: string; indent: string; end: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const klass = CLASS.exec(lines[i]);
    if (klass) {
      const end = closingLine(lines, i, klass[1]);
      if (end !== undefined) classes.push({ name: klass[2], indent: klass[1], end });
      continue;
    }
    const header = HEADER.exec(lines[i]);
    if (!header || NOT_A_NAME.has(header[2]) || /^\s*(return|await|throw|const|let|var)\b/.test(lines[i])) continue;
    const bodyOpen = signatureEnd(lines, i);
    if (bodyOpen === undefined) continue;
    const end = closingLine(lines, bodyOpen, header[1]);
    if (end === undefined) continue;
    const owner = classes.filter((c) => c.end > i && header[1].length > c.indent.length).at(-1);
    spans.push({ name: header[2], className: owner?.name, start: i + 1, end: end + 1 });
  }
  return spans;
}

/** The line (0-based) where a signature starting at `from` opens its body, if it does. */
function signatureEnd(lines: readonly string[], from: number): number | undefined {
  for (let i = from; i < Math.min(lines.length, from + 8); i++) {
    const text = lines[i].replace(/\/\/.*$/, "").trimEnd();
    if (text.endsWith("{")) return i;
    if (text.endsWith(";") || text.endsWith("}") || text.endsWith("},") || text.endsWith(");")) return undefined;
  }
  return undefined;
}

function closingLine(lines: readonly string[], from: number, indent: string): number | undefined {
  for (let i = from + 1; i < lines.length; i++) {
    if (lines[i] === `${indent}}` || lines[i].startsWith(`${indent}} `) || lines[i] === `${indent}};`) return i;
  }
  return undefined;
}

/** Each TODO of the skeleton, with the skeleton span it belongs to. */
export function todoSpans(lessonId: string, exercise: string): { todo: string; span: Span }[] {
  const spans = functionSpans(exercise);
  const lines = exercise.split("\n");
  const found: { todo: string; span: Span }[] = [];
  lines.forEach((text, i) => {
    for (const match of text.matchAll(TODO)) {
      if (match[1] !== lessonId) continue;
      const line = i + 1;
      const inside = spans.filter((s) => s.start <= line && line <= s.end).sort((a, b) => (a.end - a.start) - (b.end - b.start))[0];
      // A TODO in the comment above a method belongs to that method.
      const below = spans.filter((s) => s.start > line).sort((a, b) => a.start - b.start)[0];
      const span = inside ?? below;
      if (span && !found.some((f) => f.todo === match[2] && f.span === span)) found.push({ todo: match[2], span });
    }
  });
  return found;
}

/**
 * The solution's TODO regions: for each TODO of the skeleton, the solution's method of the
 * same class and name (or of the same name, when the class differs). A TODO whose method
 * the solution lacks is reported in `missing`.
 */
export function todoRegions(lessonId: string, exercise: string, solution: string): { regions: Region[]; missing: string[] } {
  const solutionSpans = functionSpans(solution);
  const regions: Region[] = [];
  const missing: string[] = [];
  for (const { todo, span } of todoSpans(lessonId, exercise)) {
    const match = solutionSpans.find((s) => s.name === span.name && s.className === span.className)
      ?? solutionSpans.find((s) => s.name === span.name);
    if (match) regions.push({ ...match, todo });
    else missing.push(`TODO(${lessonId}:${todo}) in ${qualified(span)}`);
  }
  return { regions, missing };
}

export function qualified(span: Span): string {
  return span.className ? `${span.className}.${span.name}` : span.name;
}

/** Reads an equivalents file; a TypeError names the entry and the field that is wrong. */
export function parseEquivalents(text: string, where: string): Equivalent[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  const list = (data as { equivalents?: unknown })?.equivalents;
  if (!Array.isArray(list)) throw new TypeError(`${where}: expected { "equivalents": [ ... ] }`);
  const seen = new Map<string, number>();
  return list.map((entry, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    for (const field of ["file", "source", "mutator", "replacement", "reason"] as const) {
      if (typeof e[field] !== "string" || (field !== "replacement" && (e[field] as string).trim() === "")) {
        throw new TypeError(`${where}: entry #${i + 1} needs a non-empty string "${field}"`);
      }
    }
    if ((e.reason as string).includes("\n")) throw new TypeError(`${where}: entry #${i + 1}: the reason is one line`);
    const equivalent = { file: e.file as string, source: (e.source as string).trim(), mutator: e.mutator as string, replacement: e.replacement as string, reason: e.reason as string };
    // A mutant is explained by the first entry that names it, so a repeat would only ever read as stale.
    const key = JSON.stringify([equivalent.file, equivalent.source, equivalent.mutator, equivalent.replacement]);
    const first = seen.get(key);
    if (first !== undefined) throw new TypeError(`${where}: entry #${i + 1} repeats entry #${first} (one entry explains every mutant it names)`);
    seen.set(key, i + 1);
    return equivalent;
  });
}

/** The text a mutant replaces, from the solution's source (lines and columns are 1-based). */
export function originalText(source: string, mutant: Mutant): string {
  const lines = source.split("\n");
  const offset = (line: number, column: number) => lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
  return source.slice(offset(mutant.line, mutant.column), offset(mutant.endLine, mutant.endColumn));
}

function sourceLine(source: string, line: number): string {
  return (source.split("\n")[line - 1] ?? "").trim();
}

const DETECTED = new Set(["Killed", "Timeout"]);
const INVALID = new Set(["CompileError", "RuntimeError"]);

export function summarize(mutants: readonly Mutant[], context: {
  regions: ReadonlyMap<string, readonly Region[]>;
  sources: ReadonlyMap<string, string>;
  equivalents: readonly Equivalent[];
}): Summary {
  const summary: Summary = { total: mutants.length, ignored: 0, invalid: 0, whole: tally(), todo: tally(), survivors: [], stale: [] };
  const used = new Set<Equivalent>();
  for (const mutant of mutants) {
    if (mutant.status === "Ignored") summary.ignored += 1;
    if (mutant.status === "Ignored" || INVALID.has(mutant.status)) {
      if (INVALID.has(mutant.status)) summary.invalid += 1;
      continue;
    }
    const region = (context.regions.get(mutant.file) ?? []).find((r) => r.start <= mutant.line && mutant.line <= r.end);
    const counts = region ? [summary.whole, summary.todo] : [summary.whole];
    if (DETECTED.has(mutant.status)) {
      for (const t of counts) {
        t.detected += 1;
        if (mutant.status === "Timeout") t.timedOut += 1;
      }
      continue;
    }
    const source = context.sources.get(mutant.file) ?? "";
    const explainedBy = context.equivalents.find((e) => e.file === mutant.file && e.mutator === mutant.mutator
      && e.replacement === mutant.replacement && e.source === sourceLine(source, mutant.line));
    if (explainedBy) used.add(explainedBy);
    for (const t of counts) {
      if (mutant.status === "NoCoverage") t.noCoverage += 1;
      else t.survived += 1;
      if (explainedBy) t.explained += 1;
    }
    summary.survivors.push({ mutant, region, original: originalText(source, mutant), explainedBy });
  }
  summary.stale = context.equivalents.filter((e) => !used.has(e));
  return summary;
}

function tally(): Tally {
  return { detected: 0, timedOut: 0, survived: 0, noCoverage: 0, explained: 0 };
}

/** Detected over all valid mutants; with `explained`, the explained equivalents leave the count. */
export function score(t: Tally, explained = false): number | undefined {
  const valid = t.detected + t.survived + t.noCoverage - (explained ? t.explained : 0);
  return valid === 0 ? undefined : (100 * t.detected) / valid;
}

export function percent(value: number | undefined): string {
  return value === undefined ? "n/a" : `${value.toFixed(1)}%`;
}

/** The report in words: scores, then each unexplained survivor, then the explained ones. */
export function formatReport(summary: Summary, options: { title: string; equivalentsFile: string; missing?: readonly string[] }): string {
  const out: string[] = [options.title, ""];
  const { whole, todo } = summary;
  out.push(`mutants: ${summary.total} (${summary.ignored} in label or message text, not run${summary.invalid ? `; ${summary.invalid} invalid` : ""}): ` +
    `${whole.detected} killed (${whole.timedOut} by StrykerJS's time limit), ${whole.survived} survived, ${whole.noCoverage} not covered by any test`);
  out.push(`score, whole file:   ${percent(score(whole))} raw, ${percent(score(whole, true))} with ${whole.explained} equivalent${whole.explained === 1 ? "" : "s"} explained`);
  out.push(`score, TODO regions: ${percent(score(todo))} raw, ${percent(score(todo, true))} with ${todo.explained} equivalent${todo.explained === 1 ? "" : "s"} explained`);
  for (const line of options.missing ?? []) out.push(`note: the solution has no method for ${line}; its mutants count as given code`);
  const open = summary.survivors.filter((s) => !s.explainedBy);
  out.push("", open.length === 0 ? "no unexplained survivor" : `unexplained survivors (${open.length}), each a test to write or an equivalent to explain in ${options.equivalentsFile}:`);
  for (const s of sortSurvivors(open)) out.push(...describeSurvivor(s));
  const explained = summary.survivors.filter((s) => s.explainedBy);
  if (explained.length > 0) {
    out.push("", `explained equivalents (${explained.length}):`);
    for (const s of sortSurvivors(explained)) out.push(`  ${where(s)}  ${change(s)}`, `      ${s.explainedBy!.reason}`);
  }
  if (summary.stale.length > 0) {
    out.push("", `entries of ${options.equivalentsFile} that match no surviving mutant any more (killed now, or the code moved on):`);
    for (const e of summary.stale) out.push(`  ${e.file}: ${e.mutator} ${JSON.stringify(e.replacement)} in \`${e.source}\``);
  }
  return out.join("\n");
}

function sortSurvivors(list: readonly Survivor[]): Survivor[] {
  return [...list].sort((a, b) => a.mutant.file.localeCompare(b.mutant.file) || a.mutant.line - b.mutant.line || a.mutant.column - b.mutant.column);
}

function where(s: Survivor): string {
  const place = s.region ? `TODO(${s.region.todo}) ${qualified(s.region)}` : "given code";
  return `${s.mutant.file}:${s.mutant.line}  [${place}]${s.mutant.status === "NoCoverage" ? " (no test reaches it)" : ""}`;
}

function change(s: Survivor): string {
  return `${s.mutant.mutator}: \`${clip(s.original)}\` → \`${clip(s.mutant.replacement)}\``;
}

function describeSurvivor(s: Survivor): string[] {
  return [`  ${where(s)}`, `      ${change(s)}`];
}

function clip(code: string): string {
  const flat = code.replace(/\s+/g, " ").trim();
  return flat.length > 70 ? `${flat.slice(0, 67)}...` : flat;
}
