/**
 * Lesson 11's crash workloads: transactions on a PageStore (a rollback journal) whose disk
 * has a volatile write cache, each with a model of the pages after every step, ready for
 * the volatile exploration of lib/crash-explorer.ts.
 *
 * Every check demands: every page is exactly as the completed steps left it, or, when a
 * step was interrupted, exactly as after it too (a commit that had not returned may go
 * either way, never half); an abort, and a transaction still open at the power cut, leave
 * the pages as before them. Recovery is crashed too (the explorer does it), so a rollback
 * interrupted at any write or flush must be finished by the next mount.
 *
 * Nothing here imports an implementation: `npm run crash lesson-11` runs the same
 * workloads against any class with the lesson's contract.
 *
 * @example
 * ```ts
 * import { PageStore } from "@impl/lesson-11/page-store.ts";
 * expectCommitPointsHeld(buildExploration(PageStore, plans.steal), commitPointRuleOf(plans.steal));
 * ```
 */
import type { Exploration, Step } from "../../lib/crash-explorer.ts";
import { formatValue } from "../../lib/crash-explorer.ts";
import { sideFrom } from "../../lib/crash/commit-point.ts";
import type { CommitPointRule, RecordedWrite } from "../../lib/crash/commit-point.ts";
import { SimDisk } from "../../lib/sim-disk.ts";

/** What the tests use of a transaction. */
export interface PageTransactionLike {
  write(page: number, data: Uint8Array): void;
  commit(): void;
  abort(): void;
}

/** What the tests use of a store. */
export interface PageStoreLike {
  readonly pageSize: number;
  readonly pageCount: number;
  read(page: number): Uint8Array;
  begin(): PageTransactionLike;
}

export interface PageStoreClass<S extends PageStoreLike> {
  mount(disk: SimDisk, options?: { journalBlocks?: number; cachePages?: number }): S;
}

/** One page write: the page and its text. */
export type PageWrite = readonly [page: number, text: string];

/**
 * commit and abort run a whole transaction; "unfinished" begins one, writes, and leaves it
 * open (the power cut, or the end of the run, finds it so): it must be the last step.
 */
export type Operation = { kind: "commit" | "abort" | "unfinished"; writes: readonly PageWrite[] };

export const commit = (...writes: PageWrite[]): Operation => ({ kind: "commit", writes });
export const abort = (...writes: PageWrite[]): Operation => ({ kind: "abort", writes });
export const unfinished = (...writes: PageWrite[]): Operation => ({ kind: "unfinished", writes });

/** Page number → text; a page not listed holds zeros. */
export type Pages = ReadonlyMap<number, string>;

export interface Plan {
  name: string;
  operations: readonly Operation[];
  diskBlocks?: number;
  journalBlocks?: number;
  cachePages?: number;
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

export const bytesOf = (text: string): Uint8Array => ENCODER.encode(text);

/** A page's text: its bytes up to the first zero ("" for a page of zeros). */
export function textOf(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return DECODER.decode(end === -1 ? bytes : bytes.subarray(0, end));
}

/** The lesson's disk: a volatile write cache, 64-byte sectors in 512-byte blocks. */
export function volatileDisk(blocks = 96): SimDisk {
  return new SimDisk({ blocks, model: "volatile", sectorSize: 64 });
}

/** Runs one operation; a transaction of kind "unfinished" is left open. */
export function runOperation(store: PageStoreLike, op: Operation): void {
  const tx = store.begin();
  for (const [page, text] of op.writes) tx.write(page, bytesOf(text));
  if (op.kind === "commit") tx.commit();
  if (op.kind === "abort") tx.abort();
}

/** The pages after each operation: states[i] is after the first i operations. */
export function modelStates(operations: readonly Operation[]): Pages[] {
  const states: Pages[] = [new Map()];
  for (const op of operations) {
    const next = new Map(states[states.length - 1]);
    if (op.kind === "commit") for (const [page, text] of op.writes) next.set(page, text);
    states.push(next);
  }
  return states;
}

export function describeOperation(op: Operation): string {
  const writes = op.writes.map(([page, text]) => `page ${page} = ${formatValue(text)}`).join(", ") || "(empty)";
  const what = op.kind === "unfinished" ? "begin a transaction and leave it open" : `${op.kind} a transaction`;
  return `${what}: ${writes}`;
}

/** How the store's pages differ from `expected`; [] when they match (every page is read). */
export function pageDifferences(store: PageStoreLike, expected: Pages): string[] {
  const diffs: string[] = [];
  for (let page = 0; page < store.pageCount; page++) {
    const bytes = store.read(page);
    const want = expected.get(page) ?? "";
    const wanted = new Uint8Array(bytes.length);
    wanted.set(bytesOf(want));
    if (!sameBytes(bytes, wanted)) diffs.push(`page ${page} is ${describePage(bytes)}, expected ${want === "" ? "zeros" : formatValue(want)}`);
  }
  return diffs;
}

function describePage(bytes: Uint8Array): string {
  if (bytes.every((b) => b === 0)) return "zeros";
  const text = textOf(bytes);
  const rest = bytes.subarray(ENCODER.encode(text).length).some((b) => b !== 0);
  return rest ? `${formatValue(text)} followed by other bytes (not a page this workload wrote)` : formatValue(text);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Passes when the pages are exactly one of the allowed states; otherwise says how they differ. */
export function expectPagesOneOf(store: PageStoreLike, allowed: readonly [label: string, pages: Pages][]): void {
  const differences = allowed.map(([label, pages]) => [label, pageDifferences(store, pages)] as const);
  if (differences.some(([, diffs]) => diffs.length === 0)) return;
  const story = differences.map(([label, diffs]) => `${label}: ${diffs.slice(0, 3).join("; ")}`);
  const intro = allowed.length === 1
    ? "the pages are not as the completed steps left them"
    : "the pages are neither as before the interrupted step nor as after it (all of it or none of it)";
  throw new Error(`${intro}\n  compared with ${story.join("\n  compared with ")}`);
}

/** A volatile-model crash exploration of the plan against `Store`. */
export function buildExploration<S extends PageStoreLike>(Store: PageStoreClass<S>, plan: Plan): Exploration<S> {
  const states = modelStates(plan.operations);
  const steps: Step<S>[] = plan.operations.map((op) => ({ name: describeOperation(op), run: (store: S) => runOperation(store, op) }));
  const options = { journalBlocks: plan.journalBlocks, cachePages: plan.cachePages };
  return {
    name: plan.name,
    newDisk: () => volatileDisk(plan.diskBlocks ?? 24),
    mount: (disk) => Store.mount(disk, options),
    steps,
    volatile: true,
    check(store, { completed, interrupted }) {
      const before = states[completed];
      if (interrupted === undefined) return expectPagesOneOf(store, [[`after step ${completed}`, before]]);
      expectPagesOneOf(store, [[`before step ${interrupted + 1}`, before], [`after step ${interrupted + 1}`, states[interrupted + 1]]]);
    },
  };
}

const HEADER_MAGIC = 0x554e444f; // "UNDO", as the skeleton's encodeHeader writes it

/**
 * Whether `write` is the commit point in the skeleton's layout: a write of the journal
 * header (block 0, magic "UNDO") that finishes a transaction. The lesson names it: until
 * it is issued the transaction can be rolled back; once it is flushed, it has happened.
 * A design with its own format never matches and is held to all-or-nothing only.
 */
export function isCommitPoint(write: RecordedWrite): boolean {
  return write.block === 0 && new DataView(write.image.buffer, write.image.byteOffset, write.image.byteLength).getUint32(0) === HEADER_MAGIC;
}

/** The commit-point rule of a plan (lib/crash/commit-point.ts): old before the header write is issued, new once it is flushed. */
export function commitPointRuleOf<S extends PageStoreLike>(plan: Plan): CommitPointRule<S> {
  const states = modelStates(plan.operations);
  const matches = (store: S, pages: Pages) => pageDifferences(store, pages).length === 0;
  return {
    sideOf(store, { interrupted }) {
      if (interrupted === undefined) return "either";
      return sideFrom(matches(store, states[interrupted]), matches(store, states[interrupted + 1]));
    },
    isCommitWrite: (write) => isCommitPoint(write),
  };
}

/** Text that tells one version of a page from another in every sector: a tag, then a letter repeated. */
export function text(tag: string, letter: string, bytes = 300): string {
  const head = `[${tag}]`;
  return head + letter.repeat(Math.max(0, bytes - head.length));
}

/** The workloads of the crash tests, small enough to explore every crash state fast. */
export const plans = {
  withinCache: {
    name: "transactions within the page cache, commits and an abort",
    journalBlocks: 8,
    cachePages: 8,
    operations: [
      commit([0, text("p0 v1", "a")], [1, text("p1 v1", "b")]),
      commit([1, text("p1 v2", "c", 500)], [2, "p2 v2"]),
      abort([0, "aborted"], [2, text("aborted", "x")]),
      commit([0, text("p0 v4", "d")], [2, ""], [3, "p3 v4"]),
    ],
  },
  steal: {
    name: "transactions larger than the page cache (pages stolen before commit)",
    journalBlocks: 12,
    cachePages: 2,
    operations: [
      commit([0, text("p0 v1", "a")], [1, "p1 v1"], [2, text("p2 v1", "b")], [3, "p3 v1"]),
      abort([1, text("aborted", "x")], [2, "aborted"], [4, "aborted"]),
      commit([2, text("p2 v3", "c", 500)], [0, "p0 v3"], [2, "p2 v3 again"], [5, text("p5 v3", "d")]),
    ],
  },
  rewrites: {
    name: "a page rewritten after it was stolen, in one transaction",
    journalBlocks: 8,
    cachePages: 1,
    operations: [
      commit([0, text("p0 v1", "a")], [1, text("p1 v1", "b")]),
      abort([0, "first"], [1, "first"], [0, "second"], [1, text("second", "y")]),
      commit([1, "p1 v3"], [0, "p0 v3"], [1, text("p1 v3 again", "z")]),
    ],
  },
  hot: {
    name: "a transaction still open at the power cut (a hot journal at every crash point)",
    journalBlocks: 10,
    cachePages: 1,
    operations: [
      commit([0, text("p0 v1", "a")], [1, "p1 v1"], [2, text("p2 v1", "b")]),
      unfinished([0, "open"], [1, text("open", "o")], [3, "open"], [0, "open again"]),
    ],
  },
  stale: {
    name: "a short journal after a long one (stale originals past its end)",
    journalBlocks: 10,
    cachePages: 1,
    operations: [
      commit([0, "p0 v1"], [1, "p1 v1"], [2, "p2 v1"], [3, "p3 v1"]),
      commit([3, text("p3 v2", "s")]),
      unfinished([1, "open"]),
    ],
  },
} satisfies Record<string, Plan>;

/** `npm run crash lesson-11`: the same store without a journal as the baseline, then the exercise or the solution. */
export const crashLab = {
  file: "page-store.ts",
  baselines: [{ label: "in place without a journal", path: "lib/demos/unjournaled-page-store.ts" }] as readonly { label: string; path: string }[],
  explorations(module: Record<string, unknown>): Exploration<PageStoreLike>[] {
    const Store = module.PageStore as Partial<PageStoreClass<PageStoreLike>> | undefined;
    if (typeof Store?.mount !== "function") throw new TypeError("the module does not export a class PageStore with a static mount(disk)");
    return Object.values(plans).map((plan) => buildExploration(Store as PageStoreClass<PageStoreLike>, plan));
  },
};
